/**
 * Reproduces the published CDNOW figures and the churn AUCs from a CDNOW file (sample or master layout).
 *   npx tsx models/clv/evaluate-cdnow.ts path/to/CDNOW_sample.txt
 * Prints JSON: fitted BG/NBD and Gamma-Gamma parameters with relative errors against the published values (sample
 * only; the master file has no published fit), the FHL expectations, and the AUCs of the three churn scores.
 */
import { readFileSync } from 'node:fs';
import { expectedTransactions, expectedTransactionsNew, fitBgNbd } from './bgnbd.ts';
import { CDNOW_PROTOCOL, parseCdnow } from './cdnow.ts';
import { evaluateChurn } from './evaluate.ts';
import { fitGammaGamma } from './gamma-gamma.ts';
import { rfmSummary } from './rfm.ts';

const PUBLISHED: Record<string, number> = {
  r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259, bgnbdLogLikelihood: -9582.43,
  p: 6.25, q: 3.74, gamma: 15.44, gammaGammaLogLikelihood: -4055.92,
  'E[Y(39) | 2, 30.43, 38.86]': 1.226, 'E[X(1)]': 0.0532, 'E[X(3)]': 0.1506, 'E[X(32)]': 1.0437, 'E[X(78)]': 1.8576,
};

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npx tsx models/clv/evaluate-cdnow.ts <CDNOW_sample.txt | CDNOW_master.txt>\n');
  process.exit(2);
}
const transactions = parseCdnow(readFileSync(file, 'utf8'));
const summary = rfmSummary(transactions, CDNOW_PROTOCOL.calibrationEnd, 'weeks');
const bg = fitBgNbd(summary);
const gg = fitGammaGamma(summary);
const fitted: Record<string, number> = {
  ...bg.params, bgnbdLogLikelihood: bg.logLikelihood, ...gg.params, gammaGammaLogLikelihood: gg.logLikelihood,
  'E[Y(39) | 2, 30.43, 38.86]': expectedTransactions(bg.params, { x: 2, tx: 30.43, T: 38.86 }, 39),
  ...Object.fromEntries([1, 3, 32, 78].map((t) => [`E[X(${t})]`, expectedTransactionsNew(bg.params, t)])),
};
const churn = evaluateChurn(transactions, { ...CDNOW_PROTOCOL, params: bg.params });
process.stdout.write(`${JSON.stringify({
  customers: summary.length,
  repeatBuyers: gg.customers,
  fit: Object.fromEntries(Object.entries(fitted).map(([k, v]) => [k, { fitted: v, published: PUBLISHED[k], relativeError: Math.abs(v - PUBLISHED[k]!) / Math.abs(PUBLISHED[k]!) }])),
  churn: { churned: churn.churned, holdoutWeeks: churn.holdoutLength, auc: churn.auc },
}, null, 2)}\n`);
