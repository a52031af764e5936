/**
 * Erasure receipts and the models they flag. A receipt is kept in the lake (`privacy/erasures/<id>.json`) and holds
 * no personal data: a keyed digest of the request, when, why, what was rewritten (table, partition, rows removed)
 * and which stored models were trained on data of the people erased. `retail-lake train` reads the receipts to
 * report models still flagged (their `latest` version is one a receipt names) and `--retrain` retrains them.
 */
import fs from 'node:fs';
import { lakeFile, lakeFiles, lakeRel } from '../lake/commit.ts';
import { latestKey, MODEL_ZONE } from '../models/store.ts';
import type { Removal } from './lake-scan.ts';

export const ERASURES_PREFIX = 'privacy/erasures';

export interface FlaggedModel {
  readonly model: string;
  readonly version: string;
  readonly data_window: { readonly from: string | null; readonly to: string };
  /** Days of the erased people's data inside the window. */
  readonly erased_days_in_window: number;
}

export interface ErasureReceipt {
  readonly receipt_id: string;
  readonly kind: 'erasure';
  /** HMAC-SHA256 (the lake's PII key as the secret salt) of the request's selectors: proves which request, names nobody. */
  readonly request_digest: string;
  readonly requested_at: string;
  readonly completed_at: string;
  readonly reason: string | null;
  readonly selectors: number;
  readonly people: number;
  /** Selectors no customer of the identity graph matched (their identifier was still erased and suppressed). */
  readonly unmatched_selectors: number;
  readonly identifiers_suppressed: number;
  readonly rows_removed: number;
  readonly partitions: ReadonlyArray<{ table: string; partition: string; rows_removed: number; files_rewritten: number; files_removed: number }>;
  readonly models_flagged: readonly FlaggedModel[];
  /** Derived files removed because they quoted the people (rebuild them), e.g. reports/report.html. */
  readonly removed_outputs: readonly string[];
  readonly seconds: number;
}

/** Every stored model version with its card's data window. */
export function storedModels(lakeDir: string): Array<{ model: string; version: string; from: string | null; to: string }> {
  const out: Array<{ model: string; version: string; from: string | null; to: string }> = [];
  for (const f of lakeFiles(lakeDir, MODEL_ZONE, 'card.json')) {
    const parts = lakeRel(lakeDir, f).split('/');
    if (parts.length !== 4) continue;
    try {
      const card = JSON.parse(fs.readFileSync(f, 'utf8')) as { data_window?: { from: string | null; to: string } };
      if (!card.data_window?.to) continue;
      out.push({ model: parts[1]!, version: parts[2]!, from: card.data_window.from ?? null, to: card.data_window.to });
    } catch {
      // a card that cannot be read says nothing about its data; `train` reports such cards itself
    }
  }
  return out;
}

/** Days (YYYY-MM-DD) of the removed rows, from dated partitions (dt=, as_of=) of the removals. */
export function removedDays(removals: readonly Removal[]): Set<string> {
  const days = new Set<string>();
  for (const r of removals) {
    const m = /(?:^|\/)(?:dt|as_of)=(\d{4}-\d{2}-\d{2})/.exec(r.partition);
    if (m) days.add(m[1]!);
  }
  return days;
}

/** Models whose training window holds a day of the erased people's data. */
export function flagModels(lakeDir: string, days: ReadonlySet<string>): FlaggedModel[] {
  return flagModelList(storedModels(lakeDir), days);
}

/** Of these stored models (wherever they are kept), those whose training window holds one of the days. */
export function flagModelList(models: ReadonlyArray<{ model: string; version: string; from: string | null; to: string }>, days: ReadonlySet<string>): FlaggedModel[] {
  const sorted = [...days].sort();
  return models
    .map((m) => ({ ...m, n: sorted.filter((d) => (m.from === null || d >= m.from) && d <= m.to).length }))
    .filter((m) => m.n > 0)
    .map((m) => ({ model: m.model, version: m.version, data_window: { from: m.from, to: m.to }, erased_days_in_window: m.n }))
    .sort((a, b) => a.model.localeCompare(b.model) || a.version.localeCompare(b.version));
}

export function readReceipts(lakeDir: string): ErasureReceipt[] {
  return lakeFiles(lakeDir, ERASURES_PREFIX, '.json').map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as ErasureReceipt);
}

/** Models whose `latest` version an erasure receipt flagged: they still carry erased people's data. */
export function flaggedLatestModels(lakeDir: string): Array<{ model: string; version: string; receipts: string[] }> {
  const byVersion = new Map<string, string[]>();
  for (const r of readReceipts(lakeDir)) for (const m of r.models_flagged) byVersion.set(`${m.model}/${m.version}`, [...(byVersion.get(`${m.model}/${m.version}`) ?? []), r.receipt_id]);
  const out: Array<{ model: string; version: string; receipts: string[] }> = [];
  for (const key of byVersion.keys()) {
    const [model, version] = key.split('/') as [string, string];
    const f = lakeFile(lakeDir, latestKey(model));
    const latest = f ? fs.readFileSync(f, 'utf8').trim() : undefined;
    if (latest === version) out.push({ model, version, receipts: byVersion.get(key)! });
  }
  return out.sort((a, b) => a.model.localeCompare(b.model));
}
