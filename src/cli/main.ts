/** The `retail-lake` command line: one sub-command per stage; see README and ../shared/CONTRACT.md. */
import { MAX_SHARDS } from '../score/shards.ts';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ZodError } from 'zod';
import { CliError, emit, table, type GlobalOptions } from './output.ts';
import { printDemoSummary, runDemo } from './demo.ts';
import { queryCommand, type QueryFormat } from './commands/query.ts';
import { tagsCommand } from '../tags/command.ts';
import { restateCommand } from '../tags/restate-local.ts';
import { costCommand } from '../cost/command.ts';
import { CostInputError } from '../cost/estimate.ts';
import { generateRetailer } from '../generate/index.ts';
import { ingestJsonl } from '../ingest/local-pipeline.ts';
import { runLocalStreamRules, streamRulesFigures, streamRulesLine } from '../realtime/local-run.ts';
import { isBatchTable, loadBatchTable } from '../ingest/batch-tables.ts';
import { IMPORT_FIELDS, importOrders, parseColumnMap } from '../ingest/order-import.ts';
import { parseDelimiter, type Delimiter } from '../ingest/csv.ts';
import { importReviews, importSeries, parseFieldMap, REVIEW_FIELDS, SERIES_FIELDS } from '../ingest/table-import.ts';
import { replayQuarantine } from '../ingest/replay.ts';
import { IngestError } from '../ingest/errors.ts';
import { BATCH_TABLES } from '../contract/index.ts';
import { beginPiiKeyPolicy, ConfigError, localConfig } from '../config/local.ts';
import type { IngestCounts } from '../cleanse/batch.ts';
import { CleanseError } from '../cleanse/errors.ts';
import { evaluateUpliftOnCampaign, trainCommand, trainUpliftCommand, TrainError } from '../train/index.ts';
import { scoreCommand, ScoreError } from '../score/index.ts';
import { eventsCommand, EventsError } from '../events/index.ts';
import { ModelError } from '../models/index.ts';
import { TagsError, TagsOptionsError } from '../tags/index.ts';
import { ClvError } from '../../models/clv/index.ts';
import { reportCommand } from '../report/command.ts';
import { ReportError } from '../report/errors.ts';
import { serveCommand } from '../serve/command.ts';
import { LakeCommitError } from '../lake/commit.ts';
import { eraseCommand, exportPersonCommand } from '../privacy/command.ts';
import { PrivacyError } from '../privacy/errors.ts';
import { RetentionError } from '../lake/retention.ts';
import { retentionApplyCommand } from './commands/retention.ts';
import { modelsPushCommand } from './commands/models.ts';
import { cloudBackfillCommand, cloudReplayCommand } from './commands/cloud.ts';
import { BackfillRequestError } from '../ops/backfill.ts';
import { campaignsCommand } from '../campaigns/command.ts';
import { importCampaign, parseCampaignMap } from '../campaigns/import.ts';
import { CampaignError } from '../campaigns/errors.ts';

const int = (name: string, min = 0) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, received ${JSON.stringify(v)}`);
  return n;
};
const tolerance = (v: string) => {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`--tolerance must be a number from 0 to 1, received ${JSON.stringify(v)}`);
  return n;
};
const rate = (v: string) => {
  const n = Number(v);
  if (!(n >= 0 && n <= 0.5)) throw new InvalidArgumentError(`--dirty-rate must be between 0 and 0.5, received ${JSON.stringify(v)}`);
  return n;
};

function globals(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as { lake?: string; json?: boolean };
  return { lake: o.lake ?? localConfig().lakeDir, json: Boolean(o.json) };
}

/** Prints ingest-like counts: `{"received","clean","quarantined","duplicates","suppressed"[,"resent"],"byReason"}` with --json. */
export function printCounts(opts: GlobalOptions, counts: IngestCounts & { readonly streamRules?: unknown }, what: string): void {
  emit(opts, counts, () => {
    process.stdout.write(
      `${what}: received ${counts.received} = clean ${counts.clean} + quarantined ${counts.quarantined} + duplicates ${counts.duplicates}` +
        `${counts.resent ? ` (${counts.resent} of them re-sent, counted in the curated files)` : ''}` +
        `${counts.suppressed ? ` + suppressed ${counts.suppressed} (erased people)` : ''}\n`,
    );
    if (Object.keys(counts.byReason).length) {
      process.stdout.write(table(Object.entries(counts.byReason).map(([reason, records]) => ({ reason, records }))) + '\n');
    }
  });
}

export function buildProgram(): Command {
  const program = new Command('retail-lake')
    .description('Serverless customer-data lake for retailers: runs locally on DuckDB, deploys to AWS with CDK')
    .option('--lake <dir>', 'lake directory (default ./lake or RETAIL_LAKE_DIR)')
    .option('--json', 'print a machine-readable JSON summary as the last line of stdout')
    .option('--no-dev-key', 'refuse to hash personal data with the published development key when RETAIL_LAKE_PII_KEY is unset')
    .showHelpAfterError()
    .hook('preAction', (root) => beginPiiKeyPolicy((root.opts() as { devKey?: boolean }).devKey === false));

  program
    .command('demo')
    .description('generate -> ingest -> lake -> views -> ... -> summary, on a synthetic retailer (what npm start runs)')
    .option('--customers <n>', 'customers', int('--customers', 10), 10_000)
    .option('--days <n>', 'days of history', int('--days', 7), 365)
    .option('--seed <n>', 'random seed', int('--seed'), 42)
    .option('--dirty-rate <r>', 'share of deliberately bad records', rate, 0.01)
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      const s = await runDemo({ ...g, customers: o.customers, days: o.days, seed: o.seed, dirtyRate: o.dirtyRate });
      emit(g, s, () => printDemoSummary(s));
    });

  program
    .command('generate')
    .description('write a synthetic retailer (events JSONL, ERP CSVs, ground truth); deterministic by seed')
    .requiredOption('--out <dir>', 'output directory')
    .option('--customers <n>', 'customers', int('--customers', 10), 10_000)
    .option('--days <n>', 'days of history', int('--days', 7), 365)
    .option('--seed <n>', 'random seed', int('--seed'), 42)
    .option('--dirty-rate <r>', 'share of deliberately bad records', rate, 0.01)
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      const s = await generateRetailer({ outDir: o.out, customers: o.customers, days: o.days, seed: o.seed, dirtyRate: o.dirtyRate });
      emit(g, s, () => process.stdout.write(`wrote ${s.events} events for ${s.customers} customers to ${s.outDir} in ${s.seconds} s\n`));
    });

  program
    .command('ingest')
    .description('cleanse JSONL event files (Kinesis payloads, one per line; .gz allowed) into the lake; a file of Debezium change events (op, before/after, source.table) updates the ERP tables instead')
    .argument('<paths...>', 'JSONL files')
    .option('--batch-size <n>', 'records per Kinesis-shaped batch', int('--batch-size', 1), 500)
    // On by default: the rules keep their own cursor (realtime/cursor.json, committed with their state), so a run killed
    // between the ingest's commit and the rules' leaves the records beyond the cursor for the rerun or the next ingest.
    .option('--no-stream-rules', 'cleanse only: leave this run\'s records to the next run of the stream rules')
    .addOption(new Option('--stream-rules', 'run the stream rules (the default; kept for scripts written when it was opt-in)').hideHelp())
    .action(async (paths: string[], o, cmd: Command) => {
      const g = globals(cmd);
      const counts = await ingestJsonl(paths, { lakeDir: g.lake, batchSize: o.batchSize });
      // The stream rules (CartAbandoned, VipArrived, ServiceRecoveryNeeded) on every cleansed record they have not
      // processed yet, in event-time order (what the second Kinesis consumer does in AWS). `streamRules` is null when
      // they were switched off.
      const stream = o.streamRules !== false ? await runLocalStreamRules({ lakeDir: g.lake }) : undefined;
      printCounts(g, { ...counts, streamRules: stream ? streamRulesFigures(stream) : null }, 'ingest');
      if (stream && !g.json) process.stdout.write(`stream rules: ${streamRulesLine(stream)}\n`);
    });

  program
    .command('import-orders')
    .description('import order-line exports (.csv, .csv.gz, whitespace-separated) into curated_order_lines (source import)')
    .argument('<files...>', 'export files')
    .requiredOption('--map <fields>', `field=COLUMN,... with fields ${IMPORT_FIELDS.join(', ')}; COLUMN is a header name, or a 1-based position with --no-header`, parseColumnMap)
    .option('--delimiter <d>', ', | tab | ; | | | whitespace', parseDelimiter, ',' as Delimiter)
    .option('--no-header', 'the first row is data; --map names columns by position')
    .option('--date-format <fmt>', 'e.g. YYYYMMDD, DD/MM/YY, M/D/YYYY H:mm (default ISO 8601 / YYYY-MM-DD HH:mm:ss)')
    .option('--currency <iso>', 'ISO 4217 currency of the prices', 'CNY')
    .option('--timezone <tz>', 'IANA time zone of local times in the file (default RETAIL_LAKE_SOURCE_TZ)')
    .action(async (files: string[], o, cmd: Command) => {
      const g = globals(cmd);
      const counts = await importOrders(files, {
        lakeDir: g.lake,
        map: o.map,
        delimiter: o.delimiter,
        header: o.header,
        dateFormat: o.dateFormat,
        currency: o.currency,
        timeZone: o.timezone,
      });
      printCounts(g, counts, 'import-orders');
    });

  program
    .command('import-reviews')
    .description('import review exports (CSV, TSV, .gz) into curated/imported_reviews (the view imported_reviews); sentiment trains on them')
    .argument('<files...>', 'export files')
    .requiredOption('--map <fields>', `field=COLUMN,... with fields ${REVIEW_FIELDS.join(', ')}; text and rating or label (1/0) are required`, (v: string) =>
      parseFieldMap(v, REVIEW_FIELDS, ['text', 'rating|label']))
    .option('--delimiter <d>', ', | tab | ; | | | whitespace', parseDelimiter, ',' as Delimiter)
    .option('--no-header', 'the first row is data; --map names columns by 1-based position')
    .option('--date-format <fmt>', 'format of reviewed_at, e.g. DD/MM/YYYY (default ISO 8601)')
    .action(async (files: string[], o, cmd: Command) => {
      const g = globals(cmd);
      printCounts(g, await importReviews(files, { lakeDir: g.lake, map: o.map, delimiter: o.delimiter, header: o.header, dateFormat: o.dateFormat }), 'import-reviews');
    });

  program
    .command('import-series')
    .description('import time series (CSV, .gz) into curated/demand_series (series_id, period_start, value, is_holiday) for train forecast')
    .argument('<files...>', 'export files')
    .requiredOption('--map <fields>', `field=COLUMN,... with fields ${SERIES_FIELDS.join(', ')}; series_id, date and value are required`, (v: string) =>
      parseFieldMap(v, SERIES_FIELDS, ['series_id', 'date', 'value']))
    .option('--delimiter <d>', ', | tab | ; | | | whitespace', parseDelimiter, ',' as Delimiter)
    .option('--no-header', 'the first row is data; --map names columns by 1-based position')
    .option('--date-format <fmt>', 'e.g. DD/MM/YY (default ISO 8601 / YYYY-MM-DD)')
    .action(async (files: string[], o, cmd: Command) => {
      const g = globals(cmd);
      printCounts(g, await importSeries(files, { lakeDir: g.lake, map: o.map, delimiter: o.delimiter, header: o.header, dateFormat: o.dateFormat }), 'import-series');
    });

  program
    .command('import-campaign')
    .description('import a campaign export (assignments, reported outcomes, features; CSV or .gz) into curated/campaign_assignments; `campaigns` measures it')
    .argument('<file>', 'export file')
    .requiredOption('--campaign-id <id>', 'campaign id (letters, digits, - and _)')
    .requiredOption('--map <fields>', 'customer_id=COL,arm=COL[,assigned_at=COL,segment=COL,coupon_code=COL][,<outcome>=COL...], e.g. visit=visit,spend=spend', (v: string) => parseCampaignMap(v))
    .requiredOption('--control <label>', 'arm label of the control group')
    .option('--features <cols>', 'feature columns to keep per customer, comma-separated', (v: string) => v.split(',').map((c) => c.trim()).filter(Boolean))
    .option('--delimiter <d>', ', | tab | ; | | | whitespace', parseDelimiter, ',' as Delimiter)
    .option('--date-format <fmt>', 'format of assigned_at (default ISO 8601 / YYYY-MM-DD)')
    .action(async (file: string, o, cmd: Command) => {
      const g = globals(cmd);
      const r = await importCampaign(file, { lakeDir: g.lake, campaignId: o.campaignId, map: o.map, control: o.control, features: o.features, delimiter: o.delimiter, dateFormat: o.dateFormat });
      printCounts(g, r, `import-campaign ${r.campaign_id}`);
    });

  program
    .command('campaigns')
    .description('measure campaigns: per arm and segment, response rates and lift vs control with 95% intervals, incremental revenue, coupon cost, ROI, sample-ratio check')
    .option('--campaign <id>', 'one campaign; with --json the last line is its object {campaign_id, arms: [{arm, n, outcomes}], ...}')
    .option('--uplift', 'with --campaign: the current uplift model evaluated on the campaign, per treated arm: uplift: {<arm>: {qini, top30_lift, overall_lift, ...}}')
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      await campaignsCommand({ ...g, campaign: o.campaign, ...(o.uplift === true ? { uplift: evaluateUpliftOnCampaign } : {}) });
    });

  program
    .command('replay')
    .description('re-run quarantined records through the current cleanser; those that now pass become clean exactly once')
    .addOption(new Option('--from <zone>', 'what to replay').choices(['quarantine']).makeOptionMandatory())
    .option('--reason <code>', 'only records quarantined with this reason code')
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      printCounts(g, await replayQuarantine({ lakeDir: g.lake, reason: o.reason }), 'replay');
    });

  program
    .command('load-table')
    .description(`load an ERP batch table from CSV (${Object.keys(BATCH_TABLES).join(', ')})`)
    .argument('<table>', 'table name')
    .argument('<file>', 'CSV file with a header row')
    .addOption(new Option('--mode <mode>', 'full replaces the table; incremental adds changes (a file with updated_at: upserts, deletes with a deleted or op column, history kept) or rows').choices(['full', 'incremental']).default('full'))
    .option('--incremental', 'the same as --mode incremental')
    .option('--force', 'replace the table even with a file that lacks required columns or has no valid row')
    .action(async (name: string, file: string, o, cmd: Command) => {
      const g = globals(cmd);
      if (!isBatchTable(name)) throw new CliError(`unknown batch table ${JSON.stringify(name)}; expected one of ${Object.keys(BATCH_TABLES).join(', ')}`);
      const mode = o.incremental === true ? 'incremental' : o.mode;
      printCounts(g, await loadBatchTable(name, file, { lakeDir: g.lake, mode, force: o.force === true }), `load ${name}`);
    });

  program
    .command('query')
    .description("read-only SQL over the lake's tables and views (embedded DuckDB)")
    .argument('<sql>', 'one SELECT statement')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .action(async (sql: string, o: { format: QueryFormat }, cmd: Command) => {
      await queryCommand(sql, { ...globals(cmd), format: o.format });
    });

  program
    .command('tags')
    .description('resolve identities and materialise the customer_tags snapshot as of a day (curated/customer_tags/dt=D/)')
    .option('--as-of <date>', 'use only data up to the end of this UTC day, YYYY-MM-DD (default: the newest data)')
    .option('--max-links <limits>', 'over-merge guard per kind of linked identifier, e.g. member_id=3,device_id=5')
    .option('--restate', 'recompute the dated snapshots whose inputs changed since they were written (late data), rescore those days, list the dates')
    .option('--lookback-days <n>', 'with --restate: only snapshots as of the newest data day minus n days or later (default: all)', int('--lookback-days', 0))
    .action(async (o, cmd: Command) => {
      if (o.restate && o.asOf !== undefined) throw new TagsOptionsError('--restate picks its own dates; it cannot be combined with --as-of');
      if (!o.restate && o.lookbackDays !== undefined) throw new TagsOptionsError('--lookback-days applies to --restate only');
      if (o.restate) await restateCommand({ ...globals(cmd), lookbackDays: o.lookbackDays, maxLinks: o.maxLinks });
      else await tagsCommand({ ...globals(cmd), asOf: o.asOf, maxLinks: o.maxLinks });
    });

  program
    .command('train')
    .description('train a customer model from the lake as of a date; stores model.onnx + card in the model zone (--json prints the card)')
    .argument('<model>', 'segments | churn | clv | forecast | recs | sentiment | all | uplift')
    .option('--as-of <date>', 'use only data on or before this day, labels included (default: the newest data)')
    .option('--horizon-days <n>', 'churn label window and CLV expected-orders horizon', int('--horizon-days', 7), 90)
    .option('--horizon-periods <n>', 'forecast periods after as-of written to demand_forecasts', int('--horizon-periods', 1), 13)
    .option('--ground-truth <file>', "generator persons.jsonl to compare churn with (default: the demo's, when present)")
    .option('--retrain', 'train only the models an erasure flagged (their latest version saw erased people\'s data)')
    .option('--gate', 'promote segments, churn and clv to latest only if not worse than the current latest on the newest labelled backtest (docs/models.md)')
    .option('--tolerance <x>', 'with --gate: how much worse a candidate may be (0.02 = two points of AUC or silhouette, 2% more error)', tolerance, 0.02)
    .option('--campaign <ids>', 'uplift: the randomised campaign(s) to learn from, comma-separated (import-campaign ids or coupon campaigns)', (v: string) => v.split(',').map((c) => c.trim()).filter(Boolean))
    .option('--outcome <name>', 'uplift: the outcome to lift (visit, conversion, spend, ordered_30d, revenue_30d, redeemed, retained_90d, ...)')
    .option('--treated-arm <labels>', 'uplift: the arm(s) that count as treated, comma-separated (default: every arm but the control)', (v: string) => v.split(',').map((c) => c.trim()).filter(Boolean))
    .action(async (model: string, o, cmd: Command) => {
      if (model === 'uplift') {
        await trainUpliftCommand({ ...globals(cmd), campaigns: o.campaign ?? [], outcome: o.outcome, treatedArms: o.treatedArm });
        return;
      }
      await trainCommand({ ...globals(cmd), model, asOf: o.asOf, horizonDays: o.horizonDays, horizonPeriods: o.horizonPeriods, groundTruth: o.groundTruth, retrain: o.retrain === true, gate: o.gate === true, tolerance: o.tolerance });
    });

  program
    .command('score')
    .description('score every customer with the trained models into customer_scores, then publish the events the changes call for')
    .option('--as-of <date>', 'score the customers as of this day (default: the newest data)')
    .option('--rules <file>', 'event rules JSON (default RETAIL_LAKE_EVENT_RULES, else built-in thresholds)')
    .option('--lead-time-days <n>', 'ReplenishmentDue lead time where the stock table has none (default RETAIL_LAKE_LEAD_TIME_DAYS, else 7)', int('--lead-time-days', 1))
    .option('--shards <n>', `score the customers in n shards by a hash of customer_key, as the scheduled scoring in AWS does (1..${MAX_SHARDS}; same scores and events as without)`, int('--shards', 1))
    .action(async (o, cmd: Command) => {
      await scoreCommand({ ...globals(cmd), asOf: o.asOf, rules: o.rules, leadTimeDays: o.leadTimeDays, shards: o.shards });
    });

  program
    .command('events')
    .description('list the events published on the local bus (<lake>/events/)')
    .option('--since <time>', 'only events published at or after this day or ISO timestamp')
    .option('--type <detailType>', 'only this detail type')
    .action((o, cmd: Command) => {
      eventsCommand({ ...globals(cmd), since: o.since, type: o.type });
    });

  program
    .command('cost')
    .description('monthly AWS cost estimate by service, from public list prices: us-east-1 in USD, or a China region in CNY (see docs/cost.md, docs/china.md)')
    .requiredOption('--events-per-day <n>', 'events per day', int('--events-per-day', 1))
    .option('--avg-event-bytes <b>', 'average event size in bytes', int('--avg-event-bytes', 1))
    .option('--profile-reads-per-day <n>', 'profile API reads per day (default: a tenth of the events)', int('--profile-reads-per-day', 0))
    .option('--region <region>', 'price list: us-east-1 (USD), cn-north-1 or cn-northwest-1 (CNY)', 'us-east-1')
    .option('--stream-mode <mode>', 'Kinesis capacity mode as shardMode in cdk.json: on-demand or provisioned', 'on-demand')
    .option('--shards <n>', 'provisioned shards (default: the fewest that carry twice the average rate)', int('--shards', 1))
    .option('--dedup <mode>', 'event dedup to price: per-batch (what the stacks deploy: docs/ingest.md) or per-event (the former design, for comparison)', 'per-batch')
    .action((o: { eventsPerDay: number; avgEventBytes?: number; profileReadsPerDay?: number; region: string; streamMode: string; shards?: number; dedup: string }, cmd: Command) => {
      costCommand({ eventsPerDay: o.eventsPerDay, avgEventBytes: o.avgEventBytes, profileReadsPerDay: o.profileReadsPerDay, region: o.region, streamMode: o.streamMode, shards: o.shards, dedup: o.dedup, json: globals(cmd).json });
    });

  program
    .command('report')
    .description('write one self-contained HTML report with charts (works offline), default <lake>/reports/report.html')
    .option('--out <file>', 'where to write the HTML file')
    .option('--as-of <date>', 'use the snapshots and data on or before this day, YYYY-MM-DD (default: the newest)')
    .action(async (o, cmd: Command) => {
      await reportCommand({ ...globals(cmd), out: o.out, asOf: o.asOf });
    });

  program
    .command('serve')
    .description('local read-only web app on 127.0.0.1: the report at / and the customer 360 page at /customer')
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', int('--port'), 8080)
    .action(async (o, cmd: Command) => {
      await serveCommand({ ...globals(cmd), port: o.port });
    });

  const selectorOptions = (c: Command) =>
    c
      .option('--member-id <id>', 'member id (as the sources send it)')
      .option('--phone <phone>', 'phone number (any spelling; hashed with the lake key to find it, never stored)')
      .option('--email <email>', 'e-mail address (hashed with the lake key, never stored)')
      .option('--customer-key <key>', 'customer key of the identity graph (ck_...)');

  selectorOptions(
    program
      .command('erase')
      .description('remove people from every zone and table (one lake commit), suppress their later records, write a receipt'),
  )
    .option('--from <file>', 'a batch: one identifier per line (member ids unless --kind)')
    .option('--kind <kind>', 'what the --from file lists: member_id | phone | email | customer_key')
    .option('--reason <text>', 'why (kept in the receipt; write no personal data here)')
    .action(async (o, cmd: Command) => {
      await eraseCommand({ ...globals(cmd), ...o });
    });

  selectorOptions(program.command('export-person').description('everything the lake holds about one person, as one JSON file (access / portability requests)'))
    .option('--out <file>', 'write the JSON here (default: stdout)')
    .action(async (o, cmd: Command) => {
      await exportPersonCommand({ ...globals(cmd), ...o });
    });

  const retention = program.command('retention').description('per-zone retention of the local lake (days per zone: RETAIL_LAKE_RETENTION, docs/privacy.md)');
  retention
    .command('apply')
    .description('delete every dated partition older than its zone keeps it (raw 400, quarantine 90, events 365 days by default), in one atomic commit')
    .option('--dry-run', 'only list what would be removed; change nothing')
    .option('--as-of <date>', 'count the days back from this UTC day, YYYY-MM-DD (default: today)')
    .action(async (o: { dryRun?: boolean; asOf?: string }, cmd: Command) => {
      await retentionApplyCommand({ ...globals(cmd), dryRun: o.dryRun === true, asOf: o.asOf });
    });

  const models = program.command('models').description('trained models and a deployment (docs/deploy.md, "The first nights")');
  models
    .command('push')
    .description("upload the lake's trained models (each one's latest version) to a deployment's S3 model bucket, each version before its latest pointer")
    .requiredOption('--bucket <name>', "the model bucket of the deployment (the lake stack's Models bucket; docs/deploy.md)")
    .option('--prefix <prefix>', "key prefix in front of models/ (the scorer's MODEL_PREFIX; default none)")
    .option('--model <name...>', 'only these models (default: every trained model of the lake)')
    .action(async (o: { bucket: string; prefix?: string; model?: string[] }, cmd: Command) => {
      await modelsPushCommand({ ...globals(cmd), bucket: o.bucket, ...(o.prefix ? { prefix: o.prefix } : {}), ...(o.model ? { models: o.model } : {}) });
    });

  const cloud = program.command('cloud').description('operations on a deployment in AWS (docs/deploy.md)');
  cloud
    .command('backfill')
    .description('rebuild past days in AWS in order (tag snapshot, recommendations, scores; no events): starts the stage\'s backfill state machine and returns')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD (included)')
    .option('--stage <stage>', 'the deployment stage', 'prod')
    .action(async (o: { from: string; to: string; stage: string }, cmd: Command) => {
      await cloudBackfillCommand({ ...globals(cmd), stage: o.stage, from: o.from, to: o.to });
    });
  cloud
    .command('replay')
    .description('replay stream records in AWS through the cleanser code, exactly once: a batch of the cleanser\'s DLQ or a time range from the raw copy, or the quarantine after a contract change; returns once requested')
    .option('--dlq-message <file>', 'a message body of the cleanser\'s DLQ (- for stdin): replay that batch from the raw copy')
    .option('--from-time <iso>', 'raw copy: first arrival time, ISO 8601 with offset')
    .option('--to-time <iso>', 'raw copy: last arrival time (included)')
    .option('--shard <id>', 'raw copy: only this shard (e.g. shardId-000000000001)')
    .option('--start-sequence <n>', 'raw copy: first sequence number of the shard')
    .option('--end-sequence <n>', 'raw copy: last sequence number of the shard')
    .option('--quarantine', 'replay the quarantine zone (after a contract change)')
    .option('--reason <code>', 'with --quarantine: only records quarantined with this reason code')
    .option('--stage <stage>', 'the deployment stage', 'prod')
    .action(async (o: { dlqMessage?: string; fromTime?: string; toTime?: string; shard?: string; startSequence?: string; endSequence?: string; quarantine?: boolean; reason?: string; stage: string }, cmd: Command) => {
      await cloudReplayCommand({ ...globals(cmd), ...o });
    });

  return program;
}

/** Runs the CLI; user errors print one line and exit 2, never a stack trace. */
export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    // Our own named errors carry a message meant for the user; anything else is a bug and shows its stack.
    const known =
      e instanceof CliError || e instanceof ConfigError || e instanceof ZodError || e instanceof CleanseError || e instanceof IngestError ||
      e instanceof TrainError || e instanceof ScoreError || e instanceof EventsError || e instanceof ModelError || e instanceof TagsError || e instanceof ClvError || e instanceof ReportError ||
      e instanceof LakeCommitError || e instanceof PrivacyError || e instanceof RetentionError || e instanceof CostInputError || e instanceof BackfillRequestError || e instanceof CampaignError;
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`retail-lake: ${msg}\n`);
    if (!known || process.env.RETAIL_LAKE_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    process.exitCode = 2;
  }
}
