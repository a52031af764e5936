/**
 * Generates docs/events/: one JSON Schema per detail type (the `detail` of the EventBridge event) and a README
 * index, from the zod schemas in schemas.ts. A test fails when the committed files drift; regenerate with
 * `npx tsx src/events/docs.ts`.
 */
import path from 'node:path';
import { z } from 'zod';
import { DETAIL_SCHEMAS, EVENT_SOURCE, type DetailType } from './schemas.ts';
import { writeDocFiles } from '../docs/write-files.ts';

export function detailJsonSchema(detailType: DetailType): object {
  const schema = DETAIL_SCHEMAS[detailType];
  return {
    $id: `https://retail-lake.dev/schemas/events/${detailType}.json`,
    title: detailType,
    ...(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as object),
  };
}

/** Relative path -> content of every generated file. */
export function eventDocs(): Map<string, string> {
  const files = new Map<string, string>();
  const rows: string[] = [];
  for (const t of Object.keys(DETAIL_SCHEMAS) as DetailType[]) {
    files.set(`docs/events/${t}.json`, JSON.stringify(detailJsonSchema(t), null, 2) + '\n');
    rows.push(`| \`${t}\` | ${DETAIL_SCHEMAS[t].description ?? ''} | [${t}.json](${t}.json) |`);
  }
  files.set(
    'docs/events/README.md',
    [
      '# Events',
      '',
      '_Generated from `src/events/schemas.ts` by `npx tsx src/events/docs.ts`; do not edit by hand._',
      '',
      '```bash',
      'retail-lake score                  # publishes the events the change since the previous scoring calls for',
      'retail-lake events --since 2025-12-01 --json',
      '```',
      '',
      `Every event is an EventBridge PutEvents entry with \`Source\` = \`${EVENT_SOURCE}\`, \`DetailType\` one of the`,
      'types below and `Detail` the JSON object described by its schema. Locally the entries are appended to',
      '`<lake>/events/YYYY-MM-DD.jsonl` (one entry per line, `{Source, DetailType, Detail, EventBusName, Time}`, Detail',
      'as a string); in AWS they go to the EventBridge bus.',
      '',
      '`detail.event_id` is stable: a hash of the detail type, the subject (customer, or store and SKU) and the state that',
      'changed with the as-of date it was first seen. Events are emitted on change only: scoring the same data again',
      'publishes nothing (ids already published are skipped), and subscribers deduplicate on the id (the coupon issuer',
      'issues at most one coupon per event id).',
      '',
      '| detail type | when | schema |',
      '|---|---|---|',
      ...rows,
      '',
      '**Consent** (the `consent` tag of the scored snapshot, so consent as of `as_of`; docs/privacy.md): customers who',
      'refused profiling are not scored, so no event is about them. `CustomerChurnRiskRaised` and `HighValueCustomerAtRisk`',
      'are marketing events: they are emitted only for customers with marketing consent on at least one channel, and',
      '`marketing_channels` lists the channels (`sms`, `email`, `app_push`, `wechat`) a subscriber may use. The coupon',
      'issuer issues nothing for an event without it. `CustomerSegmentChanged` is not a marketing event (CRM sync).',
      '',
      'Rules and thresholds: `src/events/rules.ts` (`--rules FILE` or `RETAIL_LAKE_EVENT_RULES`).',
      '',
      '**From the stream** (`CartAbandoned`, `VipArrived`, `ServiceRecoveryNeeded`): decided by the stream rules on event time',
      'with a watermark, during `ingest` and the demo locally, by the Kinesis consumer in AWS; same bus, same source, ids',
      'that a replay or another arrival order reproduces. `CartAbandoned` is a marketing event (cart-recovery coupon); see',
      '[docs/realtime.md](../realtime.md). Thresholds: `src/realtime/config.ts` (`RETAIL_LAKE_REALTIME_RULES`).',
      '',
    ].join('\n'),
  );
  return files;
}

export function writeEventDocs(root: string): string[] {
  return writeDocFiles(root, eventDocs());
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  process.stdout.write(`wrote ${writeEventDocs(process.cwd()).length} files\n`);
}
