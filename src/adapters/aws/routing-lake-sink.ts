/**
 * A LakeSink that sends each table to the sink responsible for it: in AWS, curated tables go through Firehose
 * (Parquet, few large files) and quarantine rows straight to S3 (raw NDJSON, kept verbatim).
 */
import type { LakeSink } from '../../ports/index.ts';
import { AwsAdapterError } from './errors.ts';

export class RoutingLakeSink implements LakeSink {
  constructor(private readonly routes: Readonly<Record<string, LakeSink>>) {}

  append(table: string, rows: readonly object[]): Promise<void> {
    const sink = this.routes[table];
    if (!sink) return Promise.reject(new AwsAdapterError(`no sink for table ${table} (routed: ${Object.keys(this.routes).join(', ')})`));
    return sink.append(table, rows);
  }

  async flush(): Promise<void> {
    await Promise.all([...new Set(Object.values(this.routes))].map((s) => s.flush()));
  }
}
