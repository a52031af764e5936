/**
 * The documentation of the views in sql/, read from each file's header block, and docs/sql.md rendered from it.
 * A view's header is its leading comment: `-- <view>: <description>`, optionally `-- materialised: ...` (the file
 * defines a table the pipeline writes, not a view to deploy), `-- grain: ...`, then `-- columns:` with one
 * `--   <column>: <description>` line per output column. Tests check every view has one that matches its columns;
 * `npx tsx src/tags/sql-docs.ts` rewrites docs/sql.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { listSqlViews, SQL_DIR, type SqlView } from '../lake/local-catalog.ts';

export interface ViewDoc {
  readonly name: string;
  /** Layer folder under sql/: staging, intermediate, marts, identity, settings. */
  readonly layer: string;
  readonly file: string;
  readonly description: string;
  readonly grain?: string;
  /** Set when the file defines a table the pipeline materialises (not deployed as a view). */
  readonly materialised?: string;
  readonly columns: readonly { readonly name: string; readonly description: string }[];
}

export class ViewDocError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ViewDocError';
  }
}

/** Parses the header block of one view file. */
export function parseViewDoc(view: SqlView): ViewDoc {
  const header: string[] = [];
  for (const line of view.sql.split('\n')) {
    if (!line.startsWith('--')) break;
    header.push(line.replace(/^-- ?/, ''));
  }
  const first = header[0] ?? '';
  if (!first.startsWith(`${view.name}: `)) {
    throw new ViewDocError(`${view.file}: the header must start with "-- ${view.name}: <description>", found ${JSON.stringify(first)}`);
  }
  const description: string[] = [first.slice(view.name.length + 2)];
  let grain: string | undefined;
  let materialised: string | undefined;
  const columns: { name: string; description: string }[] = [];
  let section: 'description' | 'columns' = 'description';
  for (const line of header.slice(1)) {
    if (line.startsWith('grain: ')) grain = line.slice(7);
    else if (line.startsWith('materialised: ')) materialised = line.slice(14);
    else if (line === 'columns:') section = 'columns';
    else if (section === 'columns') {
      const m = /^ {2}([a-z_][a-z0-9_]*): (.+)$/.exec(line);
      if (!m) throw new ViewDocError(`${view.file}: column doc lines read "--   <column>: <description>", found ${JSON.stringify(line)}`);
      columns.push({ name: m[1]!, description: m[2]! });
    } else description.push(line);
  }
  const layer = path.relative(SQL_DIR, path.dirname(view.file)).split(path.sep)[0] ?? '';
  return { name: view.name, layer, file: view.file, description: description.join('\n').trim(), grain, materialised, columns };
}

export function viewDocs(views: readonly SqlView[] = listSqlViews()): ViewDoc[] {
  return views.map(parseViewDoc);
}

/** Names of the files that define materialised tables rather than views (identity_map, customer_tags). */
export function materialisedTables(views: readonly SqlView[] = listSqlViews()): string[] {
  return viewDocs(views).filter((d) => d.materialised).map((d) => d.name);
}

const LAYERS: readonly [string, string][] = [
  ['settings', 'Settings'],
  ['staging', 'Staging: one view per source, typed and deduplicated'],
  ['identity', 'Identity'],
  ['intermediate', 'Intermediate: identity-resolved and fused'],
  ['marts', 'Marts: the tag library, customer_tags and customer_360'],
];

/** docs/sql.md, rendered from the view headers. */
export function renderSqlDocs(docs: readonly ViewDoc[] = viewDocs()): string {
  const out: string[] = [
    '# SQL views',
    '',
    '_Generated from the header of every file in `sql/` by `npx tsx src/tags/sql-docs.ts`; do not edit by hand._',
    '',
    'Every view is Trino SQL (Athena engine v3) that also runs on DuckDB; the DuckDB spellings of the few Trino',
    'functions that differ are macros in `sql/_dialect/duckdb.sql`, the only DuckDB-specific file. Tests parse every',
    'view with a Trino grammar, run it on DuckDB, and check its header documents exactly its columns. Tags are defined',
    'for business users in [tags.md](tags.md).',
    '',
    '| layer | view | grain | description |',
    '|---|---|---|---|',
  ];
  const ordered = LAYERS.flatMap(([layer]) => docs.filter((d) => d.layer === layer).sort((a, b) => a.name.localeCompare(b.name)));
  const firstSentence = (s: string) => s.replace(/\n/g, ' ').split(/(?<=\.)\s/)[0]!;
  for (const d of ordered) out.push(`| ${d.layer} | [\`${d.name}\`](#${d.name}) | ${d.grain ?? ''} | ${firstSentence(d.description)} |`);
  for (const [layer, title] of LAYERS) {
    const inLayer = ordered.filter((d) => d.layer === layer);
    if (!inLayer.length) continue;
    out.push('', `## ${title}`);
    for (const d of inLayer) {
      out.push('', `### ${d.name}`, '', `\`sql/${path.relative(SQL_DIR, d.file).split(path.sep).join('/')}\``, '');
      const [prose, ...rest] = d.description.split('\n\n');
      out.push(prose!.replace(/\n/g, ' '), '');
      for (const block of rest) out.push('```text', block, '```', '');
      if (d.materialised) out.push(`**Materialised:** ${d.materialised}.`, '');
      if (d.grain) out.push(`**Grain:** ${d.grain}.`, '');
      out.push('| column | description |', '|---|---|');
      for (const c of d.columns) out.push(`| \`${c.name}\` | ${c.description.replace(/\|/g, '\\|')} |`);
    }
  }
  return out.join('\n') + '\n';
}

export const SQL_DOCS_PATH = path.resolve(SQL_DIR, '..', 'docs', 'sql.md');

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  fs.writeFileSync(SQL_DOCS_PATH, renderSqlDocs());
  process.stdout.write(`wrote ${path.relative(process.cwd(), SQL_DOCS_PATH)}\n`);
}
