/**
 * customer_scores in AWS, laid out as locally (curated/customer_scores/dt=<as-of>/, Parquet, the columns of
 * src/score/schema.ts): the Glue table definitions, the writer that replaces one day's partition and the readers of
 * earlier scorings. Athena writes the Parquet: the scorer puts the rows as gzip JSON lines under the load table's
 * prefix, and `UNLOAD (select ... from customer_scores_load) ... format PARQUET` turns them into the partition.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { TableDef } from '../../contract/index.ts';
import { CUSTOMER_SCORE_COLUMNS, CUSTOMER_SCORES_TABLE, customerScoreSchema, type CustomerScore } from '../../score/schema.ts';
import { shardPredicate, type Shard, type ShardedScoresTable } from '../../score/shards.ts';
import { parseS3Url, unloadParquet, type StatementRunner } from './athena-unload.ts';
import type { RowReader } from './athena-score-source.ts';
import { s3ClientConfig, type ClientOptions } from './clients.ts';
import { AthenaQueryError } from './errors.ts';
import { deletePrefix } from './s3-json.ts';

/** The scores table as Glue catalogues it: the zod columns plus the dt partition (projected). */
export const CUSTOMER_SCORES_TABLE_DEF: TableDef = {
  name: CUSTOMER_SCORES_TABLE,
  zone: 'curated',
  path: CUSTOMER_SCORES_TABLE,
  schema: customerScoreSchema.extend({ dt: z.iso.date().meta({ description: 'Partition: the as-of date of the scoring' }) }),
  partitionKeys: ['dt'],
  description: 'Model scores per customer and as-of date (segments, churn with reasons, CLV); written by the scheduled scorer',
};

/** The scorer's load table: the rows of the runs in progress as gzip JSON lines run-<uuid>-<part>.json.gz (empty between runs). */
export const CUSTOMER_SCORES_LOAD_TABLE_DEF: TableDef = {
  name: `${CUSTOMER_SCORES_TABLE}_load`,
  zone: 'curated',
  path: `staging/${CUSTOMER_SCORES_TABLE}`,
  schema: customerScoreSchema,
  partitionKeys: [],
  description: 'Scratch table of the scheduled scorer: the rows being written into customer_scores (empty between runs)',
};

/** A score row as the load table's JSON SerDe reads it: JSON columns as text, the rest as the row has them. */
function loadLine(r: CustomerScore): string {
  const out: Record<string, unknown> = {};
  for (const c of CUSTOMER_SCORE_COLUMNS) {
    const v = (r as Record<string, unknown>)[c.name];
    out[c.name] = v === null || v === undefined ? null : c.type === 'json' ? JSON.stringify(v) : v;
  }
  return JSON.stringify(out);
}

/** The dates of the dt=YYYY-MM-DD/ prefixes directly under an s3:// prefix, sorted. */
export async function listPartitionDates(s3Url: string, options: ClientOptions & { client?: S3Client } = {}): Promise<string[]> {
  const client = options.client ?? new S3Client(s3ClientConfig(options));
  const { bucket, prefix } = parseS3Url(s3Url.endsWith('/') ? s3Url : `${s3Url}/`);
  const out: string[] = [];
  let token: string | undefined;
  do {
    const res = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
    for (const p of res.CommonPrefixes ?? []) {
      const m = /dt=(\d{4}-\d{2}-\d{2})\/$/.exec(p.Prefix ?? '');
      if (m) out.push(m[1]!);
    }
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return out.sort();
}

export interface CustomerScoresStoreOptions extends ClientOptions {
  readonly runner: StatementRunner;
  readonly reader: RowReader;
  /** s3://<curated bucket>/ */
  readonly curatedLocation: string;
  /** @default a client built from the options */
  readonly client?: S3Client;
}

export class CustomerScoresStore implements ShardedScoresTable {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly base: string;

  constructor(private readonly options: CustomerScoresStoreOptions) {
    this.client = options.client ?? new S3Client(s3ClientConfig(options));
    const { bucket, prefix } = parseS3Url(options.curatedLocation.endsWith('/') ? options.curatedLocation : `${options.curatedLocation}/`);
    this.bucket = bucket;
    this.base = prefix;
  }

  private url(path: string): string {
    return `s3://${this.bucket}/${this.base}${path}/`;
  }

  /** Dates of the scorings written so far, from the dt= prefixes (as locally, from the dt= folders). */
  dates(): Promise<string[]> {
    return listPartitionDates(this.url(CUSTOMER_SCORES_TABLE_DEF.path), { client: this.client });
  }

  /** The latest scoring before asOf, or undefined (the first scoring). */
  async previousDate(asOf: string): Promise<string | undefined> {
    return (await this.dates()).filter((d) => d < asOf).at(-1);
  }

  /** Replaces the partition dt = asOf with the rows; returns its s3:// location. */
  async write(asOf: string, rows: readonly CustomerScore[]): Promise<string> {
    const stray = rows.find((r) => r.as_of !== asOf);
    if (stray) throw new AthenaQueryError(`customer_scores dt=${asOf}: a row is as of ${stray.as_of}`);
    // Each run's files are named after it (flat: a table location's subfolders are not read) and the UNLOAD selects
    // only them ("$path"), so two runs never mix rows.
    const run = `run-${randomUUID()}-`;
    const load = `${this.url(CUSTOMER_SCORES_LOAD_TABLE_DEF.path)}${run}`;
    const target = this.url(`${CUSTOMER_SCORES_TABLE_DEF.path}/dt=${asOf}`);
    const { prefix } = parseS3Url(load);
    try {
      // Parts of ~50k rows keep each PutObject small and let Athena read them in parallel.
      for (let i = 0, part = 0; i < rows.length; i += 50_000, part++) {
        const body = gzipSync(rows.slice(i, i + 50_000).map(loadLine).join('\n') + '\n');
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: `${prefix}${String(part).padStart(5, '0')}.json.gz`, Body: body }));
      }
      await deletePrefix(target, { client: this.client });
      const columns = CUSTOMER_SCORE_COLUMNS.map((c) => `"${c.name}"`).join(', ');
      await unloadParquet(this.options.runner, `select ${columns} from ${CUSTOMER_SCORES_LOAD_TABLE_DEF.name} where "$path" like '%/${run}%'`, target);
    } finally {
      await deletePrefix(load, { client: this.client });
    }
    return target;
  }

  private loadRun(runId: string, shard?: number): string {
    if (!/^[0-9a-f-]{36}$/.test(runId)) throw new AthenaQueryError(`run id must be a UUID, received ${JSON.stringify(runId)}`);
    return `${this.url(CUSTOMER_SCORES_LOAD_TABLE_DEF.path)}run-${runId}-${shard === undefined ? '' : `s${shard}-`}`;
  }

  /** One shard's final rows of a sharded run, as load-table parts run-<run>-s<shard>-<part>.json.gz (a retry replaces them). */
  async stage(runId: string, shard: Shard, rows: readonly CustomerScore[]): Promise<void> {
    const load = this.loadRun(runId, shard.index);
    await deletePrefix(load, { client: this.client });
    const { prefix } = parseS3Url(load);
    for (let i = 0, part = 0; i < rows.length; i += 50_000, part++) {
      const body = gzipSync(rows.slice(i, i + 50_000).map(loadLine).join('\n') + '\n');
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: `${prefix}${String(part).padStart(5, '0')}.json.gz`, Body: body }));
    }
  }

  /** Replaces the partition dt = asOf with every shard's staged rows of the run: one UNLOAD. */
  async commit(asOf: string, runId: string): Promise<string> {
    const { prefix } = parseS3Url(this.loadRun(runId));
    const target = this.url(`${CUSTOMER_SCORES_TABLE_DEF.path}/dt=${asOf}`);
    await deletePrefix(target, { client: this.client });
    const columns = CUSTOMER_SCORE_COLUMNS.map((c) => `"${c.name}"`).join(', ');
    await unloadParquet(this.options.runner, `select ${columns} from ${CUSTOMER_SCORES_LOAD_TABLE_DEF.name} where "$path" like '%/${prefix.split('/').pop()}%'`, target);
    return target;
  }

  /** Deletes the run's staged rows. */
  async release(runId: string): Promise<void> {
    await deletePrefix(this.loadRun(runId), { client: this.client });
  }

  /** The scores of one scoring, as CustomerScore rows (JSON columns parsed, timestamps ISO); with a shard, its customers only. */
  async read(asOf: string, shard?: Shard): Promise<CustomerScore[]> {
    const where = shard && shard.count > 1 ? ` and ${shardPredicate('customer_key', shard)}` : '';
    const rows = await this.options.reader.rows(`select * from ${CUSTOMER_SCORES_TABLE_DEF.name} where dt = date '${asOf}'${where}`);
    return rows.map((r) => {
      const out: Record<string, unknown> = {};
      for (const c of CUSTOMER_SCORE_COLUMNS) {
        const v = r[c.name];
        if (v === null || v === undefined) out[c.name] = null;
        else if (c.type === 'json') out[c.name] = typeof v === 'string' ? JSON.parse(v) : v;
        else if (c.type === 'timestamp') out[c.name] = new Date(`${String(v).replace(' ', 'T').replace(/Z?$/, 'Z')}`).toISOString();
        else if (c.type === 'double' || c.type === 'int') out[c.name] = Number(v);
        else out[c.name] = v;
      }
      return out as CustomerScore;
    });
  }
}
