/**
 * Batch tables dropped into the landing prefix (ERP exports): product catalogue, stock snapshots, store list,
 * member list. They arrive whole (`load-table`, a snapshot) or as changes (Debezium change events, incremental files
 * with an updated_at watermark: src/contract/changes.ts).
 * Each schema validates one row after CSV/JSON parsing; curated columns are derived from these.
 */
import { z } from 'zod';
import { code, currencyCode, moneyInput } from './primitives.ts';
import { TIERS } from './payloads.ts';

export const productRow = z.object({
  sku: code.describe('Stock keeping unit'),
  name: z.string().min(1).max(300).describe('Product name'),
  category: z.string().min(1).max(100).describe('Top-level category'),
  subcategory: z.string().max(100).optional().describe('Sub-category'),
  brand: z.string().max(100).optional().describe('Brand'),
  list_price: moneyInput.meta({ column: 'decimal' }).describe('Regular shelf price'),
  currency: currencyCode.describe('ISO 4217 currency of list_price'),
  is_active: z.boolean().describe('Still sold'),
});

export const stockSnapshotRow = z.object({
  snapshot_date: z.iso.date().meta({ column: 'date' }).describe('Day of the count (end of day)'),
  store_id: code.describe('Store or warehouse code'),
  sku: code.describe('Stock keeping unit'),
  on_hand: z.int().min(0).max(10_000_000).describe('Units on hand'),
  lead_time_days: z.int().min(0).max(365).optional().describe('Days a replenishment order takes to arrive (supplier quote); ReplenishmentDue compares stock with forecast demand over it'),
});

export const storeRow = z.object({
  store_id: code.describe('Store code; ONLINE for the web shop'),
  name: z.string().min(1).max(200).describe('Store name'),
  city: z.string().max(100).describe('City'),
  region: z.string().max(100).describe('Region'),
  country: z.string().length(2).describe('ISO 3166-1 alpha-2 country'),
  is_online: z.boolean().describe('The online shop rather than a physical store'),
  opened_at: z.iso.date().meta({ column: 'date' }).optional().describe('Opening date'),
});

/** Members as the loyalty system holds them: no phone or e-mail here (those arrive hashed, on member events). */
export const memberRow = z.object({
  member_id: code.describe('Loyalty member id'),
  tier: z.enum(TIERS).describe('Tier: basic, silver, gold or platinum'),
  home_store_id: code.optional().describe('Store the member signed up in or is attached to'),
  joined_at: z.iso.date().meta({ column: 'date' }).optional().describe('Day the membership started'),
});

export const BATCH_TABLES = {
  products: { schema: productRow, key: ['sku'], description: 'Product catalogue from the ERP' },
  stock_snapshots: { schema: stockSnapshotRow, key: ['snapshot_date', 'store_id', 'sku'], description: 'Daily stock on hand per store and SKU' },
  stores: { schema: storeRow, key: ['store_id'], description: 'Stores and the online shop' },
  members: { schema: memberRow, key: ['member_id'], description: 'Loyalty members and their tier, from the loyalty system' },
} as const;
export type BatchTable = keyof typeof BATCH_TABLES;
