/**
 * `retail-lake models push`: copies trained models from one model store to another — in practice from a lake
 * directory (trained locally or on a copy of the cloud lake) to the S3 model bucket the deployed functions read. The
 * layout is the store's own (models/<name>/<version>/<file>, models/<name>/latest), and each version is written whole
 * before its `latest` moves (ModelStore.put), so a scorer starting mid-push reads either the previous model or the
 * new one, never half of one. Every model is checked (card against files) before anything is uploaded.
 *
 * @example await pushModels({ from: new LocalModelStore('lake'), to: new S3ModelStore({ bucket }), names: ['segments', 'churn', 'clv'] })
 */
import { ModelStoreError, readArtifacts, type ModelStore, type StoredModel } from '../models/index.ts';

export interface PushModelsOptions {
  readonly from: ModelStore;
  readonly to: ModelStore;
  /** Models to push, each its `latest` version. */
  readonly names: readonly string[];
}

export interface PushedModel {
  readonly model: string;
  readonly version: string;
  readonly files: readonly string[];
}

export interface PushModelsResult {
  readonly pushed: readonly PushedModel[];
}

export async function pushModels(o: PushModelsOptions): Promise<PushModelsResult> {
  if (!o.names.length) throw new ModelStoreError('no models to push: train them first (`retail-lake train all`)');
  // Read and check every model first: a broken local copy stops the push before the bucket changes.
  const models: StoredModel[] = [];
  for (const name of o.names) {
    const m = await o.from.get(name, 'latest');
    readArtifacts(m);
    models.push(m);
  }
  const pushed: PushedModel[] = [];
  for (const m of models) {
    await o.to.put(m.name, m.version, m.files);
    pushed.push({ model: m.name, version: m.version, files: Object.keys(m.files).sort() });
  }
  return { pushed };
}
