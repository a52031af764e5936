/**
 * `npx tsx bench/consent.ts [--lake DIR] [--dates D,D,...] [--rescore]`: the consent gate against the generator's consent ground
 * truth on the default demo lake (default /tmp/demo-pristine, read only: the run works on a copy). Scores the copy as
 * of each date (oldest first: events are emitted on change against the previous scoring), issues the coupons, then
 * prints per date: customers who refused profiling per the ground truth and how many of them were scored (must be 0),
 * customers without marketing consent and the coupons issued to them (must be 0), and the other direction (customers
 * the lake treats as refusing profiling although they consented; consenting purchasers left unscored; consent tags
 * allowing a marketing channel the ground truth refuses, or refusing one it allows). Writes the table to bench/consent-results.md.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkConsent, readConsentTruth, type ConsentCheck } from '../src/consent/ground-truth.ts';
import { runLocalCouponIssuer } from '../src/coupons/index.ts';
import { parseEventRules } from '../src/events/index.ts';
import { scoreLake } from '../src/score/index.ts';

const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const source = path.resolve(arg('--lake') ?? '/tmp/demo-pristine');
const dates = (arg('--dates') ?? '2025-04-01,2025-07-01,2025-12-31').split(',');
const truthFile = path.join(source, 'landing', 'demo', 'ground_truth', 'consent.jsonl');
if (!fs.existsSync(truthFile)) throw new Error(`${truthFile} is missing: run retail-lake demo --lake ${source} first`);

const lake = `${source}-consent-bench`;
fs.rmSync(lake, { recursive: true, force: true });
spawnSync('cp', ['-a', source, lake], { stdio: 'inherit' });
const started = Date.now();
const rules = parseEventRules({});
const results: ConsentCheck[] = [];
try {
  for (const asOf of [...dates].sort()) {
    // A date the demo already scored (its last day) keeps those scores, unless --rescore: they came from the same code.
    if (!argv.includes('--rescore') && fs.existsSync(path.join(lake, 'curated', 'customer_scores', `dt=${asOf}`))) {
      console.error(`scores as of ${asOf} already in the lake: kept`);
      continue;
    }
    const t0 = Date.now();
    const s = await scoreLake({ lakeDir: lake, asOf, rules });
    console.error(`scored as of ${asOf}: ${s.customers} customers, ${s.profilingRefused} refusing profiling, ${s.events.published} events (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
  const issued = await runLocalCouponIssuer({ lakeDir: lake });
  console.error(`coupons issued: ${issued.issued}`);
  const truth = readConsentTruth(truthFile);
  for (const asOf of [...dates].sort()) results.push(await checkConsent({ lakeDir: lake, truth, asOf }));
} finally {
  fs.rmSync(lake, { recursive: true, force: true });
}

const header = ['as of', 'customers', 'refused profiling', 'of them scored', 'no marketing consent', 'coupons', 'coupons to no-consent', 'wrongly refused', 'consenting purchasers unscored', 'tag allows a channel refused', 'tag refuses a channel allowed', 'members not mapped'];
const rows = results.map((r) => [r.asOf, r.customers, r.refusedProfiling, r.refusedScored, r.noMarketing, r.coupons, r.couponsToNoMarketing, r.wronglyRefused, r.consentingPurchasersUnscored, r.marketingWronglyAllowed, r.marketingWronglyRefused, r.membersNotMapped]);
const table = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
console.log(table);
for (const r of results) if (Object.keys(r.examples).length) console.log(`${r.asOf}: ${JSON.stringify(r.examples)}`);
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'consent-results.md');
fs.writeFileSync(
  out,
  `# Consent against the generator's ground truth (default demo lake)\n\n` +
    `\`npx tsx bench/consent.ts --lake ${source}\` on ${new Date().toISOString().slice(0, 10)}, ${Math.round((Date.now() - started) / 1000)} s. ` +
    `Per as-of date: customers of the customer_tags snapshot; those whose member had refused profiling by the end of the day per ` +
    `ground_truth/consent.jsonl and how many of them have a score (must be 0); customers with no marketing consent on any channel ` +
    `(non-members included) and coupons issued to them (must be 0); the other direction: customers whose consent tag says profiling ` +
    `refused although their member consented, consenting purchasers without a score, consent tags allowing a marketing channel the ground truth refuses ` +
    `(must be 0) and refusing one it allows; members with consent on record that are no snapshot customer's member (merged into another customer).\n\n` +
    `${table}\n`,
);
console.error(`wrote ${out}`);
