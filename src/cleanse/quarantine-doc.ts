/**
 * Generates docs/quarantine.md from the closed reason list (reasons.ts), the quarantine table's schema (contract) and
 * one example record per reason, whose message is produced by the real cleanser or importer — so the page cannot
 * drift from the code. Run: npx tsx src/cleanse/quarantine-doc.ts (test/cleanse/quarantine-doc.test.ts checks it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { columnsOf, quarantineRow } from '../contract/index.ts';
import { createCleanser } from './cleanser.ts';
import { REASONS, type ReasonCode } from './reasons.ts';
import { createPii } from './pii.ts';
import { evaluateRecord, parseColumnMap, resolveSpec, RowReader } from '../ingest/order-import.ts';

const DOC_PII_KEY = 'documentation-example-key-0123';

interface Example {
  /** An event record (JSON text, or bytes as hex), or an order-export row under EXPORT_HEADER. */
  readonly event?: string;
  readonly eventHex?: string;
  readonly row?: string;
  /** What to do about it. */
  readonly fix: string;
}

const EXPORT_HEADER = 'InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID';
const ok = (payload: string, extra = '') =>
  `{"event_id":"e1","source":"pos","type":"pos.sale","schema_version":1,"occurred_at":"2024-03-01 10:15:00"${extra},"payload":${payload}}`;
const LINES = '[{"sku":"SKU-1","quantity":2,"unit_price":"9.99"}]';

const EXAMPLES: Record<ReasonCode, Example> = {
  'encoding.invalid_utf8': { eventHex: '7b226576656e745f6964223a22e4b8227d', fix: 'Fix the producer\'s encoding (send UTF-8); the exact bytes are kept as base64.' },
  'payload.too_large': { event: `{"event_id":"e1","payload":{"text":"${'x'.repeat(40)}…1 MB…"}}`, fix: 'Split the record or raise RETAIL_LAKE_MAX_RECORD_BYTES, then replay.' },
  'json.malformed': { event: '{"event_id":"e1","source":"pos"', fix: 'Fix the producer (truncated writes, concatenated records, non-JSON).' },
  'csv.malformed': { row: '536365,"85123A,6,2010-12-01 08:26:00,2.55,17850.0', fix: 'Fix the export (quoting, delimiter) and import the file again.' },
  'schema.missing_field': { event: ok('{"currency":"CNY","lines":[]}'), fix: 'Send the field; if the contract is wrong, fix it (new version) and replay.' },
  'schema.invalid_type': { event: ok(`{"order_id":"R1","currency":"CNY","lines":[{"sku":"SKU-1","quantity":"2","unit_price":"9.99"}]}`), fix: 'Send the documented JSON type.' },
  'schema.unknown_type': { event: '{"event_id":"e1","source":"pos","type":"pos.refund","schema_version":1,"occurred_at":"2024-03-01 10:15:00","payload":{}}', fix: 'Add the type to the contract (src/contract/registry.ts) and replay, or fix the producer.' },
  'schema.unknown_version': { event: '{"event_id":"e1","source":"pos","type":"pos.sale","schema_version":2,"occurred_at":"2024-03-01 10:15:00","payload":{}}', fix: 'Register the version with an upgrade to the canonical shape, then replay.' },
  'value.out_of_range': { event: ok(`{"order_id":"R1","currency":"CNY","lines":[{"sku":"SKU-1","quantity":-2,"unit_price":"9.99"}]}`), fix: 'Fix the producer; returns are pos.sale with transaction_type "return".' },
  'value.not_allowed': { event: ok(`{"order_id":"R1","currency":"CNY","payment_method":"bitcoin","lines":${LINES}}`), fix: 'Use an allowed value, or extend the enumeration in the contract and replay.' },
  'value.invalid_format': { event: ok(`{"order_id":"R1","currency":"ABC","lines":${LINES}}`), fix: 'Send the documented format (ISO 4217 currency, decimal strings such as "12.50").' },
  'timestamp.invalid': { event: ok(`{"order_id":"R1","currency":"CNY","lines":${LINES}}`).replace('"2024-03-01 10:15:00"', '"03/01/2024 10:15"'), fix: 'Send ISO 8601 with offset, local "YYYY-MM-DD HH:mm:ss" or epoch s/ms; for imports pass --date-format.' },
  'timestamp.implausible': { event: ok(`{"order_id":"R1","currency":"CNY","lines":${LINES}}`).replace('"2024-03-01 10:15:00"', '0'), fix: 'Fix the producer clock; events before 2000 (imports: before 1990) or more than a day ahead are refused.' },
  'reference.unknown_sku': { event: ok(`{"order_id":"R1","currency":"CNY","lines":[{"sku":"SKU-404","quantity":1,"unit_price":"9.99"}]}`), fix: 'Load the product catalogue that has the SKU (load-table products), then replay --reason reference.unknown_sku.' },
  'cleanser.unexpected_error': { fix: 'A bug in the cleanser: report it with the record; after the fix, replay --reason cleanser.unexpected_error.' },
};

const RECEIVED = Date.UTC(2025, 5, 1);

/** The documented example of a reason, run through the current code. */
export function exampleFor(reason: ReasonCode): { input: string; message: string } | undefined {
  const e = EXAMPLES[reason];
  if (e.row) {
    const spec = resolveSpec(parseColumnMap('order_id=InvoiceNo,sku=StockCode,quantity=Quantity,ordered_at=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID'), EXPORT_HEADER.split(','), {
      delimiter: ',',
      dateFormat: null,
      currency: 'GBP',
      timeZone: 'Europe/London',
      earliest: '1990-01-01',
      maxRecordBytes: 262_144,
    });
    const bytes = Buffer.from(e.row);
    const r = evaluateRecord({ bytes, size: bytes.length }, spec, new RowReader(spec, RECEIVED, createPii({ piiKey: DOC_PII_KEY })));
    return r.kind === 'rejected' ? { input: `${EXPORT_HEADER}\n${e.row}`, message: `${r.error.reason}: ${r.error.message}` } : undefined;
  }
  // "…1 MB…" stands for a megabyte of text, shown abbreviated.
  const data = e.eventHex ? Buffer.from(e.eventHex, 'hex') : e.event ? Buffer.from(e.event.replace('…1 MB…', 'x'.repeat(1024 * 1024))) : undefined;
  if (!data) return undefined;
  const cleanser = createCleanser({ piiKey: DOC_PII_KEY, knownSkus: new Set(['SKU-1']) });
  const o = cleanser.cleanse({ data, origin: 'doc', receivedAt: RECEIVED });
  const input = e.eventHex ? `bytes ${e.eventHex.replace(/(..)/g, '$1 ').trim()} ({"event_id":" then a CJK character cut after 2 of its 3 bytes)` : e.event!;
  return o.kind === 'quarantine' ? { input, message: o.row.message } : undefined;
}

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', '<br>');

export function renderQuarantineDoc(): string {
  const out: string[] = [];
  out.push(`<!-- Generated by src/cleanse/quarantine-doc.ts from src/cleanse/reasons.ts; do not edit by hand. -->
# Quarantine

\`\`\`sh
retail-lake query "select reason_code, count(*) as n from quarantine_events group by 1 order by n desc"
retail-lake query "select origin, field_path, message from quarantine_events where reason_code = 'value.out_of_range' limit 20"
retail-lake replay --from quarantine --reason reference.unknown_sku --json
\`\`\`

Every record the cleanser (stream events) or an importer (order exports, ERP tables) rejects becomes one row of
\`quarantine_events\` (local: \`quarantine/events/source=<source>/dt=<received date>/*.parquet\`; AWS: the same prefix
in the lake bucket, catalogued in Glue). Nothing is dropped: one record in, exactly one record out — clean,
quarantined or duplicate — and \`received = clean + quarantined + duplicates\` in every \`--json\` summary.

A rejected record is never retried by the event source and never blocks its batch; only a failed write is.

## Columns
| column | type | meaning |
|---|---|---|
${columnsOf(quarantineRow).map((c) => `| \`${c.name}\` | ${c.type} | ${cell(c.description)} |`).join('\n')}

\`origin\` says where the record came from: \`kinesis:<shard>:<sequence>\` (locally \`kinesis:local-<file>:<line>\`),
\`kafka:<topic>:<partition>:<offset>\`, \`import:<settings id>:<file>:<line>:<repeat>\` for order-export rows (the
settings of that import are kept in \`quarantine/import_specs/<settings id>.json\`, so replay can read the row again),
\`file:<file>:<line>\` for ERP batch tables.

## Reason codes
The list is closed: dashboards, alarms and \`replay --reason\` key on these strings. Codes are added, never renamed.
The examples below were run through the current cleanser / importer to produce the message shown.

| code | meaning | what to do |
|---|---|---|
${(Object.keys(REASONS) as ReasonCode[]).map((r) => `| \`${r}\` | ${cell(REASONS[r])} | ${cell(EXAMPLES[r].fix)} |`).join('\n')}

### Examples
`);
  for (const r of Object.keys(REASONS) as ReasonCode[]) {
    const ex = exampleFor(r);
    out.push(`#### \`${r}\`\n${REASONS[r]}.\n`);
    if (!ex) {
      out.push('No example: this code means the cleanser itself failed; the record is kept so that nothing is lost.\n');
      continue;
    }
    out.push(`Input:\n\`\`\`\n${ex.input}\n\`\`\`\nMessage:\n\`\`\`\n${ex.message}\n\`\`\`\n`);
  }
  out.push(`## Replay
\`retail-lake replay --from quarantine [--reason CODE] [--json]\` re-runs quarantined records through the current code:
stream records through the cleanser (with the time they were first received, so "a day after receipt" still means
the original receipt), order-export rows through the importer with the settings of their import.

- A record that passes now is written to curated **exactly once** (the dedup store knows everything already in the
  lake; an event that a producer re-sent meanwhile counts as a duplicate) and **leaves** the quarantine table.
- A record that still fails **stays, once**: its row is rewritten in place with its current reason, field and message
  and \`replayed_at\`. Replaying again does not add rows.
- So \`quarantine_events\` always holds what is rejected *now*, and curated + quarantine reconcile with everything
  ever received. The choice over "append a new row and mark the old one": no consumer has to filter superseded rows.
- Crash safety: curated rows are written first, then each affected quarantine file is rewritten (new file renamed in,
  then the old one deleted). A crash between the two leaves a record in both; the next replay finds it already clean
  (a duplicate) and removes it from quarantine. A crash inside a file swap can leave a row twice; the next rewrite
  folds the copies.
- Rows from ERP batch tables (\`source = batch_<table>\`) are not replayed: fix the file and load the table again.
- An order export imported again with corrected options (e.g. \`--date-format\`) takes the rows it now accepts out of
  quarantine by itself: export rows are identified by their bytes and repeat number, not by the import settings.

## Duplicates in quarantine
Quarantined records are deduplicated like clean ones, on \`quarantine_id\` (a hash of origin and bytes; for export
rows, of the bytes and repeat number): a Kinesis batch redelivered after a failed write, a shard replayed from
TRIM_HORIZON or a file ingested twice counts the rejected records as duplicates instead of quarantining them again.
The same bad bytes delivered twice as two records (two sequence numbers) are two quarantine rows.

## Privacy
\`raw_payload\` holds the record as received, personal data included — it must, to be replayable. The quarantine zone
is therefore as restricted as the raw zone (no analyst access; in AWS only the cleanser and replay roles read it), and
an erasure request covers it as well as raw. The curated zone never holds a raw phone number or e-mail.
`);
  return out.join('\n');
}

export const QUARANTINE_DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/quarantine.md');

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  fs.mkdirSync(path.dirname(QUARANTINE_DOC), { recursive: true });
  fs.writeFileSync(QUARANTINE_DOC, renderQuarantineDoc());
  process.stdout.write(`wrote ${QUARANTINE_DOC}\n`);
}
