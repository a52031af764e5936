/**
 * Predictor throughput (customers/s) on the churn model's ONNX export, beside bare onnxruntime session.run on the
 * same batch. The predictor's extra work is what a Lambda predictor does per batch: build the feature matrix from
 * customer_tags rows exactly as the card says (encodings, fills), check it, run, and copy the outputs out. Like for
 * like: the same model, bare onnxruntime with the predictor's session options (one intra-op thread) and the same
 * batch of customers (the predictor pads it to a multiple of 64 rows, 10,048 for 10,000, and that 0.5% is its cost).
 */
import * as ort from 'onnxruntime-node';
import { churnFeatureSpecs, trainChurn } from '../models/churn/index.ts';
import { buildMatrix, resolveFeatures, SeededRng, type TagRow } from '../src/models/index.ts';
import { ModelSession } from '../src/onnx/index.ts';
import { outputValues, Predictor, SCORING_SESSION_OPTIONS } from '../src/score/predictor.ts';
import { note, round, sideBySide } from './lib.ts';

export interface PredictFigures {
  readonly batch: number;
  readonly features: number;
  readonly trees: number;
  /** Predictor.score on customer_tags rows (matrix build + checks + onnxruntime + outputs), customers/s. */
  readonly rowsPerSec: number;
  /** ModelSession.run (src/onnx) on the prebuilt matrix, customers/s. */
  readonly sessionRowsPerSec: number;
  /** onnxruntime InferenceSession.run on the same Float32 tensor, with the predictor's session options (one thread), customers/s. */
  readonly bareOrtRowsPerSec: number;
  /** The same with onnxruntime's default intra-op threads, customers/s. */
  readonly bareOrtThreadsRowsPerSec: number;
  /** One thread's time over the default threads' (what deterministic scores cost onnxruntime on this machine). */
  readonly oneThreadRatio: number;
  /** Predictor time / bare onnxruntime time for the same batch (target <= 1.5). */
  readonly overhead: number;
  readonly sessionOverhead: number;
  readonly rounds: number;
}

const AS_OF = '2025-12-31';
const TIERS = ['basic', 'silver', 'gold', 'platinum'];

/** customer_tags-shaped rows with churn signal: recency, falling orders and tickets raise the risk. */
export function tagRows(n: number, seed: number): { rows: TagRow[]; y: Float64Array } {
  const r = new SeededRng(seed, 'bench-tags');
  const rows: TagRow[] = [];
  const y = new Float64Array(n);
  const asOf = Date.parse(`${AS_OF}T00:00:00Z`);
  for (let i = 0; i < n; i++) {
    const recency = Math.floor(r.next() * 365);
    const o365 = Math.floor(r.next() * 12);
    const o90 = Math.min(o365, Math.floor(r.next() * 4));
    const tickets = r.next() < 0.2 ? 1 + Math.floor(r.next() * 3) : 0;
    const store = r.next();
    const online = (1 - store) * r.next();
    rows.push({
      customer_key: `c${i}`,
      recency_days: recency,
      first_order_at: new Date(asOf - Math.floor(r.next() * 1500) * 86_400_000).toISOString().slice(0, 10),
      orders_total: o365 + Math.floor(r.next() * 10),
      orders_90d: o90,
      orders_365d: o365,
      net_revenue_total: Math.round(r.next() * 5000),
      net_revenue_365d: Math.round(r.next() * 2000),
      avg_order_value: Math.round(r.next() * 300),
      repurchase_cycle_days: r.next() < 0.2 ? null : Math.round(10 + r.next() * 90),
      is_overdue: r.next() < 0.3,
      category_diversity: Math.floor(r.next() * 8),
      promo_share: r.next(),
      return_rate: r.next() * 0.2,
      service_tickets_90d: tickets,
      avg_review_rating: r.next() < 0.5 ? null : 1 + Math.floor(r.next() * 5),
      channel_share_store: store,
      channel_share_online: online,
      channel_share_app: 1 - store - online,
      member_tier: TIERS[Math.floor(r.next() * 4)]!,
    });
    const z = -1 + 0.006 * recency - 0.5 * o90 - 0.1 * o365 + 0.7 * tickets;
    y[i] = r.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { rows, y };
}

export async function measurePredict(o: { batch: number; rounds: number }): Promise<PredictFigures> {
  note(`predict: training churn on synthetic customer tags`);
  const train = tagRows(6000, 1);
  const valid = tagRows(2000, 2);
  const features = resolveFeatures(churnFeatureSpecs(), train.rows, { asOf: AS_OF });
  const X = buildMatrix(train.rows, features, { asOf: AS_OF }).X;
  const Xv = buildMatrix(valid.rows, features, { asOf: AS_OF }).X;
  const names = features.map((f) => f.name);
  const model = trainChurn({ train: { X, y: train.y, featureNames: names }, valid: { X: Xv, y: valid.y }, context: { asOf: AS_OF, features } });

  const scoring = tagRows(o.batch, 3).rows;
  const predictor = await Predictor.fromArtifacts('churn', model.onnxBytes, model.card);
  const session = await ModelSession.load(model.onnxBytes, { features: names, sessionOptions: SCORING_SESSION_OPTIONS });
  // Like for like: bare onnxruntime with the predictor's session options (one thread, src/score/predictor.ts); and
  // with onnxruntime's default threads, for what the one thread costs.
  const bare = await ort.InferenceSession.create(model.onnxBytes, SCORING_SESSION_OPTIONS);
  const bareThreads = await ort.InferenceSession.create(model.onnxBytes);
  const built = buildMatrix(scoring, features, { asOf: AS_OF }).X;
  const tensor = new ort.Tensor('float32', Float32Array.from(built.data), [built.rows, built.cols]);
  const outputs = model.card.onnx.outputs;

  note(`predict: batch of ${o.batch} customers, ${model.metrics.trees} trees, ${o.rounds} rounds side by side`);
  const t = await sideBySide(
    {
      predictor: () => predictor.score(scoring, { asOf: AS_OF, batchSize: o.batch }),
      session: () => session.run(built, outputs),
      bare: () => bare.run({ [model.card.onnx.input]: tensor }, outputs),
      bareThreads: () => bareThreads.run({ [model.card.onnx.input]: tensor }, outputs),
    },
    o.rounds,
  );
  await Promise.all([predictor.release(), session.release(), bare.release(), bareThreads.release()]);
  return {
    batch: o.batch,
    features: names.length,
    trees: model.metrics.trees,
    rowsPerSec: Math.round(o.batch / t.predictor.best),
    sessionRowsPerSec: Math.round(o.batch / t.session.best),
    bareOrtRowsPerSec: Math.round(o.batch / t.bare.best),
    overhead: round(t.predictor.best / t.bare.best),
    sessionOverhead: round(t.session.best / t.bare.best),
    bareOrtThreadsRowsPerSec: Math.round(o.batch / t.bareThreads.best),
    oneThreadRatio: round(t.bare.best / t.bareThreads.best),
    rounds: o.rounds,
  };
}

/** Where the predictor's time goes beyond onnxruntime (for docs/performance.md). */
export async function predictBreakdown(batch: number, rounds: number) {
  const train = tagRows(6000, 1);
  const valid = tagRows(2000, 2);
  const features = resolveFeatures(churnFeatureSpecs(), train.rows, { asOf: AS_OF });
  const X = buildMatrix(train.rows, features, { asOf: AS_OF }).X;
  const Xv = buildMatrix(valid.rows, features, { asOf: AS_OF }).X;
  const names = features.map((f) => f.name);
  const model = trainChurn({ train: { X, y: train.y, featureNames: names }, valid: { X: Xv, y: valid.y }, context: { asOf: AS_OF, features } });
  const scoring = tagRows(batch, 3).rows;
  const bare = await ort.InferenceSession.create(model.onnxBytes, SCORING_SESSION_OPTIONS);
  const built = buildMatrix(scoring, features, { asOf: AS_OF }).X;
  const tensor = new ort.Tensor('float32', Float32Array.from(built.data), [built.rows, built.cols]);
  const out = await bare.run({ features: tensor });
  const t = await sideBySide(
    {
      buildMatrix: () => buildMatrix(scoring, features, { asOf: AS_OF }),
      toFloat32: () => Float32Array.from(built.data),
      outputs: () => Object.values(out).map((o) => outputValues({ type: o.type, dims: o.dims, data: o.data as Float32Array })),
      bare: () => bare.run({ features: tensor }),
    },
    rounds,
  );
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round(v.best * 1000, 1)]));
}
