/**
 * The churn classifier on CDNOW, next to the BG/NBD scores (issue 6): the sample is imported into a fresh lake,
 * `train churn --as-of 1997-09-30 --horizon-days 91` trains on the tags (time-shifted: fit on 1997-04-01 with labels to
 * 1997-07-01, refit on 1997-07-01 with labels to 1997-09-30), and its scores as of 1997-09-30 are compared by ROC
 * AUC on the usual holdout label: no purchase in weeks 40-78 (1997-10-01 .. 1998-06-30). Every model sees only
 * weeks 1-39. Prints JSON.
 *
 *   npx tsx src/train/evaluate-cdnow-churn.ts test/fixtures/cdnow/CDNOW_sample.txt [--horizon-days 91]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CDNOW_PROTOCOL, auc, evaluateChurn, parseCdnow } from '../../models/clv/index.ts';
import { importOrders } from '../ingest/order-import.ts';
import { LocalModelStore } from '../models/index.ts';
import { Predictor } from '../score/predictor.ts';
import { purchasers, readTagSnapshot } from './lake-data.ts';
import { trainModels } from './train.ts';

export interface CdnowChurnEvaluation {
  readonly customers: number;
  readonly churned: number;
  readonly horizonDays: number;
  readonly churnModel: string;
  readonly auc: { readonly classifier: number; readonly oneMinusPAlive: number; readonly pNoPurchase: number; readonly recency: number };
  /** The card's validation AUC (trained on 1997-04-01, measured on 1997-07-01) and recency's on the same cut. */
  readonly validationAuc: number | null;
  readonly validationRecencyAuc: number | null;
}

export async function evaluateCdnowChurn(file: string, horizonDays = 91): Promise<CdnowChurnEvaluation> {
  const lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-cdnow-churn-'));
  try {
    await importOrders([file], {
      lakeDir: lake,
      map: { customer_id: '1', ordered_at: '3', quantity: '4', amount: '5' },
      delimiter: 'whitespace',
      header: false,
      dateFormat: 'YYYYMMDD',
      currency: 'USD',
      timeZone: 'UTC',
    });
    const asOf = CDNOW_PROTOCOL.calibrationEnd;
    const trained = await trainModels({ lakeDir: lake, model: 'churn', asOf, horizonDays, groundTruth: false });
    const churn = await Predictor.load(new LocalModelStore(lake), 'churn');
    const rows = purchasers(await readTagSnapshot(lake, asOf));
    const probability = (await churn.score(rows, { asOf })).outputs.probability!.values as number[];
    await churn.release();

    const transactions = parseCdnow(fs.readFileSync(file, 'utf8'));
    const bgnbd = evaluateChurn(transactions, { calibrationEnd: asOf, holdoutEnd: CDNOW_PROTOCOL.holdoutEnd });
    const buyers = new Set(transactions.filter((t) => String(t.at) > asOf && String(t.at) <= CDNOW_PROTOCOL.holdoutEnd).map((t) => t.customerId));
    const labels = rows.map((r) => !buyers.has(String(Number(r.member_id))));
    return {
      customers: rows.length,
      churned: labels.filter(Boolean).length,
      horizonDays,
      churnModel: trained.models[0]!.version,
      auc: { classifier: auc(probability, labels), ...bgnbd.auc },
      validationAuc: trained.models[0]!.card.metrics.auc ?? null,
      validationRecencyAuc: trained.models[0]!.card.metrics.auc_recency_only ?? null,
    };
  } finally {
    fs.rmSync(lake, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: npx tsx src/train/evaluate-cdnow-churn.ts CDNOW_sample.txt [--horizon-days N]\n');
    process.exit(2);
  }
  const i = process.argv.indexOf('--horizon-days');
  const result = await evaluateCdnowChurn(file, i > 0 ? Number(process.argv[i + 1]) : 91);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
