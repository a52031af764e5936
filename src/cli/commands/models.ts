/**
 * `retail-lake models push --bucket B [--prefix P] [--model NAME ...]`: uploads the lake's trained models (each one's
 * `latest` version) to the S3 model bucket of a deployment, in the layout and order the functions read them
 * (src/ops/models-push.ts). AWS credentials and region come from the environment, as for the AWS CLI.
 */
import { S3ModelStore } from '../../adapters/aws/s3-model-store.ts';
import { LocalModelStore, ModelStoreError } from '../../models/index.ts';
import { pushModels, type PushModelsResult } from '../../ops/models-push.ts';
import { emit, table, type GlobalOptions } from '../output.ts';

export interface ModelsPushOptions extends GlobalOptions {
  readonly bucket: string;
  /** Key prefix in front of models/ (the scorer's MODEL_PREFIX). @default '' */
  readonly prefix?: string;
  /** @default every model of the lake */
  readonly models?: readonly string[];
}

export async function modelsPushCommand(o: ModelsPushOptions): Promise<PushModelsResult & { bucket: string; prefix: string }> {
  const from = new LocalModelStore(o.lake);
  const available = from.names();
  const unknown = (o.models ?? []).filter((m) => !available.includes(m));
  if (unknown.length) throw new ModelStoreError(`no trained ${unknown.join(', ')} model in ${o.lake}/models (trained: ${available.join(', ') || 'none'}); run \`retail-lake train ${unknown[0]}\` first`);
  const prefix = (o.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const result = { bucket: o.bucket, prefix, ...(await pushModels({ from, to: new S3ModelStore({ bucket: o.bucket, prefix }), names: o.models?.length ? o.models : available })) };
  emit(o, result, () => {
    process.stdout.write(`pushed to s3://${o.bucket}/${prefix ? `${prefix}/` : ''}models/:\n${table(result.pushed.map((p) => ({ model: p.model, version: p.version, files: p.files.join(' ') })))}\n`);
  });
  return result;
}
