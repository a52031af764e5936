/**
 * Runs a model in onnxruntime on a float32 feature batch [n, k]. Before anything runs, the model's single float
 * input is checked against its metadata (feature names and order) and against the caller's feature list, so scoring
 * with a column missing or moved fails with a message that names it rather than producing plausible numbers.
 *
 * Example:
 *   const s = await ModelSession.load(bytes, { features: card.features.map((f) => f.name) });
 *   const out = await s.run([[12, 3, 250.5], [400, 1, 19.9]]);
 *   out.probability.data // Float32Array of n values
 */
import * as ort from 'onnxruntime-node';
import { OnnxInputMismatchError } from './errors.ts';
import { readModelInfo, type ModelInfo, type ValueInfo } from './inspect.ts';
import { META } from './metadata.ts';

export interface ModelSessionOptions {
  /** Feature names in the order the caller will supply them; must equal the model's metadata list exactly. */
  readonly features?: readonly string[];
  /** Which input takes the feature batch; by default the metadata's choice, or the only input. */
  readonly inputName?: string;
  /** onnxruntime session options (e.g. intraOpNumThreads). @default onnxruntime's */
  readonly sessionOptions?: ort.InferenceSession.SessionOptions;
}

/** A row-major float batch: `data[r * cols + c]`. */
export interface FloatBatch {
  readonly data: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
}

export interface OutputTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Float64Array | string[];
}

function describeShape(v: ValueInfo): string {
  return `[${v.shape.map((d) => (typeof d === 'number' ? d : d || '?')).join(', ')}]`;
}

function parseFeatureNames(info: ModelInfo): string[] | undefined {
  const raw = info.metadata[META.featureNames];
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new OnnxInputMismatchError(`model metadata ${META.featureNames} is not JSON: ${raw.slice(0, 80)}`, { cause: e });
  }
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) {
    throw new OnnxInputMismatchError(`model metadata ${META.featureNames} must be a JSON array of strings, received ${raw.slice(0, 80)}`);
  }
  return parsed;
}

/** Compares two ordered feature lists; returns a sentence naming the first difference, or undefined if equal. */
export function featureListMismatch(model: readonly string[], caller: readonly string[]): string | undefined {
  const n = Math.max(model.length, caller.length);
  for (let i = 0; i < n; i++) {
    if (model[i] !== caller[i]) {
      if (model[i] === undefined) return `the caller supplies ${caller.length} features but the model takes ${model.length}; extra feature ${i} is ${JSON.stringify(caller[i])}`;
      if (caller[i] === undefined) return `the model takes ${model.length} features but the caller supplies ${caller.length}; missing feature ${i} is ${JSON.stringify(model[i])}`;
      const where = caller.indexOf(model[i]!);
      const hint = where === -1 ? `${JSON.stringify(model[i])} is missing from the caller's list` : `the caller has ${JSON.stringify(model[i])} at position ${where}`;
      return `feature ${i}: the model expects ${JSON.stringify(model[i])}, the caller supplies ${JSON.stringify(caller[i])} (${hint})`;
    }
  }
  return undefined;
}

/** An onnxruntime session with its input contract checked. */
export class ModelSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly info: ModelInfo,
    readonly inputName: string,
    /** Number of feature columns the model takes. */
    readonly width: number,
    /** Feature names from the model's metadata, or undefined if the model carries none. */
    readonly featureNames: readonly string[] | undefined,
  ) {}

  /** Loads model bytes and checks the feature input; throws OnnxInputMismatchError naming any mismatch. */
  static async load(bytes: Uint8Array, options: ModelSessionOptions = {}): Promise<ModelSession> {
    const info = readModelInfo(bytes);
    const inputName = options.inputName ?? info.metadata[META.featureInput] ?? (info.inputs.length === 1 ? info.inputs[0]!.name : undefined);
    if (inputName === undefined) {
      throw new OnnxInputMismatchError(`model has ${info.inputs.length} inputs (${info.inputs.map((i) => i.name).join(', ')}); name the feature input with inputName`);
    }
    const input = info.inputs.find((i) => i.name === inputName);
    if (!input) throw new OnnxInputMismatchError(`model has no input ${JSON.stringify(inputName)}; its inputs are ${info.inputs.map((i) => JSON.stringify(i.name)).join(', ')}`);
    if (input.dtype !== 'float32') throw new OnnxInputMismatchError(`input ${inputName} must be float32, the model declares ${input.dtype}`);
    if (input.shape.length !== 2) throw new OnnxInputMismatchError(`input ${inputName} must be a [batch, features] matrix, the model declares shape ${describeShape(input)}`);
    const names = parseFeatureNames(info);
    const declared = typeof input.shape[1] === 'number' ? input.shape[1] : undefined;
    if (declared !== undefined && names && names.length !== declared) {
      throw new OnnxInputMismatchError(`input ${inputName} has ${declared} columns but metadata ${META.featureNames} lists ${names.length} features`);
    }
    const width = declared ?? names?.length;
    if (width === undefined) throw new OnnxInputMismatchError(`input ${inputName} has a dynamic feature dimension and the model carries no ${META.featureNames}`);
    if (options.features) {
      if (names) {
        const diff = featureListMismatch(names, options.features);
        if (diff) throw new OnnxInputMismatchError(`feature list does not match model ${info.metadata[META.modelVersion] ?? info.graphName}: ${diff}`);
      } else if (options.features.length !== width) {
        throw new OnnxInputMismatchError(`the caller supplies ${options.features.length} features but input ${inputName} takes ${width}`);
      }
    }
    const session = options.sessionOptions ? await ort.InferenceSession.create(bytes, options.sessionOptions) : await ort.InferenceSession.create(bytes);
    return new ModelSession(session, info, inputName, width, names);
  }

  /** Output names, in graph order. */
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs a batch: rows as arrays, or a row-major FloatBatch. Rejects a wrong width or a non-finite value. */
  async run(batch: FloatBatch | readonly (readonly number[])[], outputs?: readonly string[]): Promise<Record<string, OutputTensor>> {
    const b = Array.isArray(batch) ? fromRows(batch as readonly (readonly number[])[], this.width) : (batch as FloatBatch);
    if (b.cols !== this.width) throw new OnnxInputMismatchError(`batch has ${b.cols} columns, model input ${this.inputName} takes ${this.width}`);
    if (b.data.length !== b.rows * b.cols) throw new OnnxInputMismatchError(`batch data has ${b.data.length} values, expected rows x cols = ${b.rows} x ${b.cols}`);
    // A float32 batch is used as it is (checked, not copied); any other is copied to float32 while it is checked.
    let data: Float32Array;
    if (b.data instanceof Float32Array) {
      data = b.data;
      for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) this.notFinite(i, data[i]!, b.cols);
    } else {
      data = new Float32Array(b.data.length);
      for (let i = 0; i < data.length; i++) {
        const v = b.data[i]!;
        if (!Number.isFinite(v)) this.notFinite(i, v, b.cols);
        data[i] = v;
      }
    }
    const feeds = { [this.inputName]: new ort.Tensor('float32', data, [b.rows, b.cols]) };
    const result = outputs ? await this.session.run(feeds, [...outputs]) : await this.session.run(feeds);
    const out: Record<string, OutputTensor> = {};
    for (const [name, t] of Object.entries(result)) {
      out[name] = { type: t.type, dims: [...t.dims], data: t.data as OutputTensor['data'] };
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private notFinite(i: number, v: number, cols: number): never {
    const c = i % cols;
    throw new OnnxInputMismatchError(`row ${Math.floor(i / cols)}, feature ${this.featureNames?.[c] ?? c}: value must be finite, received ${v} (apply the feature spec's missing-value rule first)`);
  }
}

function fromRows(rows: readonly (readonly number[])[], width: number): FloatBatch {
  const data = new Float64Array(rows.length * width);
  rows.forEach((r, i) => {
    if (r.length !== width) throw new OnnxInputMismatchError(`row ${i} has ${r.length} values, the model takes ${width}`);
    data.set(r, i * width);
  });
  return { data, rows: rows.length, cols: width };
}

/** An output as plain numbers (int64 outputs come back from onnxruntime as BigInt64Array). */
export function toNumbers(t: OutputTensor): number[] {
  if (Array.isArray(t.data)) throw new OnnxInputMismatchError(`output of type ${t.type} holds strings, not numbers`);
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}
