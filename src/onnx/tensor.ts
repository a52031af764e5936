/**
 * Typed tensors for initializers and tensor attributes. Numeric data goes into `raw_data` (little-endian, as the
 * ONNX spec requires), which is compact and keeps int64 exact; strings go into `string_data` as UTF-8.
 */
import onnxProto from 'onnx-proto';
import { OnnxGraphError } from './errors.ts';

const { onnx } = onnxProto;

/** Element types the builder writes. ONNX knows more; these are the ones the lake's models need. */
export type DType = 'float32' | 'int64' | 'string' | 'bool';

export const DTYPE_CODE: Readonly<Record<DType, number>> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  string: onnx.TensorProto.DataType.STRING,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** The reverse of DTYPE_CODE, for reading models back; unknown codes come back as `code:<n>`. */
export function dtypeName(code: number): DType | `code:${number}` {
  for (const [name, c] of Object.entries(DTYPE_CODE)) if (c === code) return name as DType;
  return `code:${code}`;
}

/** A constant tensor, ready to be an initializer or a tensor attribute. */
export interface Tensor {
  readonly dtype: DType;
  readonly dims: readonly number[];
  /** The protobuf message without a name; the builder names it. */
  readonly proto: onnxProto.onnx.ITensorProto;
}

function checkDims(dims: readonly number[], length: number, dtype: DType): void {
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new OnnxGraphError(`tensor dims must be non-negative integers, received [${dims.join(', ')}]`);
  }
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== length) {
    throw new OnnxGraphError(`${dtype} tensor of shape [${dims.join(', ')}] needs ${size} values, received ${length}`);
  }
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  // Node on x86 and arm64 is little-endian, which is the byte order raw_data requires.
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

/** float32 tensor; values are rounded to float32 here, once, exactly as onnxruntime will see them. */
function float32(dims: readonly number[], values: ArrayLike<number>): Tensor {
  checkDims(dims, values.length, 'float32');
  const data = Float32Array.from(values as ArrayLike<number>);
  return { dtype: 'float32', dims, proto: { dims: [...dims], dataType: DTYPE_CODE.float32, rawData: bytesOf(data) } };
}

function int64(dims: readonly number[], values: ArrayLike<number | bigint>): Tensor {
  checkDims(dims, values.length, 'int64');
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new OnnxGraphError(`int64 tensor value ${i} is not a safe integer: ${v}`);
    data[i] = BigInt(v);
  }
  return { dtype: 'int64', dims, proto: { dims: [...dims], dataType: DTYPE_CODE.int64, rawData: bytesOf(data) } };
}

function string(dims: readonly number[], values: readonly string[]): Tensor {
  checkDims(dims, values.length, 'string');
  const enc = new TextEncoder();
  return { dtype: 'string', dims, proto: { dims: [...dims], dataType: DTYPE_CODE.string, stringData: values.map((s) => enc.encode(s)) } };
}

function bool(dims: readonly number[], values: readonly boolean[]): Tensor {
  checkDims(dims, values.length, 'bool');
  return { dtype: 'bool', dims, proto: { dims: [...dims], dataType: DTYPE_CODE.bool, rawData: Uint8Array.from(values, (b) => (b ? 1 : 0)) } };
}

/**
 * Tensor constructors. Example: `tensor.float32([2, 3], [1, 2, 3, 4, 5, 6])`, `tensor.int64([1], [2])`,
 * `tensor.string([3], ['a', 'b', 'c'])`; a scalar has dims `[]` and one value.
 */
export const tensor = { float32, int64, string, bool } as const;
