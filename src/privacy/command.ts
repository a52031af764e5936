/** `retail-lake erase` and `retail-lake export-person`: option parsing and output; the work is in erase.ts / export.ts. */
import fs from 'node:fs';
import path from 'node:path';
import { emit, table, type GlobalOptions } from '../cli/output.ts';
import { localConfig, localPiiKey } from '../config/local.ts';
import { createPii } from '../cleanse/pii.ts';
import { erasePeople } from './erase.ts';
import { exportPerson } from './export.ts';
import { InvalidSelectorError } from './errors.ts';
import { readSelectorFile, SELECTOR_KINDS, type PersonSelector, type SelectorKind } from './people.ts';

export interface SelectorOptions {
  readonly memberId?: string;
  readonly phone?: string;
  readonly email?: string;
  readonly customerKey?: string;
  readonly from?: string;
  readonly kind?: string;
}

/** The selectors of one command: exactly one of the single-person options, or --from FILE [--kind K]. */
export function selectorsOf(o: SelectorOptions, allowFile = true): PersonSelector[] {
  const single: PersonSelector[] = [];
  if (o.memberId !== undefined) single.push({ kind: 'member_id', value: o.memberId });
  if (o.phone !== undefined) single.push({ kind: 'phone', value: o.phone });
  if (o.email !== undefined) single.push({ kind: 'email', value: o.email });
  if (o.customerKey !== undefined) single.push({ kind: 'customer_key', value: o.customerKey });
  const given = single.length + (o.from !== undefined ? 1 : 0);
  if (given !== 1) {
    throw new InvalidSelectorError(`give exactly one of --member-id, --phone, --email, --customer-key${allowFile ? ', --from FILE' : ''} (received ${given})`);
  }
  if (o.kind !== undefined && o.from === undefined) throw new InvalidSelectorError('--kind applies to --from FILE only');
  if (o.from !== undefined) {
    if (!allowFile) throw new InvalidSelectorError('--from is not accepted here: one person per export');
    if (o.kind !== undefined && !SELECTOR_KINDS.includes(o.kind as SelectorKind)) {
      throw new InvalidSelectorError(`--kind must be one of ${SELECTOR_KINDS.join(', ')}, received ${JSON.stringify(o.kind)}`);
    }
    const list = readSelectorFile(o.from, (o.kind ?? 'member_id') as SelectorKind);
    if (!list.length) throw new InvalidSelectorError(`--from ${o.from}: no identifiers in the file`);
    return list;
  }
  return single;
}

const pii = () => createPii({ piiKey: localPiiKey(), defaultPhoneRegion: localConfig().phoneRegion });

export async function eraseCommand(o: GlobalOptions & SelectorOptions & { reason?: string }): Promise<void> {
  const selectors = selectorsOf(o);
  const t0 = Date.now();
  const receipt = await erasePeople({
    lakeDir: o.lake,
    selectors,
    reason: o.reason,
    piiKey: localPiiKey(),
    pii: pii(),
    onStep: (s) => {
      if (!o.json) process.stderr.write(`  ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${s}\n`);
    },
  });
  emit(o, receipt, () => {
    const out = process.stdout;
    out.write(`erased ${receipt.people} ${receipt.people === 1 ? 'person' : 'people'}: ${receipt.rows_removed} rows removed from ${receipt.partitions.length} partitions/files in ${receipt.seconds} s\n`);
    if (receipt.unmatched_selectors) out.write(`${receipt.unmatched_selectors} identifier(s) matched no customer of the identity graph; their own records were still removed and suppressed\n`);
    const byTable = new Map<string, { partitions: number; rows: number }>();
    for (const p of receipt.partitions) {
      const e = byTable.get(p.table) ?? { partitions: 0, rows: 0 };
      e.partitions++;
      e.rows += p.rows_removed;
      byTable.set(p.table, e);
    }
    out.write(table([...byTable].map(([t, e]) => ({ table: t, partitions: e.partitions, rows_removed: e.rows }))) + '\n');
    out.write(`suppressed ${receipt.identifiers_suppressed} identifier(s): later records of these people are counted as suppressed and never stored\n`);
    if (receipt.models_flagged.length) {
      out.write(`models trained on their data, flagged for retraining (retail-lake train all --retrain):\n`);
      out.write(table(receipt.models_flagged.map((m) => ({ model: m.model, version: m.version, window: `${m.data_window.from ?? '(start)'}..${m.data_window.to}` }))) + '\n');
    }
    for (const r of receipt.removed_outputs) out.write(`removed ${r} (it quoted them); rebuild it with retail-lake report\n`);
    out.write(`receipt: ${path.join(o.lake, 'privacy', 'erasures', `${receipt.receipt_id}.json`)}\n`);
  });
}

export async function exportPersonCommand(o: GlobalOptions & SelectorOptions & { out?: string }): Promise<void> {
  const doc = await exportPerson({ lakeDir: o.lake, selectors: selectorsOf(o, false), pii: pii() });
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const rows = Object.values(doc.tables).reduce((a, r) => a + r.length, 0) + Object.values(doc.files).reduce((a, r) => a + r.length, 0);
  if (o.out) {
    fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    fs.writeFileSync(o.out, text);
    emit(o, { out: o.out, people: doc.people, tables: Object.keys(doc.tables).length, files: Object.keys(doc.files).length, records: rows }, () =>
      process.stdout.write(`wrote ${rows} records about ${doc.people} person(s) from ${Object.keys(doc.tables).length} tables and ${Object.keys(doc.files).length} files to ${o.out}\n`),
    );
  } else process.stdout.write(o.json ? `${JSON.stringify(doc)}\n` : text);
}
