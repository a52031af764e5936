/** Publishes one batch's counts as CloudWatch metrics (EMF): totals per batch and quarantines by reason (cleanser and order import). */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { IngestCounts } from '../../src/cleanse/batch.ts';

export function publishCounts(metrics: Metrics, c: IngestCounts): void {
  metrics.addMetric('RecordsIn', MetricUnit.Count, c.received);
  metrics.addMetric('Clean', MetricUnit.Count, c.clean);
  metrics.addMetric('Quarantined', MetricUnit.Count, c.quarantined);
  metrics.addMetric('Duplicates', MetricUnit.Count, c.duplicates);
  metrics.addMetric('Suppressed', MetricUnit.Count, c.suppressed);
  for (const [reason, n] of Object.entries(c.byReason)) {
    const single = metrics.singleMetric();
    single.addDimension('Reason', reason);
    single.addMetric('QuarantinedByReason', MetricUnit.Count, n);
  }
}
