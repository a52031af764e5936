/**
 * The coupon issuer's decisions in the curated zone (AWS). In AWS the issuer records coupons and held-out decisions
 * in DynamoDB only (src/adapters/aws/dynamodb-coupon-store.ts); the table's stream feeds the decision export
 * (lambdas/decision-export), which keeps one object per decision under the lake tables' own layout
 * (`coupons/dt=<issue day>/<coupon_id>.json.gz`, `coupon_holdouts/dt=<decision day>/<event_id>.json.gz`, one JSON
 * line with the table's columns), so Athena reads `coupons` and `coupon_holdouts` as the local lake does and
 * sql/marts/campaign_outcomes.sql runs there unchanged.
 *
 * Exactly once under redelivery and kill/rerun: an object's key and bytes are a function of the decision alone, so a
 * record delivered again, or a batch retried after the function died half-way, writes the same object again (no
 * decision twice); the stream mapping retries a batch until every record is handled (none lost). A decision removed
 * from the table (an erasure deletes the person's items) removes its object: the zone mirrors the table.
 *
 * @example
 * await exportDecisionChanges([{ op: 'upsert', kind: 'coupon', fields }], { objects, bucket: 'curated' });
 */
import { gzipSync } from 'node:zlib';
import type { Column } from '../contract/columns.ts';
import { COUPON_COLUMNS, COUPONS_TABLE, HELD_OUT_COLUMNS, HOLDOUTS_TABLE, couponSchema } from '../coupons/schema.ts';
import { couponHeldOutSchema } from '../events/schemas.ts';
import type { ObjectStore } from '../ports/index.ts';
import { CampaignError } from './errors.ts';
import { CAMPAIGN_TABLES } from './tables.ts';

/** A decision record the export cannot read: the message names the item and the field. */
export class DecisionExportError extends CampaignError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DecisionExportError';
  }
}

/** The change at `index` could not be applied; those before it were. */
export class DecisionChangeError extends DecisionExportError {
  constructor(
    readonly index: number,
    cause: unknown,
  ) {
    super(`decision change ${index} not exported: ${(cause as Error).message}`, { cause });
    this.name = 'DecisionChangeError';
  }
}

export type DecisionKind = 'coupon' | 'held_out';

/** The tables the export writes (gzip JSON lines in AWS; Parquet in the local lake). */
export const EXPORTED_DECISION_TABLES: readonly string[] = [COUPONS_TABLE, HOLDOUTS_TABLE];

/** One change of the coupon table, as its stream reports it: a decision recorded (upsert) or deleted (remove). */
export interface DecisionChange {
  readonly op: 'upsert' | 'remove';
  readonly kind: DecisionKind;
  /** The item's attributes (JSON-valued fields as their JSON text, as the coupon store writes them). */
  readonly fields: Readonly<Record<string, unknown>>;
}

const KINDS = {
  coupon: { table: COUPONS_TABLE, schema: couponSchema, columns: COUPON_COLUMNS, id: 'coupon_id', at: 'issued_at' },
  held_out: { table: HOLDOUTS_TABLE, schema: couponHeldOutSchema, columns: HELD_OUT_COLUMNS, id: 'event_id', at: 'decided_at' },
} as const;

/** Where a table's objects live in the curated bucket: its local path (src/campaigns/tables.ts), the Glue location. */
function tablePath(table: string): string {
  const t = CAMPAIGN_TABLES.find((x) => x.name === table);
  if (!t) throw new DecisionExportError(`no campaign table ${table}`);
  return t.path;
}

/** A cell as the Parquet writer stores it (src/score/parquet.ts): JSON as text, timestamps as UTC `yyyy-MM-dd HH:mm:ss.SSS`. */
function cell(c: Column, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (c.type === 'json') return JSON.stringify(v);
  if (c.type === 'timestamp') return new Date(v as string).toISOString().replace('T', ' ').replace('Z', '');
  return v;
}

/** The decision's object: its key under the table's date partition and its one gzipped JSON line. */
export function decisionObject(kind: DecisionKind, fields: Readonly<Record<string, unknown>>): { key: string; body: Buffer; id: string } {
  const k = KINDS[kind];
  const id = typeof fields[k.id] === 'string' ? (fields[k.id] as string) : undefined;
  // JSON-valued fields (a coupon's reasons) arrive as the JSON text the store wrote.
  const typed = Object.fromEntries(
    Object.entries(fields).map(([name, v]) => {
      const c = k.columns.find((x) => x.name === name);
      if (c?.type !== 'json' || typeof v !== 'string') return [name, v];
      try {
        return [name, JSON.parse(v) as unknown];
      } catch (e) {
        throw new DecisionExportError(`${kind} ${id ?? '(no id)'}: field ${name} is not JSON: ${JSON.stringify(v.slice(0, 80))}`, { cause: e });
      }
    }),
  );
  const parsed = k.schema.safeParse(typed);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw new DecisionExportError(`${kind} ${id ?? '(no id)'}: field ${field || '(record)'} ${issue.message} (received ${JSON.stringify(typed[String(issue.path[0])])})`, { cause: parsed.error });
  }
  const row = parsed.data as Record<string, unknown>;
  const day = String(row[k.at]).slice(0, 10);
  const line = JSON.stringify(Object.fromEntries(k.columns.map((c) => [c.name, cell(c, row[c.name])])));
  // mtime 0 in the gzip header (Node's default): the same decision gives the same bytes.
  return { key: `${tablePath(k.table)}/dt=${day}/${String(row[k.id])}.json.gz`, body: gzipSync(`${line}\n`), id: String(row[k.id]) };
}

export interface ExportOptions {
  readonly objects: ObjectStore;
  /** The curated bucket. */
  readonly bucket: string;
  /** Called after each change is applied (the handler's crash point and progress). */
  readonly onApplied?: (index: number) => void;
}

export interface ExportResult {
  readonly written: number;
  readonly removed: number;
}

/**
 * Applies the changes in stream order: an upsert puts the decision's object, a remove deletes it. Throws on the first
 * change it cannot apply, with `appliedBefore` (how many went through) so the caller can report where the batch
 * stopped.
 */
export async function exportDecisionChanges(changes: readonly DecisionChange[], o: ExportOptions): Promise<ExportResult> {
  let written = 0;
  let removed = 0;
  for (const [i, ch] of changes.entries()) {
    try {
      const obj = decisionObject(ch.kind, ch.fields);
      if (ch.op === 'upsert') {
        await o.objects.put({ bucket: o.bucket, key: obj.key }, obj.body);
        written++;
      } else {
        await o.objects.delete({ bucket: o.bucket, key: obj.key });
        removed++;
      }
    } catch (e) {
      throw new DecisionChangeError(i, e);
    }
    o.onApplied?.(i);
  }
  return { written, removed };
}
