/**
 * Amazon Athena stand-in: a loopback HTTP server speaking Athena's JSON wire protocol (StartQueryExecution,
 * GetQueryExecution, GetQueryResults, GetTableMetadata), so the handlers' own AthenaClient talks to it, executing
 * the statements the functions send on DuckDB over the bucket contents:
 * - every moto bucket is mirrored to a directory before each statement (DuckDB cannot read s3:// here: httpfs is not
 *   installable offline), and files a statement writes are uploaded back to the bucket;
 * - the catalog is moto's Glue: each Glue table is a DuckDB view over its location's files (Parquet or JSON lines,
 *   Hive partitions, columns cast to the Glue types, an empty typed relation when there are no files); CTAS creates
 *   the Glue table, DROP TABLE deletes it; views (CREATE OR REPLACE VIEW) live in DuckDB, as Athena keeps them;
 * - CTAS, INSERT INTO (SELECT or VALUES), UNLOAD, SELECT, DROP; "<table>$partitions" and "$path" as Athena has them;
 * - Trino functions DuckDB lacks come from sql/_dialect/duckdb.sql, as in the local catalog.
 * A statement it does not understand fails the query (FAILED with the reason), as Athena would fail one it rejects.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CreateTableCommand, DeleteTableCommand, GetTableCommand, GetTablesCommand, type GlueClient, type Table } from '@aws-sdk/client-glue';
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PROJECT_ROOT } from '../../lib/constructs/project-function.ts';

export interface AthenaQueryRecord {
  readonly id: string;
  readonly sql: string;
  state: 'SUCCEEDED' | 'FAILED';
  error?: string;
  columns?: { name: string; type: string }[];
  rows?: (string | null)[][];
}

export interface AthenaStandIn {
  readonly endpoint: string;
  readonly queries: AthenaQueryRecord[];
  close(): Promise<void>;
}

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;

function duckType(glue: string): string {
  const t = glue.toLowerCase();
  const simple: Record<string, string> = { string: 'varchar', int: 'integer', integer: 'integer', bigint: 'bigint', double: 'double', float: 'float', boolean: 'boolean', timestamp: 'timestamp', date: 'date', varchar: 'varchar' };
  if (simple[t]) return simple[t];
  if (/^decimal\(\d+,\s*\d+\)$/.test(t)) return t;
  const arr = /^array<(.+)>$/.exec(t);
  if (arr) return `${duckType(arr[1]!)}[]`;
  const map = /^map<([^,]+),(.+)>$/.exec(t);
  if (map) return `map(${duckType(map[1]!)}, ${duckType(map[2]!)})`;
  throw new Error(`Glue type ${glue} is not emulated`);
}

/** DuckDB column type -> the Glue/Hive type Athena records for a CTAS column. */
function glueType(duck: string): string {
  const t = duck.toUpperCase();
  if (t === 'VARCHAR') return 'string';
  if (t === 'INTEGER') return 'int';
  if (t === 'BIGINT' || t === 'HUGEINT') return 'bigint';
  if (t === 'DOUBLE' || t === 'FLOAT') return 'double';
  if (t === 'BOOLEAN') return 'boolean';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  if (t === 'DATE') return 'date';
  if (t.startsWith('DECIMAL')) return t.toLowerCase();
  if (t.endsWith('[]')) return `array<${glueType(t.slice(0, -2))}>`;
  const m = /^MAP\((\w+), (.+)\)$/.exec(t);
  if (m) return `map<${glueType(m[1]!)},${glueType(m[2]!)}>`;
  if (t === 'SMALLINT' || t === 'TINYINT') return 'int';
  throw new Error(`DuckDB type ${duck} has no Glue counterpart in the stand-in`);
}

/** Athena's text form of a value in GetQueryResults. */
function athenaText(type: string, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const t = type.toUpperCase();
  if (t.startsWith('TIMESTAMP')) {
    const s = String(v);
    const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?/.exec(s);
    return m ? `${m[1]} ${m[2]}${(m[3] ?? '.000').padEnd(4, '0').slice(0, 4)}` : s;
  }
  return String(v);
}

interface Location {
  bucket: string;
  prefix: string;
}
function parseS3(url: string): Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new Error(`not an s3:// location: ${url}`);
  return { bucket: m[1]!, prefix: m[2]! };
}

export async function startAthenaStandIn(o: { s3: S3Client; glue: GlueClient; database: string; resultsLocation?: string }): Promise<AthenaStandIn> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-athena-'));
  const mirrorDir = path.join(dir, 'buckets');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(fs.readFileSync(path.join(PROJECT_ROOT, 'sql', '_dialect', 'duckdb.sql'), 'utf8'));
  const etags = new Map<string, string>();
  /** Buckets statements wrote to (UNLOAD targets), mirrored from then on. */
  const extraBuckets = new Set<string>();
  const queries: AthenaQueryRecord[] = [];
  const localOf = (l: Location) => path.join(mirrorDir, l.bucket, l.prefix);

  /** Makes the mirror equal to the buckets (new and changed objects fetched, deleted ones removed). */
  async function sync(): Promise<void> {
    const seen = new Set<string>();
    // Only the buckets a table, CTAS or UNLOAD names (the landing, model, access-log and asset buckets hold nothing a
    // query reads).
    const wanted = new Set([...(await glueTables()).flatMap((t) => (t.StorageDescriptor?.Location ? [parseS3(t.StorageDescriptor.Location).bucket] : [])), ...extraBuckets]);
    for (const b of ((await o.s3.send(new ListBucketsCommand({}))).Buckets ?? []).filter((x) => wanted.has(x.Name!))) {
      let token: string | undefined;
      do {
        const r = await o.s3.send(new ListObjectsV2Command({ Bucket: b.Name!, ContinuationToken: token }));
        for (const obj of r.Contents ?? []) {
          const id = `${b.Name}/${obj.Key}`;
          seen.add(id);
          if (etags.get(id) === obj.ETag) continue;
          const res = await o.s3.send(new GetObjectCommand({ Bucket: b.Name!, Key: obj.Key! }));
          const file = path.join(mirrorDir, b.Name!, obj.Key!);
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, Buffer.from(await res.Body!.transformToByteArray()));
          etags.set(id, obj.ETag!);
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    }
    for (const id of [...etags.keys()]) {
      if (!seen.has(id)) {
        fs.rmSync(path.join(mirrorDir, id), { force: true });
        etags.delete(id);
      }
    }
  }

  /** Uploads every file under a local directory to the bucket prefix it mirrors. */
  async function upload(localDir: string, to: Location): Promise<number> {
    let n = 0;
    const walk = async (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const f = path.join(d, e.name);
        if (e.isDirectory()) await walk(f);
        else {
          const rel = path.relative(localDir, f).split(path.sep).join('/');
          await o.s3.send(new PutObjectCommand({ Bucket: to.bucket, Key: `${to.prefix}${rel}`, Body: fs.readFileSync(f) }));
          n++;
        }
      }
    };
    if (fs.existsSync(localDir)) await walk(localDir);
    return n;
  }

  async function glueTables(): Promise<Table[]> {
    const out: Table[] = [];
    let token: string | undefined;
    do {
      const r = await o.glue.send(new GetTablesCommand({ DatabaseName: o.database, NextToken: token }));
      out.push(...(r.TableList ?? []));
      token = r.NextToken;
    } while (token);
    return out;
  }

  async function glueTable(name: string): Promise<Table | undefined> {
    try {
      return (await o.glue.send(new GetTableCommand({ DatabaseName: o.database, Name: name }))).Table;
    } catch (e) {
      if ((e as { name?: string }).name === 'EntityNotFoundException') return undefined;
      throw e;
    }
  }

  const isJson = (t: Table) => /json/i.test(`${t.Parameters?.classification ?? ''} ${t.StorageDescriptor?.SerdeInfo?.SerializationLibrary ?? ''}`);

  /** The relation a Glue table reads: its files under the location, typed by the catalog. */
  function reader(t: Table, withPath = false): string {
    const cols = t.StorageDescriptor?.Columns ?? [];
    const parts = t.PartitionKeys ?? [];
    const loc = localOf(parseS3(t.StorageDescriptor!.Location!.replace(/\/?$/, '/')));
    const files = listFiles(loc);
    const typed = [...cols, ...parts].map((c) => `cast(${q(c.Name!).replaceAll("'", '"')} as ${duckType(c.Type!)}) as "${c.Name}"`);
    const pathCol = withPath ? `, 's3://' || substr(filename, ${mirrorDir.length + 2}) as "$path"` : '';
    if (!files.length) return `(select ${[...cols, ...parts].map((c) => `cast(null as ${duckType(c.Type!)}) as "${c.Name}"`).join(', ')}${withPath ? ", cast(null as varchar) as \"$path\"" : ''} where false)`;
    const list = `[${files.map(q).join(', ')}]`;
    const partHive = parts.length ? `, hive_partitioning = true, hive_types_autocast = false` : ', hive_partitioning = false';
    const src = isJson(t)
      ? `read_json(${list}, format = 'newline_delimited', columns = {${cols.map((c) => `${q(c.Name!)}: ${q(duckType(c.Type!))}`).join(', ')}}${partHive}, filename = true)`
      : `read_parquet(${list}, union_by_name = true${partHive}, filename = true)`;
    return `(select ${typed.join(', ')}${pathCol} from ${src})`;
  }

  function listFiles(root: string): string[] {
    if (!fs.existsSync(root)) return [];
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const f = path.join(d, e.name);
        if (e.isDirectory()) walk(f);
        else if (!e.name.startsWith('.') && !e.name.endsWith('_$folder$')) out.push(f);
      }
    };
    walk(root);
    return out.sort();
  }

  /** Every Glue table as a DuckDB view over its files (refreshed before each statement: files come and go). */
  const defined = new Map<string, string>();
  async function refreshCatalog(): Promise<Set<string>> {
    const names = new Set<string>();
    for (const t of await glueTables()) {
      if (t.TableType === 'VIRTUAL_VIEW') continue;
      names.add(t.Name!);
      const sql = `create or replace view "${t.Name}" as select * from ${reader(t)}`;
      if (defined.get(t.Name!) === sql) continue;
      await conn.run(sql);
      defined.set(t.Name!, sql);
    }
    for (const name of [...defined.keys()]) {
      if (!names.has(name)) {
        defined.delete(name);
        await conn.run(`drop view if exists "${name}"`);
      }
    }
    return names;
  }

  async function columnsOf(c: DuckDBConnection, sql: string): Promise<{ name: string; type: string }[]> {
    const r = await c.runAndReadAll(`describe ${sql}`);
    return r.getRowObjectsJson().map((x) => ({ name: String(x.column_name), type: String(x.column_type) }));
  }

  /** Writes a query's rows as files of a format under a bucket prefix (partitioned by the last columns if asked). */
  async function writeFiles(select: string, to: Location, format: 'parquet' | 'json', partitionBy: string[] = []): Promise<number> {
    const out = path.join(dir, 'out', randomUUID());
    fs.mkdirSync(out, { recursive: true });
    const opts = format === 'parquet' ? `format parquet, compression snappy` : `format json, compression gzip`;
    const name = randomUUID();
    if (partitionBy.length) {
      await conn.run(`copy (${select}) to ${q(out)} (${opts}, partition_by (${partitionBy.map((p) => `"${p}"`).join(', ')}), filename_pattern ${q(`${name}_{i}`)})`);
    } else {
      await conn.run(`copy (${select}) to ${q(path.join(out, `${name}${format === 'json' ? '.gz' : ''}`))} (${opts})`);
    }
    const n = await upload(out, to);
    fs.rmSync(out, { recursive: true, force: true });
    return n;
  }

  async function execute(rec: AthenaQueryRecord): Promise<void> {
    const sql = rec.sql.trim().replace(/;\s*$/, '');
    // Statements that read or write data see the buckets as they are now; DDL on views needs the catalog only.
    if (!/^(create\s+or\s+replace\s+view|drop\s+view)\b/i.test(sql)) await sync();
    const tables = await refreshCatalog();
    await prepareReaders(sql);
    let m: RegExpExecArray | null;
    if ((m = /^create\s+table\s+(\w+)\s+with\s*\((.*?)\)\s+as\s+([\s\S]*?)(\s+with\s+no\s+data)?$/i.exec(sql))) {
      const [, name, props, select, noData] = m as unknown as [string, string, string, string, string | undefined];
      if (tables.has(name)) throw new Error(`Table ${name} already exists`);
      const prop = (k: string) => new RegExp(`${k}\\s*=\\s*'([^']*)'`, 'i').exec(props)?.[1];
      const format = (prop('format') ?? 'PARQUET').toLowerCase() as 'parquet' | 'json';
      const location = prop('external_location');
      if (!location) throw new Error('CTAS without external_location is not emulated');
      const parts = [...(/partitioned_by\s*=\s*array\[([^\]]*)\]/i.exec(props)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((x) => x[1]!);
      const loc = parseS3(location);
      if (listFiles(localOf(loc)).length) throw new Error(`HIVE_PATH_ALREADY_EXISTS: Target directory for table '${o.database}.${name}' already exists: ${location}`);
      const cols = await columnsOf(conn, select);
      const tail = cols.slice(cols.length - parts.length).map((c) => c.name);
      if (tail.join(',') !== parts.join(',')) throw new Error(`partition columns must be the last columns of the SELECT (got ${tail.join(', ')})`);
      if (!noData) await writeFiles(select, loc, format, parts);
      await o.glue.send(
        new CreateTableCommand({
          DatabaseName: o.database,
          TableInput: {
            Name: name,
            TableType: 'EXTERNAL_TABLE',
            Parameters: { classification: format, EXTERNAL: 'TRUE' },
            PartitionKeys: cols.filter((c) => parts.includes(c.name)).map((c) => ({ Name: c.name, Type: glueType(c.type) })),
            StorageDescriptor: {
              Location: location,
              Columns: cols.filter((c) => !parts.includes(c.name)).map((c) => ({ Name: c.name, Type: glueType(c.type) })),
              SerdeInfo: { SerializationLibrary: format === 'json' ? 'org.openx.data.jsonserde.JsonSerDe' : 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
            },
          },
        }),
      );
      return;
    }
    if ((m = /^insert\s+into\s+(\w+)\s*(\(([^)]*)\))?\s*([\s\S]*)$/i.exec(sql))) {
      const [, name, , colList, body] = m as unknown as [string, string, string | undefined, string | undefined, string];
      const t = await glueTable(name);
      if (!t) throw new Error(`TABLE_NOT_FOUND: Table '${o.database}.${name}' does not exist`);
      const cols = [...(t.StorageDescriptor?.Columns ?? []), ...(t.PartitionKeys ?? [])];
      const named = colList ? colList.split(',').map((c) => c.trim().replace(/^"|"$/g, '')) : cols.map((c) => c.Name!);
      const tmp = `__insert_${randomUUID().replaceAll('-', '')}`;
      await conn.run(`create temp table ${tmp} as select * from (${body}) as v(${named.map((c) => `"${c}"`).join(', ')})`);
      try {
        const select = `select ${cols.map((c) => (named.includes(c.Name!) ? `cast("${c.Name}" as ${duckType(c.Type!)}) as "${c.Name}"` : `cast(null as ${duckType(c.Type!)}) as "${c.Name}"`)).join(', ')} from ${tmp}`;
        await writeFiles(select, parseS3(t.StorageDescriptor!.Location!.replace(/\/?$/, '/')), isJson(t) ? 'json' : 'parquet', (t.PartitionKeys ?? []).map((p) => p.Name!));
      } finally {
        await conn.run(`drop table ${tmp}`);
      }
      return;
    }
    if ((m = /^unload\s*\(([\s\S]*)\)\s*to\s*'([^']+)'\s*with\s*\(([^)]*)\)$/i.exec(sql))) {
      const [, select, location, props] = m as unknown as [string, string, string, string];
      const format = /format\s*=\s*'(\w+)'/i.exec(props)?.[1]?.toLowerCase() as 'parquet' | 'json';
      const loc = parseS3(location);
      extraBuckets.add(loc.bucket);
      if (listFiles(localOf(loc)).length) throw new Error(`HIVE_PATH_ALREADY_EXISTS: UNLOAD target ${location} is not empty`);
      await writeFiles(rewriteReads(select), loc, format);
      return;
    }
    if ((m = /^drop\s+table\s+(if\s+exists\s+)?(\w+)$/i.exec(sql))) {
      const t = await glueTable(m[2]!);
      if (!t && !m[1]) throw new Error(`Table ${m[2]} not found`);
      if (t) await o.glue.send(new DeleteTableCommand({ DatabaseName: o.database, Name: m[2]! }));
      await conn.run(`drop view if exists "${m[2]}"`);
      defined.delete(m[2]!);
      return;
    }
    if (/^(create\s+or\s+replace\s+view|drop\s+view)\b/i.test(sql)) {
      await conn.run(sql);
      return;
    }
    if (/^(select|with)\b/i.test(sql)) {
      const r = await conn.runAndReadAll(rewriteReads(sql));
      const types = r.columnTypes().map((t) => t.toString());
      rec.columns = r.columnNames().map((name, i) => ({ name, type: types[i]! }));
      rec.rows = r.getRowsJS().map((row) => row.map((v, i) => athenaText(types[i]!, v instanceof Date ? v.toISOString().replace('T', ' ').replace('Z', '') : v)));
      return;
    }
    throw new Error(`statement not emulated by the Athena stand-in: ${sql.slice(0, 80)}`);
  }

  /** "<table>$partitions" -> the distinct partition values; a read of "$path" -> the table with its file paths. */
  function rewriteReads(sql: string): string {
    return sql
      .replace(/"(\w+)\$partitions"/g, (whole, t: string) => partitionReaders.get(t) ?? whole)
      .replace(/from\s+(\w+)(\s+where\s+"\$path")/gi, (whole, t: string, rest: string) => (pathReaders.has(t) ? `from ${pathReaders.get(t)}${rest}` : whole));
  }
  const pathReaders = new Map<string, string>();
  const partitionReaders = new Map<string, string>();

  /**
   * Tables read with "$path" need a reader that keeps file names, "<table>$partitions" one that lists partitions.
   * Built after the mirror is synced: a reader lists its files when it is built.
   */
  async function prepareReaders(sql: string): Promise<void> {
    pathReaders.clear();
    partitionReaders.clear();
    for (const mm of sql.matchAll(/from\s+(\w+)\s+where\s+"\$path"/gi)) {
      const t = await glueTable(mm[1]!);
      if (t) pathReaders.set(mm[1]!, reader(t, true));
    }
    for (const mm of sql.matchAll(/"(\w+)\$partitions"/g)) {
      const t = await glueTable(mm[1]!);
      if (!t) throw new Error(`TABLE_NOT_FOUND: line 1:1: Table 'awsdatacatalog.${o.database}.${mm[1]}$partitions' does not exist`);
      partitionReaders.set(mm[1]!, `(select distinct ${(t.PartitionKeys ?? []).map((k) => `"${k.Name}"`).join(', ')} from "${mm[1]}")`);
    }
  }

  async function run(rec: AthenaQueryRecord): Promise<void> {
    try {
      await execute(rec);
      rec.state = 'SUCCEEDED';
    } catch (e) {
      rec.state = 'FAILED';
      rec.error = (e as Error).message;
    }
  }

  async function tableMetadata(name: string): Promise<unknown> {
    const t = await glueTable(name);
    if (t) return { Name: t.Name, TableType: t.TableType ?? 'EXTERNAL_TABLE', Columns: (t.StorageDescriptor?.Columns ?? []).map((c) => ({ Name: c.Name, Type: c.Type })), PartitionKeys: (t.PartitionKeys ?? []).map((c) => ({ Name: c.Name, Type: c.Type })) };
    const v = await conn.runAndReadAll(`select 1 from duckdb_views() where view_name = ${q(name)} and not internal and temporary = false`);
    if (!v.getRows().length) return undefined;
    const cols = await columnsOf(conn, `select * from "${name}"`);
    return { Name: name, TableType: 'VIRTUAL_VIEW', Columns: cols.map((c) => ({ Name: c.name, Type: glueType(c.type) })), PartitionKeys: [] };
  }

  let chain = Promise.resolve();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      // One statement at a time, in arrival order, as the functions wait for each.
      chain = chain.then(async () => {
        try {
          const op = String(req.headers['x-amz-target'] ?? '').split('.')[1];
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
          switch (op) {
            case 'StartQueryExecution': {
              const rec: AthenaQueryRecord = { id: randomUUID(), sql: body.QueryString, state: 'FAILED' };
              queries.push(rec);
              await run(rec);
              return reply(200, { QueryExecutionId: rec.id });
            }
            case 'GetQueryExecution': {
              const rec = queries.find((x) => x.id === body.QueryExecutionId);
              if (!rec) return reply(400, { __type: 'InvalidRequestException', Message: `QueryExecution ${body.QueryExecutionId} was not found` });
              return reply(200, {
                QueryExecution: {
                  QueryExecutionId: rec.id,
                  Query: rec.sql,
                  Status: { State: rec.state, ...(rec.error ? { StateChangeReason: rec.error } : {}) },
                  Statistics: { DataScannedInBytes: 0 },
                  ...(o.resultsLocation ? { ResultConfiguration: { OutputLocation: `${o.resultsLocation}${rec.id}.csv` } } : {}),
                },
              });
            }
            case 'GetQueryResults': {
              const rec = queries.find((x) => x.id === body.QueryExecutionId);
              if (!rec || rec.state !== 'SUCCEEDED') return reply(400, { __type: 'InvalidRequestException', Message: `query ${body.QueryExecutionId} has no results` });
              const all = [rec.columns?.map((c) => c.name) ?? [], ...(rec.rows ?? [])];
              const start = Number(body.NextToken ?? 0);
              const max = body.MaxResults ?? 1000;
              const page = all.slice(start, start + max);
              return reply(200, {
                ResultSet: {
                  Rows: page.map((r) => ({ Data: r.map((v) => (v === null ? {} : { VarCharValue: v })) })),
                  ResultSetMetadata: { ColumnInfo: (rec.columns ?? []).map((c) => ({ Name: c.name, Label: c.name, Type: glueType(c.type) })) },
                },
                ...(start + max < all.length ? { NextToken: String(start + max) } : {}),
              });
            }
            case 'GetTableMetadata': {
              // Columns and types come from the catalog, not from the files.
              await refreshCatalog();
              const t = await tableMetadata(body.TableName);
              if (!t) return reply(400, { __type: 'MetadataException', Message: `Entity Not Found (table ${body.DatabaseName}.${body.TableName})` });
              return reply(200, { TableMetadata: t });
            }
            default:
              return reply(400, { __type: 'InvalidRequestException', Message: `${op} is not emulated` });
          }
        } catch (e) {
          reply(500, { __type: 'InternalServerException', Message: (e as Error).message });
        }
      });
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    queries,
    close: async () => {
      await new Promise<void>((ok) => server.close(() => ok()));
      conn.closeSync();
      db.closeSync();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
