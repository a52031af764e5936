/**
 * Every statement the AWS adapters send to Athena parses as Trino SQL (Athena engine v3), checked with the Trino
 * grammar of dt-sql-parser. The code paths run as the Lambdas wire them (lambdas/tag-refresh, lambdas/views-deployer,
 * lambdas/scorer): the real AthenaQueryRunner and AthenaUnloadReader over aws-sdk-client-mock Athena and S3 on
 * moto_server, and every QueryString that reaches StartQueryExecution is captured and checked: one statement each,
 * zero errors.
 *
 * Why Athena is mocked (aws-sdk-client-mock): moto's Athena runs no SQL; it answers every query with one canned
 * result set and no GetTableMetadata of the tables a test declares, so it can neither answer the scalar queries nor
 * write an UNLOAD's files. The mock answers those from the catalogue below and puts the UNLOAD files in moto's S3.
 *
 * Checked here, by path:
 * - tag refresh (snapshotTags): `select cast(as_of_date as varchar) from tag_as_of`; the first run's CTAS
 *   `create table customer_tags with (format, write_compression, external_location, partitioned_by = array['dt']) as select ...`;
 *   later runs' `insert into customer_tags select ...`.
 * - views deployer (deployViews + ensureSnapshotTable, the manifest built as lib/constructs/athena-views.ts builds it):
 *   `create or replace view <name> as <sql/ view>` for every view of sql/, `drop view if exists` (removed views, the
 *   pre-rename customer_tags view, and dropViews on stack delete), `drop table if exists customer_tag_snapshots`, and
 *   the snapshot table's CTAS `... as select ..., cast(null as varchar) as dt from customer_tags_live with no data`.
 * - views deployer, identity_map: where its placeholder view would go, `drop view if exists identity_map` (a lake
 *   deployed before it was a table) and `create table identity_map with (...) as <placeholder> with no data`.
 * - identity refresh (resolveIdentitiesSql through AthenaSqlEngine): per work table `drop table if exists` and a
 *   CTAS to Parquet (`create table identity_work_<step> with (format, write_compression, external_location) as
 *   <sql/identity/_resolve/ step>`); per round the CTAS of the next labels, the count of changed labels and the drop
 *   of the previous labels; `insert into identity_map` / the first CTAS of identity_hubs; the closing counts.
 * - scheduled scorer: AthenaScoreSource (tags of a snapshot partition; purchasesSql, also with ordered: true as the
 *   local reader runs it), CustomerScoresStore (the UNLOAD to Parquet of this run's staged rows, selected by "$path";
 *   the read of an earlier scoring), AthenaNextBestProducts (`"next_best_products$partitions"`, then one partition).
 *   scoreScheduled itself sends no SQL: it goes through these ports.
 *
 * Not grammar-checked, and why:
 * - The UNLOAD envelope `unload (<query>) to '<s3>' with (format = ..., compression = ...)`: UNLOAD is Athena-only and
 *   not in the Trino grammar. The inner query is grammar-checked; the envelope is matched against the shape in the
 *   Athena UNLOAD reference (format JSON with GZIP, PARQUET with SNAPPY, TO an s3:// prefix ending in /).
 * - Hive DDL (CREATE EXTERNAL TABLE, ALTER TABLE ADD PARTITION, MSCK REPAIR): none is sent. The Glue tables
 *   (customer_scores, customer_scores_load, the lake and insights tables) come from CloudFormation, the legacy
 *   snapshot table is adopted with the Glue API (copyGlueTable), and partitions are projected or registered by
 *   INSERT, so nothing here runs on Athena's Hive DDL engine.
 * - Semantics the grammar cannot see (tables, columns and types existing; CTAS/UNLOAD needing an empty location):
 *   the adapters' own tests and the deployed stack cover those.
 */
import { gzipSync } from 'node:zlib';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetTableMetadataCommand,
  StartQueryExecutionCommand,
  type GetTableMetadataCommandInput,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { athenaViewName } from '../../../lib/constructs/athena-views.ts';
import { AthenaQueryRunner } from '../../../src/adapters/aws/athena-query-runner.ts';
import { AthenaScoreSource } from '../../../src/adapters/aws/athena-score-source.ts';
import { AthenaUnloadReader } from '../../../src/adapters/aws/athena-unload.ts';
import { AthenaSqlEngine } from '../../../src/adapters/aws/athena-sql-engine.ts';
import { deployViews, dropViews } from '../../../src/adapters/aws/athena-views.ts';
import { ensureIdentityMapTable, IDENTITY_MAP_TABLE } from '../../../src/adapters/aws/identity-tables.ts';
import { resolveIdentitiesSql } from '../../../src/identity/resolve-sql.ts';
import { CustomerScoresStore } from '../../../src/adapters/aws/customer-scores.ts';
import { AthenaNextBestProducts } from '../../../src/adapters/aws/next-best-products-reader.ts';
import { ensureSnapshotTable, LEGACY_SNAPSHOTS_TABLE, LIVE_TAGS_VIEW, snapshotTags, TAG_SNAPSHOTS_TABLE } from '../../../src/adapters/aws/tag-snapshot.ts';
import { listSqlViews } from '../../../src/lake/local-catalog.ts';
import { viewDocs } from '../../../src/tags/sql-docs.ts';
import { purchasesSql } from '../../../src/train/purchases-sql.ts';
import { tagRefreshEnv } from '../../../lambdas/tag-refresh/config.ts';
import { runTagRefresh } from '../../../lambdas/tag-refresh/run.ts';
import { hasMoto, startMoto, type MotoServer } from '../../helpers/moto.ts';
import { createBuckets, s3Client } from '../../helpers/moto-aws.ts';
import { customerScore } from './fixtures.ts';

const athena = mockClient(AthenaClient);
const credentials = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };
/** moto_server, for the scorer paths that read and write S3 (started by their describe). */
let moto: MotoServer | undefined;

/** The catalogue GetTableMetadata answers from: table -> type and columns (partition keys last). */
type Catalog = Record<string, { type: string; columns: string[] }>;

/** The columns of sql/marts/customer_tags.sql as documented (what customer_tags_live has in Athena). */
const liveColumns = viewDocs().find((d) => d.name === TAG_SNAPSHOTS_TABLE)!.columns.map((c) => c.name);

/** Rows every JSON UNLOAD "writes": enough fields for each reader to map. */
const UNLOADED = '{"customer_key":"a","customer_id":"a","rank":1,"sku":"S1","day":"2025-03-01","amount":1.5,"dt":"2025-03-01"}\n';

/** Fake Athena: records each QueryString, answers metadata from `catalog`, scalars from `scalar`, and fills JSON UNLOAD prefixes. */
function fakeAthena(catalog: Catalog, scalar: (sql: string) => string | null = () => null) {
  athena.reset();
  const sent: string[] = [];
  athena.on(StartQueryExecutionCommand).callsFake(async (i: StartQueryExecutionCommandInput) => {
    sent.push(i.QueryString!);
    const json = /^unload \([\s\S]*\) to 's3:\/\/([^/]+)\/([^']*)' with \(format = 'JSON'/.exec(i.QueryString!);
    if (json) await s3Client(moto!.endpoint).send(new PutObjectCommand({ Bucket: json[1], Key: `${json[2]}part_0.gz`, Body: gzipSync(UNLOADED) }));
    return { QueryExecutionId: `q${sent.length}` };
  });
  athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 0 } } });
  athena.on(GetQueryResultsCommand).callsFake(() => {
    const v = scalar(sent.at(-1)!);
    return { ResultSet: { Rows: [{ Data: [{ VarCharValue: '_col0' }] }, { Data: [v === null ? {} : { VarCharValue: v }] }] } };
  });
  athena.on(GetTableMetadataCommand).callsFake((i: GetTableMetadataCommandInput) => {
    const t = catalog[i.TableName!];
    if (!t) throw Object.assign(new Error(`Entity Not Found: ${i.TableName}`), { name: 'MetadataException' });
    const partitioned = t.columns.at(-1) === 'dt' && t.type !== 'VIRTUAL_VIEW';
    const cols = t.columns.map((Name) => ({ Name, Type: 'varchar' }));
    return { TableMetadata: { Name: i.TableName, TableType: t.type, Columns: partitioned ? cols.slice(0, -1) : cols, PartitionKeys: partitioned ? cols.slice(-1) : [] } };
  });
  const runner = new AthenaQueryRunner({ workgroup: 'wg', database: 'lake', client: new AthenaClient(credentials), sleep: async () => {} });
  return { sent, runner };
}

const UNLOAD = /^unload \(([\s\S]*)\) to '(s3:\/\/[^']+\/)' with \(format = '(JSON|PARQUET)', compression = '(GZIP|SNAPPY)'\)$/;

/**
 * The grammar errors of one statement sent to Athena: Trino's, of the inner query for UNLOAD (see the module
 * comment), plus one error unless it is exactly one statement (StartQueryExecution runs one).
 */
function grammarErrors(sql: string): string[] {
  const trino = new TrinoSQL();
  let checked = sql;
  const unload = /^unload\b/i.test(sql.trim()) ? UNLOAD.exec(sql) : null;
  if (/^unload\b/i.test(sql.trim())) {
    if (!unload) return [`UNLOAD does not have the shape unload (<query>) to 's3://.../' with (format = ..., compression = ...)`];
    if ((unload[3] === 'JSON') !== (unload[4] === 'GZIP')) return [`UNLOAD format ${unload[3]} with compression ${unload[4]}`];
    checked = unload[1]!;
  }
  const errors = trino.validate(checked).map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);
  const statements = trino.splitSQLByStatement(checked) ?? [];
  if (statements.length !== 1) errors.push(`${statements.length} statements, expected 1`);
  return errors;
}

function expectAllParse(sent: readonly string[]) {
  expect(sent.length).toBeGreaterThan(0);
  for (const sql of sent) expect(grammarErrors(sql), sql).toEqual([]);
}

describe('the grammar check itself', () => {
  it('rejects what Athena would: a syntax error, two statements, a malformed UNLOAD; checks the query inside UNLOAD', () => {
    expect(grammarErrors('select from where')).not.toEqual([]);
    expect(grammarErrors('select 1; select 2')).not.toEqual([]);
    expect(grammarErrors("unload (select 1) to 's3://b/p/' with (format = 'JSON', compression = 'SNAPPY')")).not.toEqual([]);
    expect(grammarErrors("unload (select from) to 's3://b/p/' with (format = 'JSON', compression = 'GZIP')")).not.toEqual([]);
    expect(grammarErrors("unload (select 1) to 's3://b/p/' with (format = 'PARQUET', compression = 'SNAPPY')")).toEqual([]);
  });
});

describe('tag refresh (lambdas/tag-refresh): snapshotTags', () => {
  const options = { location: 's3://curated/customer_tags/', clearPrefix: async () => 0 };
  const asOf = (sql: string) => (/\btag_as_of\b/.test(sql) ? '2025-03-01' : null);

  it('first run: the as-of query and the CTAS that creates customer_tags parse as Trino', async () => {
    const { sent, runner } = fakeAthena({ [LIVE_TAGS_VIEW]: { type: 'VIRTUAL_VIEW', columns: liveColumns } }, asOf);
    expect(await snapshotTags(runner, options)).toMatchObject({ created: true });
    expect(sent.map((s) => s.split(' ').slice(0, 2).join(' '))).toEqual(['select cast(as_of_date', 'create table']);
    expectAllParse(sent);
  });

  it('later runs: the INSERT INTO of the day parses as Trino', async () => {
    const { sent, runner } = fakeAthena(
      { [LIVE_TAGS_VIEW]: { type: 'VIRTUAL_VIEW', columns: liveColumns }, [TAG_SNAPSHOTS_TABLE]: { type: 'EXTERNAL_TABLE', columns: [...liveColumns, 'dt'] } },
      asOf,
    );
    expect(await snapshotTags(runner, options)).toMatchObject({ created: false });
    expect(sent[1]).toMatch(/^insert into customer_tags select /);
    expectAllParse(sent);
  });

  // Issue 20: a backfill's snapshot of a past day inlines every view customer_tags_live reads as a CTE of one INSERT.
  const hubsTable = { identity_hubs: { type: 'EXTERNAL_TABLE', columns: ['identity_type', 'identity_value', 'linked_identities', 'over_limit', 'first_seen_at'] } };
  /** The tag refresh's dependencies for a past day on the fake Athena: the SQL is what these tests read; the inputs
   * records (S3 objects) are tested in test/adapters/aws/s3-tag-inputs.test.ts. */
  const pastDayDeps = (runner: ReturnType<typeof fakeAthena>['runner']): Parameters<typeof runTagRefresh>[1] => {
    const env = tagRefreshEnv.parse({ ATHENA_WORKGROUP: 'wg', GLUE_DATABASE: 'lake', SNAPSHOT_LOCATION: 's3://curated/customer_tags/', AS_OF_WORK_LOCATION: 's3://curated/_tags_as_of/', VIEW_MANIFEST_BUCKET: 'assets', VIEW_MANIFEST_KEY: 'views.json' });
    const views = listSqlViews().map((v) => ({ name: athenaViewName(v.name), sql: v.sql }));
    return {
      env,
      runner,
      clearPrefix: async () => 0,
      views: async () => views,
      identityEngine: () => new AthenaSqlEngine({ runner, workLocation: 's3://curated/_tags_as_of/', curatedLocation: 's3://curated/_tags_as_of/', clearPrefix: async () => 0 }),
      tagInputs: { inputs: async () => [], snapshots: async () => [], record: async () => undefined, putRecord: async () => {} },
    };
  };

  it('a past day (backfill): the identities as of the day and the INSERT with the views inlined parse as Trino', async () => {
    const { sent, runner } = fakeAthena(
      { [LIVE_TAGS_VIEW]: { type: 'VIRTUAL_VIEW', columns: liveColumns }, [TAG_SNAPSHOTS_TABLE]: { type: 'EXTERNAL_TABLE', columns: [...liveColumns, 'dt'] }, ...hubsTable },
      asOf,
    );
    const r = await runTagRefresh({ as_of: '2025-02-15' }, pastDayDeps(runner));
    expect(r).toMatchObject({ asOf: '2025-02-15', latestDataDate: '2025-03-01' });
    const insert = sent.find((x) => x.startsWith('insert into customer_tags'))!;
    expect(insert).toMatch(/^insert into customer_tags with\ntag_as_of as \(select date '2025-02-15' as as_of_date\),\nidentity_map as \(select .* from tags_as_of_identity_map\)/);
    // Only what customer_tags_live reads: no view over the snapshots (customer_360), no second copy of a view.
    expect(insert).not.toMatch(/\bcustomer_360 as \(/);
    expect(insert.match(/\btag_rfm as \(/g)?.length).toBe(1);
    // The identities of the day set aside the hubs the nightly identity refresh stored (src/identity/as-of.ts), in work
    // tables of their own, dropped after; all the data is not resolved again.
    expect(sent.some((x) => /^create table tags_as_of_work_\w+ with/.test(x) && /from identity_hubs\b/.test(x))).toBe(true);
    expect(sent.filter((x) => /^create table tags_as_of_work_rows with/.test(x))).toEqual([expect.stringContaining("occurred_at < timestamp '2025-02-16 00:00:00'")]);
    expect(sent.filter((x) => /^create table identity_work_|tags_as_of_all_data/.test(x))).toEqual([]);
    expect(sent).toContain('drop table if exists tags_as_of_identity_map');
    expectAllParse(sent);
  });

  it('a past day on a lake whose identity refresh has stored no identity_hubs yet: all the data resolved first, in tables of the run', async () => {
    const { sent, runner } = fakeAthena(
      { [LIVE_TAGS_VIEW]: { type: 'VIRTUAL_VIEW', columns: liveColumns }, [TAG_SNAPSHOTS_TABLE]: { type: 'EXTERNAL_TABLE', columns: [...liveColumns, 'dt'] } },
      asOf,
    );
    await runTagRefresh({ as_of: '2025-02-15' }, pastDayDeps(runner));
    const rowsSteps = sent.filter((x) => /^create table tags_as_of_work_rows with/.test(x));
    // First all the data (no cut-off), then the day's, setting aside the first one's hubs.
    expect(rowsSteps).toHaveLength(2);
    expect(rowsSteps[0]).not.toContain('occurred_at < timestamp');
    expect(rowsSteps[1]).toContain("occurred_at < timestamp '2025-02-16 00:00:00'");
    expect(sent.some((x) => /^create table tags_as_of_work_hubs with/.test(x) && /from tags_as_of_all_data_identity_hubs\b/.test(x))).toBe(true);
    // identity_map and identity_hubs belong to the identity refresh: not written; the run's tables all dropped.
    expect(sent.filter((x) => /\b(into|table) identity_(map|hubs)\b/.test(x))).toEqual([]);
    for (const t of ['tags_as_of_all_data_identity_map', 'tags_as_of_all_data_identity_hubs', 'tags_as_of_identity_map', 'tags_as_of_identity_hubs']) expect(sent).toContain(`drop table if exists ${t}`);
    expectAllParse(sent);
  });
});

describe('views deployer (lambdas/views-deployer): deployViews with ensureSnapshotTable after customer_tags_live', () => {
  // The manifest as lib/constructs/athena-views.ts stages it.
  const views = listSqlViews().map((v) => ({ name: athenaViewName(v.name), sql: v.sql }));
  const deploy = (runner: AthenaQueryRunner, previous: string[]) =>
    deployViews(runner, views, previous, {
      tables: [TAG_SNAPSHOTS_TABLE],
      tablesInstead: {
        [IDENTITY_MAP_TABLE]: async () => {
          await ensureIdentityMapTable(runner, { location: 's3://curated/identity_map/', placeholderSql: views.find((v) => v.name === IDENTITY_MAP_TABLE)!.sql });
        },
      },
      afterView: async (name) => {
        if (name === LIVE_TAGS_VIEW) await ensureSnapshotTable(runner, { location: 's3://curated/customer_tags/', copyTable: async () => {} });
      },
    });

  it('fresh lake: every CREATE OR REPLACE VIEW, the snapshot table CTAS WITH NO DATA and the DROP VIEW of a removed view parse as Trino', async () => {
    const { sent, runner } = fakeAthena({ [LIVE_TAGS_VIEW]: { type: 'VIRTUAL_VIEW', columns: liveColumns } });
    await deploy(runner, [...views.map((v) => v.name), TAG_SNAPSHOTS_TABLE, 'mart_removed']);
    // identity_map is the one view of sql/ deployed as a table (CTAS WITH NO DATA from its placeholder).
    expect(sent.filter((s) => s.startsWith('create or replace view '))).toHaveLength(views.length - 1);
    expect(sent).not.toContain(`create or replace view ${IDENTITY_MAP_TABLE} as`);
    expect(sent).toContainEqual(expect.stringMatching(/^create table identity_map with \([\s\S]*\nwith no data$/));
    expect(sent).toContainEqual(expect.stringMatching(/^create table customer_tags with \([\s\S]* with no data$/));
    expect(sent.at(-1)).toBe('drop view if exists mart_removed');
    expectAllParse(sent);
  });

  it('pre-rename lake: the DROP VIEW of the old customer_tags view and the DROP TABLE of the legacy snapshots parse as Trino', async () => {
    const { sent, runner } = fakeAthena({
      [LIVE_TAGS_VIEW]: { type: 'VIRTUAL_VIEW', columns: liveColumns },
      [TAG_SNAPSHOTS_TABLE]: { type: 'VIRTUAL_VIEW', columns: liveColumns },
      [LEGACY_SNAPSHOTS_TABLE]: { type: 'EXTERNAL_TABLE', columns: [...liveColumns, 'dt'] },
    });
    await deploy(runner, []);
    expect(sent).toEqual(expect.arrayContaining([`drop view if exists ${TAG_SNAPSHOTS_TABLE}`, `drop table if exists ${LEGACY_SNAPSHOTS_TABLE}`]));
    expectAllParse(sent);
  });

  it('a lake deployed before identity_map was a table: the DROP VIEW of the placeholder, then the CTAS, parse as Trino', async () => {
    const { sent, runner } = fakeAthena({ [LIVE_TAGS_VIEW]: { type: 'VIRTUAL_VIEW', columns: liveColumns }, [IDENTITY_MAP_TABLE]: { type: 'VIRTUAL_VIEW', columns: ['identity_type'] } });
    await deploy(runner, views.map((v) => v.name));
    const drop = sent.indexOf(`drop view if exists ${IDENTITY_MAP_TABLE}`);
    expect(drop).toBeGreaterThanOrEqual(0);
    expect(sent[drop + 1]).toMatch(/^create table identity_map with /);
    expect(sent.filter((s) => s.startsWith('drop view if exists ')).length).toBe(1);
    expectAllParse(sent);
  });

  it('stack delete: dropViews parses as Trino', async () => {
    const { sent, runner } = fakeAthena({});
    await dropViews(runner, views.map((v) => v.name));
    expect(sent).toHaveLength(views.length);
    expectAllParse(sent);
  });
});

describe('identity refresh (lambdas/identity-refresh): resolveIdentitiesSql through AthenaSqlEngine', () => {
  it('the graph CTAS, every round’s CTAS and count, the drops and the INSERTs into identity_map and identity_hubs parse as Trino', async () => {
    // Labels change in the first two rounds, then settle: three rounds, like a small real graph.
    let counts = 0;
    const changed = (sql: string) => (/\bas changed\b/.test(sql) ? String([5, 2, 0][counts++] ?? 0) : '0');
    const { sent, runner } = fakeAthena({ [IDENTITY_MAP_TABLE]: { type: 'EXTERNAL_TABLE', columns: ['identity_type', 'identity_value', 'customer_key', 'first_seen_at'] } }, changed);
    const engine = new AthenaSqlEngine({ runner, workLocation: 's3://curated/_identity_work/', curatedLocation: 's3://curated/', clearPrefix: async () => 0 });
    const r = await resolveIdentitiesSql(engine, { asOf: '2025-03-01' });
    expect(r.rounds).toBe(3);
    expect(sent.filter((s) => /^create table identity_work_parents_\d+ with/.test(s))).toHaveLength(4);
    expect(sent).toContainEqual(expect.stringMatching(/^insert into identity_map\n/));
    // identity_hubs does not exist yet: created by CTAS at its location.
    expect(sent).toContainEqual(expect.stringMatching(/^create table identity_hubs with \(format = 'PARQUET', write_compression = 'SNAPPY', external_location = 's3:\/\/curated\/identity_hubs\/'\) as\n/));
    expectAllParse(sent);
  });
});

describe.skipIf(!hasMoto)('scheduled scorer (lambdas/scorer): its Athena ports', () => {
  const score = (key: string) => customerScore(key, '2025-03-01');

  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.close();
  });
  beforeEach(async () => {
    await moto!.reset();
    await createBuckets(moto!, 'results', 'curated');
  });

  function wired(scalar?: (sql: string) => string | null) {
    const { sent, runner } = fakeAthena({}, scalar);
    const reader = new AthenaUnloadReader({ runner, scratch: 's3://results/results/unload/', client: s3Client(moto!.endpoint) });
    return { sent, runner, reader };
  }

  it('AthenaScoreSource: the tags of a snapshot partition and the purchases, each UNLOADed as JSON, parse as Trino', async () => {
    const { sent, reader } = wired();
    const source = new AthenaScoreSource(reader);
    await source.tags('2025-03-01');
    await source.purchases('2025-03-01');
    expect(sent.map((s) => UNLOAD.exec(s)?.[3])).toEqual(['JSON', 'JSON']);
    expectAllParse(sent);
  });

  it('purchasesSql parses as Trino, ordered (the local reader) or not (the scorer)', () => {
    expectAllParse([purchasesSql('2025-03-01'), purchasesSql('2025-03-01', { ordered: true })]);
  });

  it('CustomerScoresStore: the UNLOAD to Parquet of the staged run and the read of an earlier scoring parse as Trino', async () => {
    const { sent, runner, reader } = wired();
    const store = new CustomerScoresStore({ runner, reader, curatedLocation: 's3://curated/', client: s3Client(moto!.endpoint) });
    await store.write('2025-03-01', [score('a'), score('b')]);
    await store.read('2025-02-28');
    expect(sent.map((s) => UNLOAD.exec(s)?.[3])).toEqual(['PARQUET', 'JSON']);
    expect(UNLOAD.exec(sent[0]!)![1]).toMatch(/ from customer_scores_load where "\$path" like '%\/run-[0-9a-f-]+-%'$/);
    expectAllParse(sent);
  });

  it('AthenaNextBestProducts: the "next_best_products$partitions" query and the partition read parse as Trino', async () => {
    const { sent, runner, reader } = wired((sql) => (sql.includes('$partitions') ? '2025-02-28' : null));
    const read = await new AthenaNextBestProducts({ runner, reader }).read('2025-03-01');
    expect(read.asOf).toBe('2025-02-28');
    expect(sent[0]).toMatch(/from "next_best_products\$partitions" where /);
    expectAllParse(sent);
  });
});
