/**
 * The predictor: one stored model version (model.onnx + card.json) ready to score feature rows. The same code runs
 * in `retail-lake score` and in the predictor Lambda. Before anything is scored, the ONNX file's input name, type,
 * shape, feature names, model name and version are checked against the card, and onnxruntime checks them again
 * against the caller's feature list, so a model stored with the wrong card fails loudly rather than scoring columns
 * in the wrong order.
 *
 * Example:
 *   const churn = await Predictor.load(new LocalModelStore('lake'), 'churn');
 *   const scored = await churn.score(tagRows, { asOf: '2025-12-31' });
 *   scored.outputs.probability.values // one number per row (a Float64Array)
 */
import {
  buildMatrix,
  readArtifacts,
  type BuiltMatrix,
  type CardFeature,
  type ModelCard,
  type ModelStore,
  type ResolvedFeature,
  type TagRow,
} from '../models/index.ts';
import { META, ModelSession, readModelInfo, type FloatBatch, type ModelInfo, type OutputTensor } from '../onnx/index.ts';
import { ModelContractError, ScoringBackendError } from './errors.ts';

/**
 * One output over a batch, row-major, with its dims: numbers or strings. onnxruntime's float outputs come as a
 * Float64Array (each value exactly the float32 onnxruntime gave, as a number), other numeric ones (int64) as plain
 * numbers; a remote backend may give plain numbers for any. A plain array of the 190,000 contributions of a
 * 10,000-row churn batch cost as much as onnxruntime's run (docs/performance.md): read values by index and length, and
 * make a plain array (Array.from) only where one is needed, as for JSON.
 */
export interface OutputValues {
  readonly dims: readonly number[];
  readonly values: number[] | Float64Array | string[];
}

/** Where a feature batch is scored: onnxruntime in this process, or a remote endpoint serving the same model. */
export interface ScoringBackend {
  /**
   * Scores a batch. `keep` (when given, at most batch.rows) says only the first `keep` rows' outputs are wanted (the
   * rest are padding): a backend may return just those, or every row's, and Predictor.score drops the rest.
   */
  run(batch: FloatBatch, keep?: number): Promise<Record<string, OutputValues>>;
  release?(): Promise<void>;
  /**
   * Rows per call must be a multiple of this: Predictor.score pads a batch with copies of its first row and drops
   * their outputs. @default 1
   */
  readonly rowBlock?: number;
}

/**
 * How the in-process backend runs onnxruntime, so that a customer's outputs are a function of the customer's features
 * alone, bit for bit, whatever batch it is scored in and however many cores the machine has. onnxruntime's kernels
 * choose their path by batch size and thread count: the tree ensemble with several targets (churn: margin and
 * contributions) sums a row's trees in another order once a batch is split over threads, and vectorised kernels
 * (Log, Sigmoid) compute a batch's last rows, those beyond the last full vector, on a scalar path that rounds
 * differently. So a customer scored near the end of a 10,000-row batch got a churn probability a few float32 ulps away
 * from the same customer scored elsewhere, and a sharded scoring (src/score/shards.ts) could differ from one scoring of
 * everyone, churn_percentile and top_reasons with it. One intra-op thread, and batches padded to ROW_BLOCK rows so no
 * customer is in a tail, make every row take one path; measured in docs/performance.md ("Scoring in shards").
 */
export const SCORING_SESSION_OPTIONS = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' } as const;
/** Rows per onnxruntime call are a multiple of this: whole vectors for every kernel (8 floats on AVX2, 16 on AVX-512). */
export const ROW_BLOCK = 64;

/** What a backend factory gets: the model it must serve. */
export interface LoadedModel {
  readonly name: string;
  readonly version: string;
  readonly onnx: Uint8Array;
  readonly card: ModelCard;
  readonly info: ModelInfo;
}

export type BackendFactory = (model: LoadedModel) => Promise<ScoringBackend>;

/** Normalises an onnxruntime output (int64 arrives as BigInt64Array); with `keep`, only the first `keep` rows'. */
export function outputValues(t: OutputTensor, keep?: number): OutputValues {
  const d = t.data;
  const rows = t.dims[0] ?? 0;
  const n = keep === undefined || keep >= rows ? rows : keep;
  // Values per row: the product of the other dims; only the first n rows' values are read.
  const count = rows ? n * (d.length / rows) : d.length;
  const dims = n === rows ? [...t.dims] : [n, ...t.dims.slice(1)];
  if (Array.isArray(d)) return { dims, values: d.slice(0, count) };
  // A native copy into a typed array: no plain array of hundreds of thousands of numbers to allocate per batch.
  if (d instanceof Float32Array || d instanceof Float64Array) return { dims, values: new Float64Array(d.subarray(0, count)) };
  return { dims, values: plainNumbers(d, count) };
}

/** The first n values of an integer typed array as plain numbers (int64 as number). */
function plainNumbers(d: ArrayLike<number | bigint>, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = Number(d[i]);
  return out;
}

/** onnxruntime-node in-process (the default backend). */
export const onnxBackend: BackendFactory = async (m) => {
  const session = await ModelSession.load(m.onnx, { features: m.card.features.map((f) => f.name), inputName: m.card.onnx.input, sessionOptions: SCORING_SESSION_OPTIONS });
  return {
    rowBlock: ROW_BLOCK,
    run: async (batch, keep) => {
      const out = await session.run(batch, m.card.onnx.outputs);
      return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, outputValues(t, keep)]));
    },
    release: () => session.release(),
  };
};

/** Checks the ONNX file against its card; throws ModelContractError naming the first disagreement. */
export function checkModelContract(name: string, card: ModelCard, info: ModelInfo): void {
  const where = `model ${name} ${card.version}`;
  const fail = (what: string) => {
    throw new ModelContractError(`${where}: ${what}`);
  };
  if (card.name !== name) fail(`card names model ${JSON.stringify(card.name)}, expected ${JSON.stringify(name)}`);
  const metaName = info.metadata[META.modelName];
  if (metaName !== undefined && metaName !== card.name) fail(`ONNX metadata names model ${JSON.stringify(metaName)}, the card ${JSON.stringify(card.name)}`);
  const metaVersion = info.metadata[META.modelVersion];
  if (metaVersion !== undefined && metaVersion !== card.version) fail(`ONNX metadata says version ${metaVersion}, the card ${card.version}`);
  const inputName = info.metadata[META.featureInput] ?? card.onnx.input;
  if (inputName !== card.onnx.input) fail(`ONNX feature input is ${JSON.stringify(inputName)}, the card says ${JSON.stringify(card.onnx.input)}`);
  const input = info.inputs.find((i) => i.name === card.onnx.input);
  if (!input) fail(`ONNX has no input ${JSON.stringify(card.onnx.input)}; its inputs are ${info.inputs.map((i) => i.name).join(', ')}`);
  if (input!.dtype !== 'float32') fail(`ONNX input ${input!.name} is ${input!.dtype}, expected float32`);
  const width = input!.shape[1];
  if (input!.shape.length !== 2 || (typeof width === 'number' && width !== card.features.length)) {
    fail(`ONNX input ${input!.name} has shape [${input!.shape.join(', ')}], the card lists ${card.features.length} features: expected [N, ${card.features.length}]`);
  }
  const metaFeatures = info.metadata[META.featureNames];
  if (metaFeatures !== undefined) {
    const names = JSON.parse(metaFeatures) as string[];
    const cardNames = card.features.map((f) => f.name);
    const i = names.findIndex((n, j) => n !== cardNames[j]);
    if (i !== -1 || names.length !== cardNames.length) {
      const at = i === -1 ? Math.min(names.length, cardNames.length) : i;
      fail(`ONNX feature ${at} is ${JSON.stringify(names[at])}, the card's is ${JSON.stringify(cardNames[at])}`);
    }
  }
  const outputs = new Set(info.outputs.map((o) => o.name));
  const missing = card.onnx.outputs.filter((o) => !outputs.has(o));
  if (missing.length) fail(`the card lists outputs ${missing.join(', ')} that the ONNX graph does not produce (it has ${[...outputs].join(', ')})`);
}

export interface ScoreRowsOptions {
  /** YYYY-MM-DD; needed by features counted in days to the as-of date (tenure). */
  readonly asOf?: string;
  /** Rows per backend call. @default 10000 */
  readonly batchSize?: number;
}

export interface ScoredRows {
  /** The feature matrix the model saw (after the card's missing-value fills). */
  readonly matrix: BuiltMatrix;
  /** Output name -> one value per row (a [N, k] output gives k consecutive values per row). */
  readonly outputs: Record<string, OutputValues>;
}

export class Predictor {
  private constructor(
    readonly name: string,
    readonly version: string,
    readonly card: ModelCard,
    readonly info: ModelInfo,
    private readonly backend: ScoringBackend,
  ) {}

  /** Loads a version (or the one `latest` points to) from a model store and checks it. */
  static async load(store: ModelStore, name: string, version = 'latest', backend: BackendFactory = onnxBackend): Promise<Predictor> {
    const a = readArtifacts(await store.get(name, version));
    return Predictor.fromArtifacts(name, a.onnx, a.card, backend);
  }

  static async fromArtifacts(name: string, onnx: Uint8Array, card: ModelCard, backend: BackendFactory = onnxBackend): Promise<Predictor> {
    const info = readModelInfo(onnx);
    checkModelContract(name, card, info);
    return new Predictor(name, card.version, card, info, await backend({ name, version: card.version, onnx, card, info }));
  }

  /** Features in input order, as the card resolved them at training. */
  get features(): readonly CardFeature[] {
    return this.card.features;
  }

  get featureNames(): string[] {
    return this.card.features.map((f) => f.name);
  }

  /** The feature matrix of rows, built exactly as at training (card order, card fills). */
  matrix(rows: readonly TagRow[], asOf?: string): BuiltMatrix {
    return buildMatrix(rows, this.card.features as readonly ResolvedFeature[], asOf ? { asOf } : {});
  }

  /** Scores rows in batches; every output the card lists, concatenated over batches. */
  async score(rows: readonly TagRow[], options: ScoreRowsOptions = {}): Promise<ScoredRows> {
    const matrix = this.matrix(rows, options.asOf);
    const k = matrix.X.cols;
    const size = Math.max(1, options.batchSize ?? 10_000);
    const block = Math.max(1, this.backend.rowBlock ?? 1);
    const parts: Record<string, OutputValues>[] = [];
    for (let start = 0; start < matrix.X.rows; start += size) {
      const n = Math.min(size, matrix.X.rows - start);
      // Padded to whole blocks with copies of the batch's first row (finite, valid values), whose outputs are dropped.
      const padded = Math.ceil(n / block) * block;
      let data: Float64Array | Float32Array = matrix.X.data.subarray(start * k, (start + n) * k);
      if (padded > n) {
        // float32, as onnxruntime takes it (the session then uses it as it is, after its finiteness check).
        const full = new Float32Array(padded * k);
        full.set(data);
        for (let r = n; r < padded; r++) full.copyWithin(r * k, 0, k);
        data = full;
      }
      const out = padded > n ? await this.backend.run({ data, rows: padded, cols: k }, n) : await this.backend.run({ data, rows: padded, cols: k });
      for (const name of this.card.onnx.outputs) {
        if (!out[name]) throw new ScoringBackendError(`model ${this.version}: the backend returned no output ${name} (it returned ${Object.keys(out).join(', ')})`);
        // Every row's outputs, or (a backend asked to keep n of them) the first n rows'.
        const rowsBack = padded > n && out[name].dims[0] === n ? n : padded;
        if (out[name].values.length % rowsBack !== 0) {
          throw new ScoringBackendError(`model ${this.version}: output ${name} has ${out[name].values.length} values for ${rowsBack} rows`);
        }
        if (rowsBack > n) {
          const perRow = out[name].values.length / padded;
          out[name] = { dims: [n, ...out[name].dims.slice(1)], values: out[name].values.slice(0, n * perRow) };
        }
      }
      parts.push(out);
    }
    const outputs: Record<string, OutputValues> = {};
    for (const name of this.card.onnx.outputs) {
      const values = parts.length === 1 ? parts[0]![name]!.values : concatValues(parts.map((p) => p[name]!.values));
      const perRow = matrix.X.rows ? values.length / matrix.X.rows : 0;
      outputs[name] = { dims: perRow > 1 ? [matrix.X.rows, perRow] : [matrix.X.rows], values };
    }
    return { matrix, outputs };
  }

  async release(): Promise<void> {
    await this.backend.release?.();
  }
}

/** Batches' values end to end: one Float64Array if every batch gave one, else a plain array. */
function concatValues(parts: readonly OutputValues['values'][]): OutputValues['values'] {
  if (parts.every((p) => p instanceof Float64Array)) {
    const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts as Float64Array[]) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  return parts.flatMap((p) => Array.from<number | string>(p)) as number[] | string[];
}

/**
 * Predictors cached by name and version for the life of the process (a Lambda container reuses them across
 * invocations). A failed load is not cached, so the next call retries.
 */
export class PredictorCache {
  private readonly loaded = new Map<string, Promise<Predictor>>();

  constructor(
    private readonly store: ModelStore,
    private readonly backend: BackendFactory = onnxBackend,
  ) {}

  get(name: string, version = 'latest'): Promise<Predictor> {
    const key = `${name}@${version}`;
    let p = this.loaded.get(key);
    if (!p) {
      p = Predictor.load(this.store, name, version, this.backend);
      this.loaded.set(key, p);
      p.catch(() => this.loaded.delete(key));
    }
    return p;
  }

  get size(): number {
    return this.loaded.size;
  }
}
