/**
 * The non-event outputs: ERP-style batch CSVs (columns taken from the contract's row schemas, never retyped),
 * the ground truth the pipeline must not read, and the manifest.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { productRow, stockSnapshotRow, storeRow } from '../contract/index.ts';
import { CATEGORIES, type Catalog } from './catalog.ts';
import type { Day } from './calendar.ts';
import { e164 } from './identity.ts';
import type { Person } from './people.ts';
import type { DirtyRecord } from './sink.ts';
import type { StockLedger } from './stock.ts';

type Cell = string | number | boolean | undefined;

function csvCell(v: Cell): string {
  if (v === undefined) return '';
  const s = typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV text with the schema's columns, in the schema's order. */
function csv(header: readonly string[], records: Iterable<Record<string, Cell>>): string {
  const out = [header.join(',')];
  for (const r of records) out.push(header.map((h) => csvCell(r[h])).join(','));
  return `${out.join('\n')}\n`;
}

export const PRODUCT_COLUMNS = Object.keys(productRow.shape);
export const STORE_COLUMNS = Object.keys(storeRow.shape);
export const STOCK_COLUMNS = Object.keys(stockSnapshotRow.shape);

/** The lead time the ERP quotes: the longest a simulated delivery takes (src/generate/stock.ts: 2-4 days). */
export const SUPPLIER_LEAD_TIME_DAYS = 4;

/** Writes batch/products.csv, stores.csv and stock_snapshots.csv; returns row counts. */
export async function writeBatch(outDir: string, catalog: Catalog, stock: StockLedger, days: readonly Day[]) {
  await mkdir(join(outDir, 'batch'), { recursive: true });
  const products = [...catalog.skus]
    .sort((a, b) => (a.sku < b.sku ? -1 : 1))
    .map((s) => ({
      sku: s.sku,
      name: s.name,
      category: CATEGORIES[s.category]!.name,
      subcategory: s.subcategory,
      brand: s.brand,
      list_price: s.listPrice.toFixed(2),
      currency: 'CNY',
      is_active: s.isActive,
    }));
  const stores = catalog.stores.map((s) => ({
    store_id: s.storeId,
    name: s.name,
    city: s.city,
    region: s.region,
    country: 'CN',
    is_online: s.isOnline,
    opened_at: s.openedAt,
  }));
  let stockRows = 0;
  const snapshot = function* () {
    for (const [snapshot_date, store_id, sku, on_hand] of stock.rows(days)) {
      stockRows++;
      yield { snapshot_date, store_id, sku, on_hand, lead_time_days: SUPPLIER_LEAD_TIME_DAYS };
    }
  };
  await writeFile(join(outDir, 'batch', 'products.csv'), csv(PRODUCT_COLUMNS, products));
  await writeFile(join(outDir, 'batch', 'stores.csv'), csv(STORE_COLUMNS, stores));
  await writeFile(join(outDir, 'batch', 'stock_snapshots.csv'), csv(STOCK_COLUMNS, snapshot()));
  return { products: products.length, stores: stores.length, stock_snapshots: stockRows };
}

/**
 * ground_truth/persons.jsonl and dirty.jsonl. `wechat`: the official-account openid and union id of people active on
 * the brand's WeChat (social.ts), listed with their other identifiers.
 */
export async function writeGroundTruth(outDir: string, people: readonly Person[], days: readonly Day[], dirty: readonly DirtyRecord[], wechat: ReadonlyMap<number, { officialAccountOpenid: string; unionid: string }> = new Map()) {
  await mkdir(join(outDir, 'ground_truth'), { recursive: true });
  const persons = people.map((p) => {
    const churned = p.state.churnDay < days.length ? days[p.state.churnDay]!.date : null;
    return JSON.stringify({
      person_id: p.personId,
      latent_type: p.type,
      churned_at: churned,
      signup_at: p.signupDate,
      identities: {
        member_id: p.memberId,
        phones: p.phones.map(e164),
        emails: p.emails,
        device_ids: p.devices.map((d) => d.id),
        openids: [...(p.openid ? [p.openid] : []), ...(wechat.has(p.index) ? [wechat.get(p.index)!.officialAccountOpenid] : [])],
        guest_ids: p.guestIds,
        ...(wechat.has(p.index) ? { unionids: [wechat.get(p.index)!.unionid] } : {}),
      },
    });
  });
  await writeFile(join(outDir, 'ground_truth', 'persons.jsonl'), persons.length ? `${persons.join('\n')}\n` : '');
  const lines = dirty.map((d) => JSON.stringify(d));
  await writeFile(join(outDir, 'ground_truth', 'dirty.jsonl'), lines.length ? `${lines.join('\n')}\n` : '');
}

/** Object with keys sorted, so counts print the same whatever order events were seen in. */
export function sortedCounts(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]!]));
}
