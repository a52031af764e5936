/**
 * Generates the contract's documentation from the zod definitions: one JSON Schema per event type and version
 * (envelope + that payload) under docs/schemas/, and docs/contract.md with every table's columns. A test fails when
 * the committed files drift from the code; `npm run docs` rewrites them.
 */
import path from 'node:path';
import { z } from 'zod';
import { envelopeSchema, EVENT_TYPES, glueType, duckdbType, columnsOf, TABLES, type EventTypeDef } from '../contract/index.ts';
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
