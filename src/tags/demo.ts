/** The demo's "tags" step: identity resolution + the customer_tags snapshot, scored against the generator's ground truth. */
import fs from 'node:fs';
import path from 'node:path';
import { openDuckDB } from '../adapters/local/duckdb.ts';
import { tableDef } from '../contract/index.ts';
import { tableRelation } from '../lake/local-catalog.ts';
import { table } from '../cli/output.ts';
import { evaluateIdentity, readPersons, IDENTITY_SOURCES } from '../identity/index.ts';
import { refreshTags } from './refresh.ts';

export interface DemoTagsFigures {
  readonly asOf: string;
  readonly customers: number;
  readonly purchasers: number;
  readonly identities: number;
  readonly links: number;
  readonly droppedEdges: number;
  readonly hubs: number;
  readonly largestCustomer: number;
  readonly rfmSegments: Record<string, number>;
  readonly lifecycleStages: Record<string, number>;
  /** Pairwise "same person" scores against ground_truth/persons.jsonl, when the landing folder has it. */
  readonly groundTruth?: { readonly precision: number; readonly recall: number; readonly linkableRecall: number };
  readonly seconds: number;
}

export async function runDemoTags(lakeDir: string, landingDir: string): Promise<DemoTagsFigures> {
  const s = await refreshTags({ lakeDir });
  const id = s.identity;
  let groundTruth: DemoTagsFigures['groundTruth'];
  const personsFile = path.join(landingDir, 'ground_truth', 'persons.jsonl');
  if (fs.existsSync(personsFile)) {
    const conn = await openDuckDB();
    try {
      for (const t of IDENTITY_SOURCES) await conn.run(`create view ${t} as ${tableRelation(lakeDir, tableDef(t))}`);
      const r = await evaluateIdentity(conn, readPersons(personsFile));
      const round = (x: number) => Math.round(x * 10_000) / 10_000;
      groundTruth = { precision: round(r.precision), recall: round(r.recall), linkableRecall: round(r.linkableRecall) };
    } finally {
      conn.closeSync();
    }
  }
  return {
    asOf: s.asOf,
    customers: s.customers,
    purchasers: s.purchasers,
    identities: id.identities,
    links: id.links,
    droppedEdges: id.droppedEdges,
    hubs: id.hubs,
    largestCustomer: id.largestCustomer,
    rfmSegments: s.rfmSegments,
    lifecycleStages: s.lifecycleStages,
    groundTruth,
    seconds: s.seconds,
  };
}

/** One line for the step's progress display. */
export function demoTagsNote(f: DemoTagsFigures): string {
  const gt = f.groundTruth ? `; vs ground truth precision ${f.groundTruth.precision.toFixed(3)}, recall ${f.groundTruth.recall.toFixed(3)}` : '';
  return `${f.customers.toLocaleString('en')} customers from ${f.identities.toLocaleString('en')} identifiers, ` +
    `${f.hubs} shared identifiers set aside (${f.droppedEdges.toLocaleString('en')} links dropped)${gt}`;
}

/** The tags section of the demo's final summary. */
export function printDemoTags(f: DemoTagsFigures): void {
  const out = process.stdout;
  out.write(`\nIdentity and tags (as of ${f.asOf})\n`);
  const rows: Record<string, unknown>[] = [
    { figure: 'customers (stitched)', value: f.customers },
    { figure: 'customers with a purchase', value: f.purchasers },
    { figure: 'identifiers', value: f.identities },
    { figure: 'shared identifiers set aside', value: f.hubs },
    { figure: 'links dropped by the over-merge guard', value: f.droppedEdges },
  ];
  if (f.groundTruth) {
    rows.push(
      { figure: 'pairwise precision vs ground truth', value: f.groundTruth.precision },
      { figure: 'pairwise recall vs ground truth', value: f.groundTruth.recall },
      { figure: 'recall of links the data holds', value: f.groundTruth.linkableRecall },
    );
  }
  out.write(table(rows) + '\n');
  out.write('\nRFM segments\n' + table(Object.entries(f.rfmSegments).map(([segment, customers]) => ({ segment, customers }))) + '\n');
}
