/**
 * Amazon Data Firehose stand-in: a loopback HTTP server speaking Firehose's JSON wire protocol (PutRecord,
 * PutRecordBatch), so the handlers' own FirehoseClient talks to it, and a `deliver()` that does what each delivery
 * stream's synthesized ExtendedS3DestinationConfiguration says Firehose does when its buffer fills: dynamic
 * partitioning by the MetadataExtraction jq query into the synthesized Prefix, conversion to Parquet against the
 * Glue table named in SchemaConfiguration (read from moto's Glue, as Firehose reads the catalog), HiveJsonSerDe
 * timestamp formats, and records that fail either step written under the synthesized ErrorOutputPrefix.
 * moto serves Firehose puts but neither partitions nor converts, hence this stand-in.
 *
 * Records are first split as a RecordDeAggregation processor says (JSON: consecutive JSON objects, with or without
 * newlines between them; DELIMITED: on the base64-decoded delimiter), at most 500 sub-records per record as Firehose
 * caps it; a record the stream would not de-aggregate stays one record, as Firehose keeps it.
 *
 * Only what the templates use is understood (jq object construction from top-level fields, the prefixes'
 * `!{partitionKeyFromQuery:k}`, `!{timestamp:fmt}` and `!{firehose:error-output-type}`); anything else fails
 * loudly, so a template change the stand-in would silently misread stops the day instead.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Cfn, Deployment } from './deployment.ts';

interface StreamConfig {
  readonly name: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly errorPrefix: string;
  /** Partition key -> top-level field, from the jq query; null when the stream is not dynamically partitioned. */
  readonly partitionFields: Record<string, string> | null;
  readonly glue: { database: string; table: string } | null;
  readonly timestampFormats: readonly string[];
  /** How records are split into rows before partitioning; null: one row per record. */
  readonly deAggregation: { readonly type: 'JSON' } | { readonly type: 'DELIMITED'; readonly delimiter: Buffer } | null;
}

/** Firehose de-aggregates at most this many sub-records from one record. */
const MAX_SUB_RECORDS = 500;

class DeAggregationError extends Error {}

/**
 * One record split as RecordDeAggregation does: JSON sub-records are consecutive JSON objects (whitespace between
 * them allowed, an array refused); DELIMITED splits on the delimiter bytes. More than 500 throws: Firehose's docs
 * say de-aggregation then "doesn't work as expected", so the day stops instead of guessing.
 */
export function deAggregate(raw: Buffer, how: NonNullable<StreamConfig['deAggregation']>): Buffer[] {
  const parts: Buffer[] = [];
  if (how.type === 'DELIMITED') {
    let at = 0;
    for (let i = raw.indexOf(how.delimiter); i >= 0; i = raw.indexOf(how.delimiter, at)) {
      parts.push(raw.subarray(at, i));
      at = i + how.delimiter.length;
    }
    if (at < raw.length) parts.push(raw.subarray(at));
  } else {
    const text = raw.toString('utf8');
    let i = 0;
    const ws = (c: string | undefined) => c === ' ' || c === '\n' || c === '\r' || c === '\t';
    while (i < text.length) {
      while (ws(text[i])) i++;
      if (i >= text.length) break;
      if (text[i] !== '{') throw new DeAggregationError(`not a JSON object at character ${i}`);
      // Find the end of the object: depth of braces outside strings.
      let depth = 0;
      let inString = false;
      let j = i;
      for (; j < text.length; j++) {
        const c = text[j];
        if (inString) {
          if (c === '\\') j++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{') depth++;
        else if (c === '}' && --depth === 0) break;
      }
      if (depth !== 0 || j >= text.length) throw new DeAggregationError(`unterminated JSON object at character ${i}`);
      parts.push(Buffer.from(text.slice(i, j + 1), 'utf8'));
      i = j + 1;
    }
  }
  if (parts.length > MAX_SUB_RECORDS) throw new Error(`a record of ${parts.length} sub-records: Firehose de-aggregates at most ${MAX_SUB_RECORDS} per record`);
  return parts;
}

/** The RecordDeAggregation processor of a stream, as synthesized; any parameter not understood fails. */
function deAggregationOf(logicalId: string, p: Cfn | undefined): StreamConfig['deAggregation'] {
  if (!p) return null;
  const params: Record<string, string> = Object.fromEntries((p.Parameters ?? []).map((x: Cfn) => [x.ParameterName, x.ParameterValue]));
  for (const k of Object.keys(params)) if (k !== 'SubRecordType' && k !== 'Delimiter') throw new Error(`${logicalId}: RecordDeAggregation parameter ${k} is not emulated`);
  if (params.SubRecordType === 'JSON' && params.Delimiter === undefined) return { type: 'JSON' };
  if (params.SubRecordType === 'DELIMITED' && params.Delimiter) return { type: 'DELIMITED', delimiter: Buffer.from(params.Delimiter, 'base64') };
  throw new Error(`${logicalId}: RecordDeAggregation ${JSON.stringify(params)} is not emulated`);
}

/** `{"source":.source,"dt":.dt}` -> { source: 'source', dt: 'dt' }; other jq is refused. */
export function parseJqObject(q: string): Record<string, string> {
  const body = /^\s*\{(.*)\}\s*$/s.exec(q)?.[1];
  if (body === undefined) throw new Error(`jq query not understood by the Firehose stand-in: ${q}`);
  const out: Record<string, string> = {};
  for (const part of body.split(',')) {
    const m = /^\s*"?([A-Za-z_][A-Za-z0-9_]*)"?\s*:\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(part);
    if (!m) throw new Error(`jq query not understood by the Firehose stand-in: ${q}`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** Joda-style timestamp format -> a regex for the text HiveJsonSerDe accepts with it (the formats the templates use). */
function timestampRegex(format: string): RegExp {
  const known: Record<string, string> = {
    "yyyy-MM-dd'T'HH:mm:ss.SSSZZ": '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2})$',
    "yyyy-MM-dd'T'HH:mm:ssZZ": '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(Z|[+-]\\d{2}:\\d{2})$',
  };
  const re = known[format];
  if (!re) throw new Error(`timestamp format not understood by the Firehose stand-in: ${format}`);
  return new RegExp(re);
}

const DEFAULT_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;

function duckType(glueType: string): string {
  const t = glueType.toLowerCase();
  const simple: Record<string, string> = { string: 'varchar', int: 'integer', bigint: 'bigint', double: 'double', boolean: 'boolean', timestamp: 'timestamp', date: 'date', float: 'float' };
  if (simple[t]) return simple[t];
  const dec = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return `decimal(${dec[1]},${dec[2]})`;
  throw new Error(`Glue type ${glueType} not understood by the Firehose stand-in`);
}

class ConversionError extends Error {}

/** One JSON value as HiveJsonSerDe reads it into a column of a Glue type; throws ConversionError where Firehose would fail the record. */
function convert(glueType: string, v: unknown, formats: readonly RegExp[]): unknown {
  if (v === null || v === undefined) return null;
  const t = glueType.toLowerCase();
  if (t === 'string') return typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (t === 'timestamp') {
    const s = String(v);
    if (!(formats.length ? formats.some((f) => f.test(s)) : DEFAULT_TIMESTAMP.test(s))) throw new ConversionError(`timestamp ${s} matches no configured format`);
    const ms = Date.parse(s);
    if (Number.isNaN(ms)) throw new ConversionError(`timestamp ${s} is not a date`);
    return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  }
  if (t === 'boolean') {
    if (typeof v !== 'boolean') throw new ConversionError(`boolean column got ${JSON.stringify(v)}`);
    return v;
  }
  if (t === 'int' || t === 'bigint' || t === 'double' || t === 'float' || t.startsWith('decimal')) {
    const n = typeof v === 'number' ? v : Number(v);
    if (typeof v === 'object' || Number.isNaN(n)) throw new ConversionError(`${t} column got ${JSON.stringify(v)}`);
    if ((t === 'int' || t === 'bigint') && !Number.isInteger(n)) throw new ConversionError(`${t} column got ${JSON.stringify(v)}`);
    return t.startsWith('decimal') ? String(v) : n;
  }
  if (t === 'date') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(String(v))) throw new ConversionError(`date column got ${JSON.stringify(v)}`);
    return String(v);
  }
  throw new Error(`Glue type ${glueType} not understood by the Firehose stand-in`);
}

function fillPrefix(prefix: string, keys: Record<string, string>, at: Date, errorType?: string): string {
  return prefix.replace(/!\{([^}:]+):([^}]+)\}/g, (whole, ns: string, arg: string) => {
    if (ns === 'partitionKeyFromQuery') {
      const v = keys[arg];
      if (v === undefined) throw new Error(`prefix ${prefix} names partition key ${arg}, which the jq query does not produce`);
      return v;
    }
    if (ns === 'timestamp') {
      const iso = at.toISOString();
      return arg.replace('yyyy', iso.slice(0, 4)).replace('MM', iso.slice(5, 7)).replace('dd', iso.slice(8, 10)).replace('HH', iso.slice(11, 13));
    }
    if (ns === 'firehose' && arg === 'error-output-type' && errorType) return errorType;
    throw new Error(`prefix expression ${whole} not understood by the Firehose stand-in`);
  });
}

export interface FirehoseStandIn {
  readonly endpoint: string;
  /** Records accepted per stream since the start. */
  readonly accepted: Map<string, number>;
  /** Called after a PutRecordBatch was accepted and buffered, before the answer goes out (fault injection). */
  onAccepted?: (stream: string, records: number) => void;
  /** Delivers every buffer to S3 (as a full buffer or the buffer interval would); returns the objects written. */
  deliver(): Promise<string[]>;
  close(): Promise<void>;
}

/** Starts the stand-in for every delivery stream of the synthesized app. */
export async function startFirehoseStandIn(d: Deployment, clients: { s3: S3Client; glue: GlueClient }, now: () => Date = () => new Date()): Promise<FirehoseStandIn> {
  const streams = new Map<string, StreamConfig>();
  for (const r of d.resources('AWS::KinesisFirehose::DeliveryStream')) {
    // The raw copy was once a delivery stream with the Kinesis stream as its source; now no stream reads Kinesis.
    if (r.props.KinesisStreamSourceConfiguration) throw new Error(`${r.logicalId}: a delivery stream with a Kinesis source is not emulated`);
    const c: Cfn = d.resolve(r.stack, r.props.ExtendedS3DestinationConfiguration);
    if (!c) throw new Error(`${r.logicalId}: only ExtendedS3 destinations are emulated`);
    const processors: Cfn[] = c.ProcessingConfiguration?.Enabled ? (c.ProcessingConfiguration.Processors ?? []) : [];
    const extraction = processors.find((p) => p.Type === 'MetadataExtraction');
    const deAggregation = processors.filter((p) => p.Type === 'RecordDeAggregation');
    if (processors.some((p) => p.Type !== 'MetadataExtraction' && p.Type !== 'RecordDeAggregation')) throw new Error(`${r.logicalId}: processor types other than RecordDeAggregation and MetadataExtraction are not emulated`);
    if (deAggregation.length > 1) throw new Error(`${r.logicalId}: more than one RecordDeAggregation processor`);
    if (deAggregation.length && !c.DynamicPartitioningConfiguration?.Enabled) throw new Error(`${r.logicalId}: RecordDeAggregation without dynamic partitioning is not emulated`);
    const query = extraction?.Parameters?.find((p: Cfn) => p.ParameterName === 'MetadataExtractionQuery')?.ParameterValue;
    const conv = c.DataFormatConversionConfiguration;
    if (conv?.Enabled && !conv.OutputFormatConfiguration?.Serializer?.ParquetSerDe) throw new Error(`${r.logicalId}: only Parquet output is emulated`);
    streams.set(d.ref(r.stack, r.logicalId), {
      name: d.ref(r.stack, r.logicalId),
      bucket: String(c.BucketARN).replace('arn:aws:s3:::', ''),
      prefix: c.Prefix ?? '',
      errorPrefix: c.ErrorOutputPrefix ?? '',
      partitionFields: c.DynamicPartitioningConfiguration?.Enabled ? parseJqObject(query) : null,
      glue: conv?.Enabled ? { database: conv.SchemaConfiguration.DatabaseName, table: conv.SchemaConfiguration.TableName } : null,
      timestampFormats: conv?.InputFormatConfiguration?.Deserializer?.HiveJsonSerDe?.TimestampFormats ?? [],
      deAggregation: deAggregationOf(r.logicalId, deAggregation[0]),
    });
  }
  const buffers = new Map<string, Buffer[]>();
  const accepted = new Map<string, number>();

  const self: FirehoseStandIn = {
    endpoint: '',
    accepted,
    deliver: async () => {
      const written: string[] = [];
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      try {
        for (const [name, records] of buffers) {
          buffers.set(name, []);
          if (records.length) written.push(...(await deliverStream(streams.get(name)!, records, conn)));
        }
      } finally {
        conn.closeSync();
        db.closeSync();
      }
      return written;
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };

  async function deliverStream(s: StreamConfig, records: Buffer[], conn: DuckDBConnection): Promise<string[]> {
    const at = now();
    const columns = s.glue ? ((await clients.glue.send(new GetTableCommand({ DatabaseName: s.glue.database, Name: s.glue.table }))).Table?.StorageDescriptor?.Columns ?? []) : [];
    const formats = s.timestampFormats.map(timestampRegex);
    const groups = new Map<string, Record<string, unknown>[]>();
    const errors = new Map<string, string[]>();
    const fail = (type: string, raw: Buffer, message: string) => {
      const p = fillPrefix(s.errorPrefix, {}, at, type);
      const list = errors.get(p) ?? [];
      list.push(JSON.stringify({ rawData: raw.toString('base64'), errorCode: type, errorMessage: message }));
      errors.set(p, list);
    };
    const rows: Buffer[] = [];
    for (const record of records) {
      if (!s.deAggregation) {
        rows.push(record);
        continue;
      }
      try {
        rows.push(...deAggregate(record, s.deAggregation));
      } catch (e) {
        if (!(e instanceof DeAggregationError)) throw e;
        fail('partitioning-failed', record, `de-aggregation: ${e.message}`);
      }
    }
    for (const raw of rows) {
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch (e) {
        fail(s.partitionFields ? 'partitioning-failed' : 'format-conversion-failed', raw, (e as Error).message);
        continue;
      }
      const keys: Record<string, string> = {};
      let missing: string | undefined;
      for (const [k, field] of Object.entries(s.partitionFields ?? {})) {
        const v = json[field];
        if (v === null || v === undefined || typeof v === 'object') missing = k;
        else keys[k] = String(v);
      }
      if (missing) {
        fail('partitioning-failed', raw, `partition key ${missing} is null or not a scalar`);
        continue;
      }
      let row: Record<string, unknown>;
      try {
        // HiveJsonSerDe matches fields to columns case-insensitively; fields without a column are dropped.
        const lower = new Map(Object.entries(json).map(([k, v]) => [k.toLowerCase(), v]));
        row = Object.fromEntries(columns.map((c) => [c.Name!, convert(c.Type!, lower.get(c.Name!.toLowerCase()), formats)]));
      } catch (e) {
        if (!(e instanceof ConversionError)) throw e;
        fail('format-conversion-failed', raw, e.message);
        continue;
      }
      const prefix = fillPrefix(s.prefix, keys, at);
      const list = groups.get(prefix) ?? [];
      list.push(row);
      groups.set(prefix, list);
    }
    const stamp = at.toISOString().replace(/[-:T]/g, '-').slice(0, 19);
    const out: string[] = [];
    for (const [prefix, rows] of groups) {
      const key = `${prefix}${s.name}-1-${stamp}-${randomUUID()}.parquet`;
      await clients.s3.send(new PutObjectCommand({ Bucket: s.bucket, Key: key, Body: await toParquet(conn, columns, rows) }));
      out.push(`s3://${s.bucket}/${key}`);
    }
    for (const [prefix, lines] of errors) {
      const key = `${prefix}${s.name}-1-${stamp}-${randomUUID()}`;
      await clients.s3.send(new PutObjectCommand({ Bucket: s.bucket, Key: key, Body: lines.join('\n') + '\n' }));
      out.push(`s3://${s.bucket}/${key}`);
    }
    return out;
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        const op = target.split('.')[1];
        const name: string = body.DeliveryStreamName;
        if (op !== 'PutRecordBatch' && op !== 'PutRecord') return reply(400, { __type: 'InvalidArgumentException', message: `${op} is not emulated` });
        if (!streams.has(name)) return reply(400, { __type: 'ResourceNotFoundException', message: `Firehose ${name} under account ${'123456789012'} not found.` });
        const recs: { Data: string }[] = op === 'PutRecord' ? [body.Record] : body.Records;
        const buf = buffers.get(name) ?? [];
        for (const r of recs) buf.push(Buffer.from(r.Data, 'base64'));
        buffers.set(name, buf);
        accepted.set(name, (accepted.get(name) ?? 0) + recs.length);
        self.onAccepted?.(name, recs.length);
        if (op === 'PutRecord') return reply(200, { RecordId: randomUUID(), Encrypted: true });
        return reply(200, { FailedPutCount: 0, Encrypted: true, RequestResponses: recs.map(() => ({ RecordId: randomUUID() })) });
      } catch (e) {
        reply(500, { __type: 'ServiceUnavailableException', message: (e as Error).message });
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const { port } = server.address() as import('node:net').AddressInfo;
  return Object.assign(self, { endpoint: `http://127.0.0.1:${port}` });
}

/** Rows -> one Parquet file (SNAPPY), typed by the Glue columns, written by DuckDB. */
async function toParquet(conn: DuckDBConnection, columns: readonly { Name?: string; Type?: string }[], rows: readonly Record<string, unknown>[]): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-firehose-'));
  try {
    const src = path.join(dir, 'rows.jsonl');
    fs.writeFileSync(src, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const out = path.join(dir, 'out.parquet');
    const spec = columns.map((c) => `'${c.Name}': '${duckType(c.Type!)}'`).join(', ');
    await conn.run(`copy (select * from read_json('${src}', format = 'newline_delimited', columns = {${spec}})) to '${out}' (format parquet, compression snappy)`);
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
