/** The order-import Lambda's environment, as the CDK OrderImportFunction sets it; the CSV mapping is validated here. */
import { z } from 'zod';
import { parseDelimiter } from '../../src/ingest/csv.ts';
import { parseColumnMap, type ColumnMap } from '../../src/ingest/order-import-core.ts';
import { readEnv } from '../shared/env.ts';

const checked = <T>(parse: (s: string) => T, expected: string) =>
  z.string().transform((s, ctx) => {
    try {
      return parse(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `${(e as Error).message.replace(/^--\w[\w-]*:? ?/, '')} (expected ${expected})` });
      return z.NEVER;
    }
  });

export const orderImportEnv = z.object({
  DEDUP_TABLE: z.string().min(1),
  DEDUP_TTL_DAYS: z.coerce.number().int().min(1),
  /** Firehose delivery stream of curated_order_lines (Parquet, partitioned by source/dt). */
  ORDER_LINES_DELIVERY_STREAM: z.string().min(1),
  QUARANTINE_BUCKET: z.string().min(3),
  /** Keys outside this prefix are ignored (the rule filters on it too). */
  LANDING_PREFIX: z.string().regex(/^[^/].*\/$/, 'must be a key prefix ending in /, e.g. landing/orders/'),
  /** `retail-lake import-orders --map` syntax: field=COLUMN,... */
  IMPORT_MAP: checked<ColumnMap>(parseColumnMap, 'e.g. customer_id=customer_id,order_id=order_id,sku=sku,quantity=quantity,unit_price=unit_price,ordered_at=ordered_at'),
  IMPORT_DELIMITER: checked(parseDelimiter, 'comma, tab, ;, pipe or whitespace').default(','),
  IMPORT_HEADER: z.enum(['true', 'false']).transform((v) => v === 'true').default(true),
  IMPORT_DATE_FORMAT: z.string().min(1).optional(),
  IMPORT_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY').default('CNY'),
  IMPORT_TIME_ZONE: z.string().min(1).default('Asia/Shanghai'),
  /**
   * Rows ordered before this date are quarantined (timestamp.implausible) rather than written to a dt partition
   * Athena does not project (the deployment's firstDataDate). @default the importer's own floor
   */
  IMPORT_EARLIEST: z.iso.date().optional(),
  MAX_RECORD_BYTES: z.coerce.number().int().min(1024).default(262_144),
  /** Secret holding the PII hashing key (the cleanser's): customer ids that are phones or e-mails are hashed with it. */
  PII_SECRET_ID: z.string().min(1),
  PHONE_REGION: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 region such as CN').default('CN'),
  /** Bucket holding privacy/suppression/ (erased people's digests): their rows are counted `suppressed`. Unset: none read. */
  SUPPRESSION_BUCKET: z.string().min(3).optional(),
  /** Seconds a warm container keeps the suppression list before reading it again. @default 300 */
  SUPPRESSION_TTL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
});

export type OrderImportEnv = z.output<typeof orderImportEnv>;

export const readOrderImportEnv = (env: NodeJS.ProcessEnv = process.env): OrderImportEnv => readEnv(orderImportEnv, env);
