/**
 * `retail-lake import-campaign FILE --campaign-id ID --map customer_id=COL,arm=COL[,visit=COL,...] --control LABEL
 * [--features COL,...]`: a campaign run in an e-mail or SMS tool, from its export, into curated/campaign_assignments/
 * (one row per campaign and customer): the arm, whether it is the control, the outcomes the export reports and the
 * feature columns asked for. Rows go through the shared table importer (src/ingest/table-import.ts): one lake commit,
 * a bad row quarantined with a reason naming the field, column and value, a customer already imported for the
 * campaign counted as a duplicate, so importing the same file again changes nothing.
 *
 * Map keys: customer_id and arm (required); assigned_at (when the customer was contacted: outcome windows from the
 * lake's orders start there), segment (for per-segment results), coupon_code (matched against orders and
 * redemptions); every other key is an outcome the export reports (a number per row, e.g. visit=visit).
 *
 * Example:
 *   retail-lake import-campaign hillstrom.csv.gz --campaign-id hillstrom-2008 \
 *     --map customer_id=customer_id,arm=segment,segment=history_segment,visit=visit,conversion=conversion,spend=spend \
 *     --control "No E-Mail" --features recency,history,mens,womens,zip_code,newbie,channel
 */
import path from 'node:path';
import type { IngestCounts } from '../cleanse/batch.ts';
import { importTable, type FieldMap } from '../ingest/table-import.ts';
import { compileDateFormat, defaultDateReader } from '../ingest/date-format.ts';
import type { Delimiter } from '../ingest/csv.ts';
import { columnsOf } from '../contract/columns.ts';
import { CAMPAIGN_ASSIGNMENTS_TABLE, campaignAssignmentSchema, type CampaignAssignment } from './tables.ts';
import { CampaignOptionsError } from './errors.ts';

export const CAMPAIGN_ASSIGNMENT_COLUMNS = columnsOf(campaignAssignmentSchema);

/** Map keys with a fixed meaning; any other key names a reported outcome. */
export const CAMPAIGN_FIELDS = ['customer_id', 'arm', 'assigned_at', 'segment', 'coupon_code'] as const;
const NAME = /^[a-z][a-z0-9_]{0,62}$/;
const FEATURE = 'feature:';

export interface CampaignMap {
  readonly fields: Partial<Record<(typeof CAMPAIGN_FIELDS)[number], string>>;
  /** Outcome name -> column. */
  readonly outcomes: Readonly<Record<string, string>>;
}

/** Reads `--map`; throws CampaignOptionsError naming the entry at fault. */
export function parseCampaignMap(spec: string): CampaignMap {
  const fields: Record<string, string> = {};
  const outcomes: Record<string, string> = {};
  for (const part of spec.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const key = (eq === -1 ? part : part.slice(0, eq)).trim();
    const col = eq === -1 ? '' : part.slice(eq + 1).trim();
    if (!col) throw new CampaignOptionsError(`--map: ${JSON.stringify(key)} needs a column, e.g. ${key}=COLUMN`);
    if (!NAME.test(key)) throw new CampaignOptionsError(`--map: ${JSON.stringify(key)} is not a field or outcome name (lower-case letters, digits and _, starting with a letter)`);
    const target = (CAMPAIGN_FIELDS as readonly string[]).includes(key) ? fields : outcomes;
    if (target[key] !== undefined) throw new CampaignOptionsError(`--map: ${key} is mapped twice`);
    target[key] = col;
  }
  for (const k of ['customer_id', 'arm'] as const) if (!fields[k]) throw new CampaignOptionsError(`--map must name ${k}=COLUMN`);
  return { fields, outcomes };
}

export interface ImportCampaignOptions {
  readonly lakeDir: string;
  readonly campaignId: string;
  readonly map: CampaignMap;
  /** The arm label of the control group. */
  readonly control: string;
  /** Feature columns stored per customer (for customers the lake does not know). */
  readonly features?: readonly string[];
  /** @default ',' */
  readonly delimiter?: Delimiter;
  /** Format of assigned_at; default ISO 8601 / YYYY-MM-DD (a time without an offset is read as UTC). */
  readonly dateFormat?: string;
  readonly now?: Date;
}

export interface ImportCampaignResult extends IngestCounts {
  readonly campaign_id: string;
}

/** Imports one export; counts reconcile: received = clean + quarantined + duplicates (+ suppressed). */
export async function importCampaign(file: string, o: ImportCampaignOptions): Promise<ImportCampaignResult> {
  if (!NAME.test(o.campaignId.replace(/-/g, '_').toLowerCase()) || o.campaignId.length > 64) {
    throw new CampaignOptionsError(`--campaign-id ${JSON.stringify(o.campaignId)}: expected letters, digits, - and _, at most 64 characters`);
  }
  if (!o.control.trim()) throw new CampaignOptionsError('--control needs the arm label of the control group');
  const features = o.features ?? [];
  const map: FieldMap<string> = { ...o.map.fields, ...Object.fromEntries(Object.entries(o.map.outcomes).map(([k, c]) => [k, c])), ...Object.fromEntries(features.map((c) => [`${FEATURE}${c}`, c])) };
  const date = o.dateFormat ? compileDateFormat(o.dateFormat) : defaultDateReader;
  const counts = await importTable<string>(
    [file],
    { lakeDir: o.lakeDir, map, delimiter: o.delimiter, now: o.now },
    CAMPAIGN_ASSIGNMENTS_TABLE,
    CAMPAIGN_ASSIGNMENT_COLUMNS,
    (r) => `${String(r.campaign_id)}\u0001${String(r.customer_id)}`,
    (cell) => {
      const customer = cell('customer_id');
      if (!customer) return { reason: 'MISSING_CUSTOMER_ID', field: 'customer_id' };
      const arm = cell('arm');
      if (!arm) return { reason: 'MISSING_ARM', field: 'arm' };
      let assignedAt: string | null = null;
      const at = cell('assigned_at');
      if (at !== undefined) {
        const t = date(at);
        if (!t) return { reason: 'INVALID_DATE', field: 'assigned_at', value: at, expected: `a date${o.dateFormat ? ` in format ${o.dateFormat}` : ' (ISO 8601 / YYYY-MM-DD)'}` };
        assignedAt = new Date(t.ms).toISOString();
      }
      const outcomes: Record<string, number> = {};
      for (const name of Object.keys(o.map.outcomes)) {
        const raw = cell(name);
        if (raw === undefined) continue;
        const v = Number(raw.replace(/,/g, ''));
        if (!Number.isFinite(v)) return { reason: 'INVALID_OUTCOME', field: name, value: raw, expected: 'a number' };
        outcomes[name] = v;
      }
      const feats: Record<string, string | number> = {};
      for (const c of features) {
        const raw = cell(`${FEATURE}${c}`);
        if (raw === undefined) continue;
        const n = Number(raw);
        feats[c] = raw.trim() !== '' && Number.isFinite(n) ? n : raw;
      }
      const row: CampaignAssignment = {
        campaign_id: o.campaignId,
        customer_id: customer,
        arm,
        is_control: arm === o.control,
        assigned_at: assignedAt,
        segment: cell('segment') ?? null,
        coupon_code: cell('coupon_code') ?? null,
        outcomes: Object.keys(o.map.outcomes).length ? outcomes : null,
        features: features.length ? feats : null,
        source_file: path.basename(file),
      };
      return { row, key: `${o.campaignId}\u0001${customer}` };
    },
  );
  return { campaign_id: o.campaignId, ...counts };
}
