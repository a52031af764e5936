/**
 * How long each zone keeps data: one schema and one set of defaults for both sides. The CDK app reads them from
 * the context (`retailLake.retention`, lib/config.ts) and turns them into S3 lifecycle rules and the EventBridge
 * archive's retention; the CLI reads them from RETAIL_LAKE_RETENTION (src/config/local.ts) and `retail-lake
 * retention apply` deletes what is older (src/lake/retention.ts). Where each zone's data lives is listed here too,
 * so both sides expire the same places.
 *
 * @example RETAIL_LAKE_RETENTION="raw=400,quarantine=90,events=365" retail-lake retention apply --dry-run
 */
import { z } from 'zod';

export const RETENTION_ZONES = ['raw', 'quarantine', 'events'] as const;
export type RetentionZone = (typeof RETENTION_ZONES)[number];

const days = (min: number, max: number, what: string) =>
  z.coerce
    .number()
    .int(`must be a whole number of days (${what})`)
    .min(min, `must be at least ${min} days (${what})`)
    .max(max, `must be at most ${max} days (${what})`);

/** Days each zone keeps a partition (an object, an archived event) after the day it was written. */
export const retentionSchema = z
  .object({
    /** Received events and order exports as sent (raw phones and e-mails). At least 30: the raw bucket moves objects to Infrequent Access at 30 days. */
    raw: days(30, 3650, 'raw zone: received events and order exports').default(400),
    /** Rejected records and their messages (raw personal data, kept to be fixed and replayed). */
    quarantine: days(7, 3650, 'quarantine zone: rejected records').default(90),
    /** Published model events (local events/, the EventBridge archive). 0 keeps them for ever. */
    events: days(0, 36_500, 'model events and their archive; 0 keeps them for ever').default(365),
  })
  .strict();

export type Retention = z.output<typeof retentionSchema>;

export const DEFAULT_RETENTION: Retention = retentionSchema.parse({});

/**
 * Where a zone's dated data lives in the local lake: folders whose files carry their day in a `dt=YYYY-MM-DD`
 * folder (raw/stream/dt=D: the day received; quarantine/events/source=S/dt=D: the day quarantined) or in the file
 * name (events/YYYY-MM-DD.jsonl: the day published). Files without a day (quarantine/import_specs) never expire:
 * quarantined rows of any age may refer to them.
 */
export const LOCAL_RETENTION_PLACES: Readonly<Record<RetentionZone, readonly string[]>> = {
  raw: ['raw'],
  quarantine: ['quarantine/events'],
  events: ['events'],
};

/** A lake bucket of the CDK app (lib/stacks/lake-stack.ts). */
export type LakeBucketName = 'raw' | 'curated' | 'quarantine';

/**
 * Where a zone's data lives on AWS, as S3 key prefixes (expired by lifecycle rules counting from each object's
 * creation, as the local days count from the day written). The events zone is the EventBridge archive, not S3.
 * - raw: the whole raw bucket (order exports under the landing prefix, and anything else landed there);
 * - quarantine: `events/` of the quarantine bucket (the quarantine_events table; `import_specs/` is left: a spec is
 *   written once and explains quarantined rows of any later age), and `_firehose_errors/` of the curated bucket
 *   (records Firehose could not convert or deliver: rejected records like the quarantine's).
 */
export const AWS_RETENTION_PLACES: ReadonlyArray<{ readonly zone: Exclude<RetentionZone, 'events'>; readonly bucket: LakeBucketName; readonly prefix: string }> = [
  { zone: 'raw', bucket: 'raw', prefix: '' },
  { zone: 'quarantine', bucket: 'quarantine', prefix: 'events/' },
  { zone: 'quarantine', bucket: 'curated', prefix: '_firehose_errors/' },
];

/** A retention setting that fails the schema. */
export class RetentionConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RetentionConfigError';
  }
}

/**
 * Parses `zone=days,...` (RETAIL_LAKE_RETENTION); unset zones keep their defaults. `what` names the setting in
 * the error, e.g. "environment variable RETAIL_LAKE_RETENTION".
 */
export function parseRetention(text: string | undefined, what = 'retention'): Retention {
  const raw: Record<string, string> = {};
  for (const part of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z_]+)\s*=\s*(.*)$/.exec(part);
    if (!m) throw new RetentionConfigError(`${what}: ${JSON.stringify(part)} is not zone=days (expected e.g. raw=400,quarantine=90,events=365)`);
    if (!(RETENTION_ZONES as readonly string[]).includes(m[1]!)) {
      throw new RetentionConfigError(`${what}: unknown zone ${JSON.stringify(m[1])} (expected ${RETENTION_ZONES.join(', ')})`);
    }
    if (m[1]! in raw) throw new RetentionConfigError(`${what}: zone ${m[1]} is given twice`);
    if (!/^\d+$/.test(m[2]!.trim())) throw new RetentionConfigError(`${what}: ${m[1]} must be a whole number of days, received ${JSON.stringify(m[2])}`);
    raw[m[1]!] = m[2]!.trim();
  }
  const r = retentionSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new RetentionConfigError(`${what}: ${String(i.path[0])} ${i.message} (received ${JSON.stringify(raw[String(i.path[0])])})`, { cause: r.error });
  }
  return r.data;
}
