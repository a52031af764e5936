/** Reads a serialised ONNX model back: inputs, outputs, opsets and metadata_props, without running it. */
import onnxProto from 'onnx-proto';
import { OnnxError } from './errors.ts';
import { dtypeName } from './tensor.ts';

const { onnx } = onnxProto;

export interface ValueInfo {
  readonly name: string;
  /** 'float32', 'int64', ... or 'code:<n>' for an element type this module does not name. */
  readonly dtype: string;
  /** Fixed sizes as numbers, dynamic dimensions by name ('' when unnamed). */
  readonly shape: readonly (number | string)[];
}

export interface ModelInfo {
  readonly irVersion: number;
  readonly producerName: string;
  readonly graphName: string;
  readonly opsets: Readonly<Record<string, number>>;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly nodeCount: number;
}

const num = (v: number | { toNumber(): number } | null | undefined): number =>
  v == null ? 0 : typeof v === 'number' ? v : v.toNumber();

function info(v: onnxProto.onnx.IValueInfoProto): ValueInfo {
  const t = v.type?.tensorType;
  return {
    name: v.name ?? '',
    dtype: t ? dtypeName(t.elemType ?? 0) : 'non-tensor',
    shape: (t?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue != null ? num(d.dimValue) : '')),
  };
}

/** Decodes the model's header; throws OnnxError if the bytes are not an ONNX model. */
export function readModelInfo(bytes: Uint8Array): ModelInfo {
  let m: onnxProto.onnx.ModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxError(`bytes are not an ONNX model (${(e as Error).message}); received ${bytes.length} bytes`, { cause: e });
  }
  if (!m.graph) throw new OnnxError(`ONNX model has no graph; received ${bytes.length} bytes`);
  const g = m.graph;
  const initializers = new Set((g.initializer ?? []).map((t) => t.name));
  return {
    irVersion: num(m.irVersion),
    producerName: m.producerName,
    graphName: g.name ?? '',
    opsets: Object.fromEntries(m.opsetImport.map((o) => [o.domain ?? '', num(o.version)])),
    // Before IR 4 initializers were also listed as inputs; they are not inputs a caller feeds.
    inputs: (g.input ?? []).filter((i) => !initializers.has(i.name)).map(info),
    outputs: (g.output ?? []).map(info),
    metadata: Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value])),
    nodeCount: (g.node ?? []).length,
  };
}
