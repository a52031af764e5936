/**
 * Erasure in AWS: what `retail-lake erase` does to a local lake, done to the deployed lake through ports (objects in
 * S3, tables and SQL in Athena, customer items in DynamoDB), with the same selectors, identity resolution, person
 * matcher, suppression digests and receipt as the local erase (src/privacy/erase.ts).
 *
 * Crash-safe by a plan: every rewritten object is first written beside the lake (`privacy/_erasing/<id>/` of the
 * curated bucket), then a plan naming each object to replace (or delete) and its new content is written, then the
 * objects are swapped. A rerun that finds the plan finishes the swap (copies are idempotent); one that finds none
 * starts over (nothing of the lake was touched yet). Only objects that hold a row of the people are touched.
 *
 * @example
 * const receipt = await eraseInCloud({ selectors: [{ kind: 'member_id', value: 'M1001' }], piiKey, pii, objects, tables, items, suppression, buckets });
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Pii } from '../cleanse/pii.ts';
import { IDENTITY_COLUMNS, suppressionDigest } from '../cleanse/suppression.ts';
import { IDENTITY_TYPES, identityColumn, type IdentityType } from '../contract/index.ts';
import type { CatalogTable, CustomerItems, LakeTables, ObjectRef, ObjectStore, SuppressionList } from '../ports/index.ts';
import { ERASING_PREFIX, ERASURE_METADATA } from './cloud-names.ts';
import { crashPoint } from '../lake/commit.ts';
import { requestDigest } from './erase.ts';
import { InvalidSelectorError } from './errors.ts';
import { createPersonMatcher, curatedForm, type People, type PersonMatcher, type PersonSelector } from './people.ts';
import type { Removal } from './lake-scan.ts';
import { ERASURES_PREFIX, flagModelList, removedDays, type ErasureReceipt } from './receipt.ts';

export { ERASING_PREFIX, ERASURE_METADATA };

export interface CloudLakeBuckets {
  /** Tables, the suppression list, receipts, staging. */
  readonly curated: string;
  /** Landing exports (order CSVs, request files). */
  readonly raw: string;
  /** Quarantined records as received. */
  readonly quarantine: string;
  /** Model cards (training windows) for the receipt's flagged models. @default none read */
  readonly models?: string;
  /** Prefix of the model store in the models bucket ('' : none). */
  readonly modelsPrefix?: string;
}

export interface CloudEraseOptions {
  readonly selectors: readonly PersonSelector[];
  readonly reason?: string;
  readonly piiKey: string;
  readonly pii: Pii;
  readonly objects: ObjectStore;
  readonly tables: LakeTables;
  readonly items: CustomerItems;
  readonly suppression: SuppressionList;
  readonly buckets: CloudLakeBuckets;
  /** Object keys never scanned (e.g. the request files' prefix). @default none */
  readonly skipPrefixes?: readonly string[];
  readonly now?: () => Date;
  readonly onStep?: (step: string, detail?: Record<string, unknown>) => void;
}

interface PlanEntry extends ObjectRef {
  /** New content, in order (empty: the object is deleted). */
  readonly staged: readonly string[];
}


/** Everything the swap and the receipt need: written before the lake is touched, so a rerun can finish alone. */
interface Plan {
  readonly id: string;
  readonly request_digest: string;
  readonly requested_at: string;
  readonly selectors: number;
  readonly people: number;
  readonly unmatched: number;
  readonly customer_keys: readonly string[];
  readonly digests: readonly string[];
  readonly removals: readonly Removal[];
  readonly entries: readonly PlanEntry[];
  readonly models_days: readonly string[];
}

const TEXT_OBJECT = /\.(jsonl|ndjson|json|csv|tsv)(\.gz)?$|\.gz$/;
const lit = (v: string) => `'${v.replaceAll("'", "''")}'`;
const q = (c: string) => `"${c.replaceAll('"', '""')}"`;
const TYPE_OF_COLUMN = new Map<string, IdentityType>(IDENTITY_TYPES.map((t) => [identityColumn(t), t]));

function parseS3(url: string): ObjectRef {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  if (!m) throw new InvalidSelectorError(`expected an s3:// location, received ${JSON.stringify(url)}`);
  return { bucket: m[1]!, key: m[2]! };
}

/**
 * The people of a request through the deployed identity graph (identity_map, less identity_hubs), as
 * resolvePeople does locally: every identifier of each matched customer.
 */
export async function resolveCloudPeople(tables: LakeTables, catalog: readonly CatalogTable[], pii: Pii, selectors: readonly PersonSelector[]): Promise<People> {
  const given: Array<[string, string]> = [];
  const keys = new Set<string>();
  for (const s of selectors) {
    if (s.kind === 'customer_key') {
      if (!s.value.trim()) throw new InvalidSelectorError('customer_key is empty');
      keys.add(s.value.trim());
    } else given.push(...curatedForm(pii, s));
  }
  const ids = new Map<string, Set<string>>();
  const add = (col: string, v: string) => {
    let set = ids.get(col);
    if (!set) ids.set(col, (set = new Set()));
    set.add(v);
  };
  for (const [c, v] of given) add(c, v);
  const givenKeys = [...keys];
  let matched = 0;
  if (catalog.some((t) => t.name === 'identity_map') && (given.length || givenKeys.length)) {
    const byType = new Map<string, string[]>();
    for (const [c, v] of given) byType.set(TYPE_OF_COLUMN.get(c) ?? c, [...(byType.get(TYPE_OF_COLUMN.get(c) ?? c) ?? []), v]);
    const terms = [...byType].map(([t, vs]) => `(identity_type = ${lit(t)} and identity_value in (${vs.map(lit).join(', ')}))`);
    if (givenKeys.length) terms.push(`customer_key in (${givenKeys.map(lit).join(', ')})`);
    const hubs = catalog.some((t) => t.name === 'identity_hubs')
      ? `and not exists (select 1 from identity_hubs h where h.identity_type = m.identity_type and h.identity_value = m.identity_value)`
      : '';
    const rows = await tables.rows(
      `select m.identity_type, m.identity_value, m.customer_key from identity_map m
       where m.customer_key in (select customer_key from identity_map where ${terms.join(' or ')}) ${hubs}`,
    );
    for (const r of rows) {
      keys.add(String(r.customer_key));
      add(identityColumn(r.identity_type as IdentityType), String(r.identity_value));
    }
    // Selectors the graph knows (hub identifiers included: they name the person even if not erased with them).
    const known = await tables.rows(`select distinct identity_type, identity_value from identity_map where ${terms.filter((t) => !t.startsWith('customer_key')).join(' or ') || 'false'}`);
    const seen = new Set(known.map((r) => `${String(r.identity_type)}\u0000${String(r.identity_value)}`));
    matched = given.filter(([c, v]) => seen.has(`${TYPE_OF_COLUMN.get(c) ?? c}\u0000${v}`)).length;
  }
  const unmatched = Math.max(0, selectors.filter((s) => s.kind !== 'customer_key').length - matched);
  return { ids, keys, unmatched, count: keys.size + unmatched };
}

/** The condition "this row is one of the people's" in portable SQL, or undefined when the table names nobody. */
export function personPredicateSql(cols: ReadonlySet<string>, people: People, reviewIds: ReadonlySet<string>): string | undefined {
  const terms: string[] = [];
  const inList = (col: string, vals: Iterable<string>) => {
    const l = [...vals];
    if (l.length) terms.push(`${q(col)} in (${l.map(lit).join(', ')})`);
  };
  for (const c of IDENTITY_COLUMNS) if (cols.has(c)) inList(c, people.ids.get(c) ?? []);
  if (cols.has('customer_key')) inList('customer_key', people.keys);
  if (cols.has('identity_type') && cols.has('identity_value')) {
    for (const [c, vals] of people.ids) if (vals.size) terms.push(`(identity_type = ${lit(TYPE_OF_COLUMN.get(c) ?? c)} and identity_value in (${[...vals].map(lit).join(', ')}))`);
  }
  // customer_id: a member id in imported reviews, a customer key in next_best_products (src/insights/tables.ts).
  if (cols.has('customer_id')) inList('customer_id', [...(people.ids.get('member_id') ?? []), ...people.keys]);
  if (cols.has('review_id')) inList('review_id', reviewIds);
  return terms.length ? terms.map((t) => `coalesce(${t}, false)`).join(' or ') : undefined;
}

/**
 * Whether a stored line holds one of the people: the line itself, a quarantined record's payload as received, or a
 * raw-zone envelope's record (the raw copy of the stream keeps each record's bytes as base64: src/cleanse/replay.ts).
 */
export function lineHolds(matcher: PersonMatcher, line: string): boolean {
  const payload = line.includes('"raw_payload"');
  const envelope = !payload && line.includes('"origin"') && line.includes('"data"');
  if (payload || envelope) {
    try {
      const r = JSON.parse(line) as Record<string, unknown>;
      const field = payload ? 'raw_payload' : 'data';
      const v = r[field];
      if (typeof v === 'string' && (envelope || r.raw_encoding === 'base64')) {
        // The record's bytes as base64 are scanned decoded, the rest of the line without them: scanning base64 as
        // text finds nothing and costs time quadratic in its length (the e-mail pattern over one long token), which
        // took minutes for the raw copy of one 300 KB record.
        const { [field]: _bytes, ...rest } = r;
        return matcher.line(JSON.stringify(rest)) || matcher.line(Buffer.from(v, 'base64').toString('utf8'));
      }
    } catch {
      // not one JSON record: matched as text below
    }
  }
  if (matcher.line(line)) return true;
  if (payload) {
    try {
      const r = JSON.parse(line) as { raw_payload?: unknown };
      if (typeof r.raw_payload === 'string') return matcher.line(r.raw_payload);
    } catch {
      // not one JSON record: matched as text above
    }
  }
  return false;
}

/** Tables found through others (review_scores through the people's review ids) go last. */
const later = (t: CatalogTable) => t.columns.includes('review_id') && !IDENTITY_COLUMNS.some((c) => t.columns.includes(c)) && !t.columns.includes('customer_id');

async function planParquet(o: CloudEraseOptions, work: string, catalog: readonly CatalogTable[], people: People, entries: PlanEntry[], removals: Removal[]): Promise<void> {
  const lake = new Set([o.buckets.curated, o.buckets.quarantine]);
  const tables = catalog.filter((t) => t.format === 'parquet' && lake.has(parseS3(t.location).bucket) && !parseS3(t.location).key.startsWith('privacy/'));
  tables.sort((a, b) => Number(later(a)) - Number(later(b)));
  const reviewIds = new Set<string>();
  let n = 0;
  for (const t of tables) {
    const cols = new Set([...t.columns, ...t.partitionKeys]);
    const pred = personPredicateSql(cols, people, reviewIds);
    if (!pred) continue;
    if (cols.has('payload') && cols.has('event_type')) {
      const rows = await o.tables.rows(
        `select distinct coalesce(json_extract_scalar(payload, '$.review_id'), json_extract_scalar(payload, '$.ticket_id')) as id from ${t.name} where (${pred}) and event_type in ('review.submitted', 'service.ticket')`,
      );
      for (const r of rows) if (r.id !== null && r.id !== undefined) reviewIds.add(String(r.id));
    }
    const hits = await o.tables.rows(`select "$path" as file, count(*) as total, sum(case when ${pred} then 1 else 0 end) as hit from ${t.name} where "$path" <> '' group by 1 having sum(case when ${pred} then 1 else 0 end) > 0`);
    const root = parseS3(t.location.endsWith('/') ? t.location : `${t.location}/`);
    for (const h of hits.sort((a, b) => String(a.file).localeCompare(String(b.file)))) {
      const ref = parseS3(String(h.file));
      const hit = Number(h.hit);
      const all = hit === Number(h.total);
      let staged: string[] = [];
      if (!all) {
        const prefix = `${work}p${n++}/`;
        await o.tables.writeParquet(`select ${t.columns.map(q).join(', ')} from ${t.name} where "$path" = ${lit(String(h.file))} and not (${pred})`, `s3://${o.buckets.curated}/${prefix}`);
        staged = (await o.objects.list(o.buckets.curated, prefix)).sort();
      }
      entries.push({ ...ref, staged });
      const dir = ref.key.slice(0, ref.key.lastIndexOf('/'));
      removals.push({ table: t.name, partition: dir.startsWith(root.key) ? dir.slice(root.key.length) : dir, rows: hit, filesRewritten: all ? 0 : 1, filesRemoved: all ? 1 : 0 });
    }
  }
}

async function planText(o: CloudEraseOptions, id: string, work: string, matcher: PersonMatcher, catalog: readonly CatalogTable[], entries: PlanEntry[], removals: Removal[]): Promise<void> {
  const skip = ['privacy/', ...(o.skipPrefixes ?? [])];
  let n = 0;
  const buckets = [...new Set([o.buckets.raw, o.buckets.quarantine, o.buckets.curated])];
  for (const bucket of buckets) {
    for (const key of (await o.objects.list(bucket, '')).sort()) {
      if (!TEXT_OBJECT.test(key) || skip.some((p) => key.startsWith(p))) continue;
      const bytes = await o.objects.get({ bucket, key });
      if (!bytes) continue;
      const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
      const text = (gz ? gunzipSync(bytes) : bytes).toString('utf8');
      const lines = text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      const isCsv = /\.(csv|tsv)(\.gz)?$/.test(key);
      const hits = lines.map((l, i) => !(isCsv && i === 0) && l.length > 0 && lineHolds(matcher, l));
      const rows = hits.filter(Boolean).length;
      if (!rows) continue;
      const kept = lines.filter((_, i) => !hits[i]);
      const empty = kept.length === 0 || (isCsv && kept.length === 1);
      let staged: string[] = [];
      if (!empty) {
        const body = Buffer.from(kept.join('\n') + '\n');
        const to = `${work}t${n++}`;
        await o.objects.put({ bucket: o.buckets.curated, key: to }, gz ? gzipSync(body) : body, { [ERASURE_METADATA]: id });
        staged = [to];
      }
      entries.push({ bucket, key, staged });
      const table = catalog.find((t) => parseS3(t.location).bucket === bucket && key.startsWith(parseS3(t.location).key));
      const dir = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : '';
      const root = table ? parseS3(table.location).key.replace(/\/$/, '') : '';
      removals.push({
        table: table ? table.name : `s3://${bucket}/${dir}`,
        partition: table ? `${dir.slice(root.length + 1)}/${key.slice(key.lastIndexOf('/') + 1)}`.replace(/^\//, '') : key.slice(key.lastIndexOf('/') + 1),
        rows,
        filesRewritten: empty ? 0 : 1,
        filesRemoved: empty ? 1 : 0,
      });
    }
  }
}

/** Stored model versions and their cards' training windows (models/<model>/<version>/card.json). */
async function storedCloudModels(o: CloudEraseOptions): Promise<Array<{ model: string; version: string; from: string | null; to: string }>> {
  const bucket = o.buckets.models;
  if (!bucket) return [];
  const base = `${o.buckets.modelsPrefix ? `${o.buckets.modelsPrefix.replace(/\/$/, '')}/` : ''}models/`;
  const out: Array<{ model: string; version: string; from: string | null; to: string }> = [];
  for (const key of await o.objects.list(bucket, base)) {
    const parts = key.slice(base.length).split('/');
    if (parts.length !== 3 || parts[2] !== 'card.json') continue;
    try {
      const card = JSON.parse((await o.objects.get({ bucket, key }))!.toString('utf8')) as { data_window?: { from: string | null; to: string } };
      if (card.data_window?.to) out.push({ model: parts[0]!, version: parts[1]!, from: card.data_window.from ?? null, to: card.data_window.to });
    } catch {
      // a card that cannot be read says nothing about its data
    }
  }
  return out;
}

/** A sibling key for the i-th extra file of a rewritten object (its extension kept). */
function sibling(key: string, i: number): string {
  if (i === 0) return key;
  const slash = key.lastIndexOf('/');
  const dot = key.indexOf('.', slash + 1);
  return dot < 0 ? `${key}-${i}` : `${key.slice(0, dot)}-${i}${key.slice(dot)}`;
}

export async function eraseInCloud(o: CloudEraseOptions): Promise<ErasureReceipt> {
  if (!o.selectors.length) throw new InvalidSelectorError('no one to erase: give member_id, phone, email or customer_key');
  const now = o.now ?? (() => new Date());
  const step = o.onStep ?? (() => {});
  const started = now();
  const digest = requestDigest(o.piiKey, o.selectors);
  const id = digest.slice(0, 20);
  const work = `${ERASING_PREFIX}/${id}/`;
  const planRef = { bucket: o.buckets.curated, key: `${work}plan.json` };
  const receiptRef = { bucket: o.buckets.curated, key: `${ERASURES_PREFIX}/${id}.json` };

  let plan: Plan | undefined;
  const saved = await o.objects.get(planRef);
  if (saved) {
    plan = JSON.parse(saved.toString('utf8')) as Plan;
    step('plan found: finishing an interrupted erasure', { entries: plan.entries.length });
  } else {
    // Leftovers of a run that died before its plan: nothing of the lake was touched.
    for (const key of await o.objects.list(o.buckets.curated, work)) await o.objects.delete({ bucket: o.buckets.curated, key });
    const catalog = await o.tables.tables();
    step('resolve people through the identity graph');
    const people = await resolveCloudPeople(o.tables, catalog, o.pii, o.selectors);
    const matcher = createPersonMatcher(o.pii, people);
    const entries: PlanEntry[] = [];
    const removals: Removal[] = [];
    step('find and rewrite Parquet objects through Athena');
    await planParquet(o, work, catalog, people, entries, removals);
    step('find and rewrite text objects (raw, quarantine, JSON tables)');
    await planText(o, id, work, matcher, catalog, entries, removals);
    const rows = removals.reduce((a, r) => a + r.rows, 0);
    const earlier = await o.objects.get(receiptRef);
    // A rerun of a finished request finds nothing left: its first receipt stands.
    if (earlier && rows === 0) return JSON.parse(earlier.toString('utf8')) as ErasureReceipt;
    const digests = new Set<string>();
    for (const [col, vals] of people.ids) for (const v of vals) digests.add(suppressionDigest(o.piiKey, col, v));
    plan = {
      id: earlier ? `${id}-${now().getTime()}` : id,
      request_digest: digest,
      requested_at: started.toISOString(),
      selectors: o.selectors.length,
      people: people.count,
      unmatched: people.unmatched,
      customer_keys: [...people.keys].sort(),
      digests: [...digests].sort(),
      removals,
      entries,
      models_days: [...removedDays(removals)].sort(),
    };
    await o.objects.put(planRef, Buffer.from(JSON.stringify(plan)));
  }

  step('swap rewritten objects into place', { objects: plan.entries.length });
  for (const e of plan.entries) {
    for (let i = 0; i < e.staged.length; i++) await o.objects.copy({ bucket: o.buckets.curated, key: e.staged[i]! }, { bucket: e.bucket, key: sibling(e.key, i) });
    if (!e.staged.length) await o.objects.delete(e);
    crashPoint('cloud-erase:swap');
  }
  step('delete customer items (coupons, event ledger)');
  const items = await o.items.erase(plan.customer_keys);
  step('suppression list and receipt');
  await o.suppression.add(plan.id, plan.digests);
  const partitions = [
    ...plan.removals.map((r) => ({ table: r.table, partition: r.partition, rows_removed: r.rows, files_rewritten: r.filesRewritten, files_removed: r.filesRemoved })),
    ...items.filter((x) => x.items > 0).map((x) => ({ table: `dynamodb:${x.table}`, partition: '', rows_removed: x.items, files_rewritten: 0, files_removed: 0 })),
  ].sort((a, b) => a.table.localeCompare(b.table) || a.partition.localeCompare(b.partition));
  const receipt: ErasureReceipt = {
    receipt_id: plan.id,
    kind: 'erasure',
    request_digest: plan.request_digest,
    requested_at: plan.requested_at,
    completed_at: now().toISOString(),
    reason: o.reason ?? null,
    selectors: plan.selectors,
    people: plan.people,
    unmatched_selectors: plan.unmatched,
    identifiers_suppressed: plan.digests.length,
    rows_removed: partitions.reduce((a, p) => a + p.rows_removed, 0),
    partitions,
    models_flagged: flagModelList(await storedCloudModels(o), new Set(plan.models_days)),
    removed_outputs: [],
    seconds: Math.round((now().getTime() - started.getTime()) / 100) / 10,
  };
  await o.objects.put({ bucket: o.buckets.curated, key: `${ERASURES_PREFIX}/${plan.id}.json` }, Buffer.from(`${JSON.stringify(receipt, null, 2)}\n`));
  // The receipt is written: the staged copies and the plan go (they hold the people's customer keys).
  for (const key of await o.objects.list(o.buckets.curated, work)) if (key !== planRef.key) await o.objects.delete({ bucket: o.buckets.curated, key });
  await o.objects.delete(planRef);
  step('done', { receipt: plan.id, rows: receipt.rows_removed });
  return receipt;
}
