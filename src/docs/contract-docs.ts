/**
 * Generates the contract's documentation from the zod definitions: one JSON Schema per event type and version
 * (envelope + that payload) under docs/schemas/, and docs/contract.md with every table's columns. A test fails when
 * the committed files drift from the code; `npm run docs` rewrites them.
 */
import path from 'node:path';
import { z } from 'zod';
import { BATCH_TABLES, CHANGE_OPS, changeEventSchema, envelopeSchema, EVENT_TYPES, glueType, duckdbType, columnsOf, TABLES, type EventTypeDef } from '../contract/index.ts';
import { writeDocFiles } from './write-files.ts';

export function eventJsonSchema(type: string, version: number): object {
  const def = (EVENT_TYPES as Record<string, EventTypeDef>)[type]!;
  const schema = envelopeSchema.extend({
    source: z.literal(def.source),
    type: z.literal(type),
    schema_version: z.literal(version),
    payload: def.versions[version]!.schema,
  });
  return {
    $id: `https://retail-lake.dev/schemas/events/${type}.v${version}.json`,
    title: `${type} v${version}`,
    description: def.description,
    ...(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as object),
  };
}

/** Every generated file: relative path -> content. */
export function contractDocs(): Map<string, string> {
  const files = new Map<string, string>();
  const lines: string[] = [
    '# Event contract and lake tables',
    '',
    '_Generated from `src/contract/` by `npm run docs`; do not edit by hand._',
    '',
    '## Event types',
    '',
    '| type | source | versions | description | JSON Schema |',
    '|---|---|---|---|---|',
  ];
  for (const [type, def] of Object.entries(EVENT_TYPES) as [string, EventTypeDef][]) {
    const versions = Object.keys(def.versions).map(Number);
    for (const v of versions) {
      files.set(`docs/schemas/events/${type}.v${v}.json`, JSON.stringify(eventJsonSchema(type, v), null, 2) + '\n');
    }
    const links = versions.map((v) => `[v${v}](schemas/events/${type}.v${v}.json)`).join(', ');
    lines.push(`| \`${type}\` | ${def.source} | ${versions.join(', ')} | ${def.description} | ${links} |`);
  }
  files.set('docs/schemas/change-event.json', JSON.stringify({ $id: 'https://retail-lake.dev/schemas/change-event.json', title: 'ERP change event (Debezium envelope)', ...(z.toJSONSchema(changeEventSchema, { io: 'input', unrepresentable: 'any' }) as object) }, null, 2) + '\n');
  lines.push(
    '',
    '## Change events (ERP tables)',
    '',
    `The ERP tables (${Object.keys(BATCH_TABLES).map((t) => `\`${t}\``).join(', ')}) also arrive as changes, in Debezium's envelope ` +
      '(what most CDC tools emit on Kinesis or Kafka; the JSON converter\'s `{schema, payload}` wrapper is read too) or as ' +
      'incremental CSV files. [JSON Schema](schemas/change-event.json).',
    '',
    '| field | required | meaning |',
    '|---|---|---|',
    `| \`op\` | yes | ${CHANGE_OPS.join(', ')}: create, update, delete, snapshot read |`,
    '| `after` | c, u, r | the whole row after the change, with the table\'s columns below (unknown fields are dropped; a date may be Debezium\'s days since 1970-01-01) |',
    '| `before` | d | the row deleted, or at least its key columns |',
    '| `source.table` | yes | the ERP table: one of the names above |',
    '| `source.ts_ms` | yes | when the ERP committed the change, epoch milliseconds: the order of the history (2000-01-01 .. a day after receipt) |',
    '| `ts_ms` | no | when the connector read it (not used) |',
    '',
    'An incremental file has the table\'s columns plus `updated_at` (ISO 8601; without a zone it is UTC) and optionally ' +
      '`deleted` (true/false) or `op` (c/u/d/r; default u). Each valid change is one row of `curated_<table>_changes`; ' +
      'its `change_id` hashes table, op, key, time and row, so a change delivered twice (or in a file and on the stream) is ' +
      'stored once and counted as a duplicate. A bad one goes to `quarantine_events` (source `batch_<table>`, or `unknown` ' +
      'when the table cannot be read) with a reason code naming the field and the value. The history (SCD type 2: ' +
      '`valid_from`, `valid_to`, `version_number`, `is_deleted`, `is_current`) is the view `stg_<table>_history`, the ' +
      'current table `stg_<table>` (docs/sql.md); tags as of a day use the versions in force that day (docs/tags.md).',
    '',
    'Where they go: locally `retail-lake ingest FILE` (change events, one per line) and `retail-lake load-table <table> FILE ' +
      '--incremental`; in AWS the event stream (Kinesis, or the MSK topic), where the cleanser tells a change event from a ' +
      'lake event by its `op`, `source` and `before`/`after`, and the landing prefix (`landing/<table>/`, a file with an ' +
      '`updated_at` column). There the change logs are gzip JSON lines under `<table>_changes/` of the curated bucket ' +
      '(Glue reads them as JSON; locally Parquet), the same rows and the same views (docs/deploy.md, "ERP tables").',
  );
  lines.push('', '## Tables', '');
  for (const t of TABLES) {
    lines.push(`### \`${t.name}\``, '', `${t.description}. Location: \`${t.zone}/${t.path}/\`` +
      (t.partitionKeys.length ? `, partitioned by ${t.partitionKeys.map((k) => `\`${k}\``).join(', ')}.` : '.'), '');
    lines.push('| column | Athena/Glue | DuckDB/Parquet | nullable | description |', '|---|---|---|---|---|');
    for (const c of columnsOf(t.schema)) {
      lines.push(`| \`${c.name}\` | ${glueType(c.type)} | ${duckdbType(c.type)} | ${c.nullable ? 'yes' : 'no'} | ${c.description} |`);
    }
    lines.push('');
  }
  files.set('docs/contract.md', lines.join('\n'));
  return files;
}

export function writeContractDocs(root: string): string[] {
  return writeDocFiles(root, contractDocs());
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const written = writeContractDocs(process.cwd());
  process.stdout.write(`wrote ${written.length} files\n`);
}
