/**
 * The model card: what a model is, what it was trained on, what goes in and how good it is. `card.json` is the
 * source of truth (validated by `modelCardSchema`); `card.md` is rendered from it. Models add their own sections
 * as extra top-level keys (segments: `segments`; churn: `calibration`; clv: `bgnbd`, `gammaGamma`), which
 * the renderer turns into tables without knowing them.
 */
import { z } from 'zod';
import { ModelError } from './errors.ts';

const isoDate = z.iso.date();

export const cardFeatureSchema = z.object({
  name: z.string().min(1),
  column: z.string().min(1),
  meaning: z.string(),
  missing: z.string(),
  fill: z.number(),
  encoding: z.union([
    z.object({ kind: z.literal('number') }),
    z.object({ kind: z.literal('equals'), value: z.string() }),
    z.object({ kind: z.literal('days_until_as_of') }),
    z.object({ kind: z.literal('ordinal'), levels: z.array(z.string()) }),
    z.object({
      kind: z.literal('bgnbd'),
      output: z.enum(['p_alive', 'p_no_order', 'expected_orders']),
      params: z.object({ r: z.number().positive(), alpha: z.number().positive(), a: z.number().positive(), b: z.number().positive() }),
      horizon_weeks: z.number().positive(),
    }),
  ]),
  skewed: z.boolean(),
});

export const modelCardSchema = z.looseObject({
  /** Model family: segments, churn, clv, ... */
  name: z.string().regex(/^[a-z][a-z0-9_-]*$/),
  version: z.string().min(1),
  /** One paragraph: what the model predicts and how. */
  description: z.string(),
  /** The model saw only data that occurred on or before this date, labels included. */
  as_of: isoDate,
  /** Dates of the data that went into training (from is null when the lake's whole history was used). */
  data_window: z.object({ from: isoDate.nullable(), to: isoDate }),
  /** Prediction horizon in days, or null for a model without one (segments). */
  horizon_days: z.number().int().positive().nullable(),
  /** Features in the model's input column order. */
  features: z.array(cardFeatureSchema).min(1),
  /** Rows per data set, e.g. { train: 8000, valid: 2000 }. */
  rows: z.record(z.string(), z.number().int().nonnegative()),
  /** Headline metrics; null where a metric could not be computed. */
  metrics: z.record(z.string(), z.number().nullable()),
  params: z.record(z.string(), z.unknown()),
  onnx: z.object({
    input: z.string(),
    outputs: z.array(z.string()),
    opsets: z.record(z.string(), z.number()),
  }),
  training_seconds: z.number().nonnegative(),
  created_at: z.iso.datetime(),
  notes: z.array(z.string()),
  /** What a reader must know before trusting the model: a fallback fit, a metric that could not be computed. */
  warnings: z.array(z.string()).optional(),
});

export type CardFeature = z.infer<typeof cardFeatureSchema>;
/** A card; extra keys are model-specific sections. */
export type ModelCard = z.infer<typeof modelCardSchema>;

/** Validates a parsed card.json; throws naming the first bad field. */
export function parseCard(json: unknown): ModelCard {
  const r = modelCardSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ModelError(`model card field ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

const CORE = new Set(Object.keys(modelCardSchema.shape));

function fmt(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
  }
  if (typeof v === 'string') return v.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return JSON.stringify(v).replaceAll('|', '\\|');
}

function mdTable(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const line = (cells: readonly unknown[]) => `| ${cells.map(fmt).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

function title(key: string): string {
  const words = key.replace(/([a-z])([A-Z])/g, '$1 $2').replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Renders any JSON section: array of objects -> table, flat object -> key/value table, else a value or JSON. */
function renderSection(value: unknown): string {
  if (Array.isArray(value) && value.length > 0 && value.every(isPlain)) {
    const cols = [...new Set(value.flatMap((r) => Object.keys(r)))];
    return mdTable(cols, value.map((r) => cols.map((c) => r[c])));
  }
  if (isPlain(value)) {
    const entries = Object.entries(value);
    if (entries.every(([, v]) => !isPlain(v) && !Array.isArray(v))) return mdTable(['', 'value'], entries);
    return entries.map(([k, v]) => `**${title(k)}**\n\n${renderSection(v)}`).join('\n\n');
  }
  if (Array.isArray(value)) return value.map((v) => `- ${fmt(v)}`).join('\n');
  return fmt(value);
}

/** card.md: a page a business user can read, rendered from card.json. */
export function renderCardMarkdown(card: ModelCard): string {
  const horizon = card.horizon_days === null ? '—' : `${card.horizon_days} days`;
  const out = [
    `# Model card: ${card.name} \`${card.version}\``,
    '',
    card.description,
    '',
    ...(card.warnings?.length ? ['## Warnings', '', ...card.warnings.map((w) => `- **${w}**`), ''] : []),
    mdTable(
      ['', ''],
      [
        ['Model', card.name],
        ['Version', card.version],
        ['As of', `${card.as_of} (no data after this date was used, labels included)`],
        ['Data window', `${card.data_window.from ?? 'start of history'} to ${card.data_window.to}`],
        ['Horizon', horizon],
        ['Rows', Object.entries(card.rows).map(([k, v]) => `${k} ${v}`).join(', ')],
        ['Training time', `${card.training_seconds.toFixed(1)} s`],
        ['Created', card.created_at],
        ['ONNX', `input \`${card.onnx.input}\` [N, ${card.features.length}] -> ${card.onnx.outputs.map((o) => `\`${o}\``).join(', ')}`],
      ],
    ),
    '',
    '## Features (input order)',
    '',
    mdTable(
      ['#', 'feature', 'source column', 'meaning', 'missing ->'],
      card.features.map((f, i) => [i, f.name, f.column, f.meaning, `${f.missing} (${fmt(f.fill)})`]),
    ),
    '',
    '## Metrics',
    '',
    mdTable(['metric', 'value'], Object.entries(card.metrics)),
    '',
  ];
  for (const [k, v] of Object.entries(card)) {
    if (CORE.has(k)) continue;
    out.push(`## ${title(k)}`, '', renderSection(v), '');
  }
  out.push('## Parameters', '', mdTable(['parameter', 'value'], Object.entries(card.params)), '');
  if (card.notes.length) out.push('## Notes', '', ...card.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
