/**
 * `retail-lake cloud backfill --from D --to D [--stage S]`: asks the deployment of a stage to rebuild past days (tag
 * snapshot, recommendations, scores) in order, asynchronously (src/ops/backfill.ts). AWS credentials and region come
 * from the environment, as for the AWS CLI.
 */
import { EventBridgeBus } from '../../adapters/aws/eventbridge-bus.ts';
import { requestBackfill, type BackfillDetail } from '../../ops/backfill.ts';
import { emit, type GlobalOptions } from '../output.ts';

export async function cloudBackfillCommand(o: GlobalOptions & { readonly stage: string; readonly from: string; readonly to: string }): Promise<BackfillDetail> {
  const detail = await requestBackfill(new EventBridgeBus(), { stage: o.stage, from: o.from, to: o.to });
  emit(o, { requested: true, ...detail }, () => {
    process.stdout.write(
      `backfill of ${detail.days.length} day(s) ${detail.days[0]}..${detail.days.at(-1)} requested for stage ${detail.stage}: ` +
        `follow it in the Step Functions console (state machine of RetailLake-${detail.stage}-Insights, docs/deploy.md "Backfill")\n`,
    );
  });
  return detail;
}
