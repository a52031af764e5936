/**
 * A small ONNX graph builder over the protobufjs-compiled ONNX messages (onnx-proto). It checks what onnxruntime
 * would otherwise reject with a terse message at load time: every value defined before it is used, no name defined
 * twice, every node's domain imported, every declared output produced.
 *
 * Example: standardise a [N, 3] batch.
 *   const b = new OnnxModelBuilder({ graphName: 'scaler' });
 *   const x = b.input('features', 'float32', ['N', 3]);
 *   const mean = b.initializer('mean', tensor.float32([3], [1, 2, 3]));
 *   const sd = b.initializer('sd', tensor.float32([3], [1, 1, 2]));
 *   b.op('Div', [b.op('Sub', [x, mean]), sd], { output: 'z' });
 *   b.output('z', 'float32', ['N', 3]);
 *   const bytes = b.toBytes();
 */
import onnxProto from 'onnx-proto';
import { OnnxGraphError } from './errors.ts';
import { DTYPE_CODE, type DType, type Tensor } from './tensor.ts';

const { onnx } = onnxProto;
type AttrType = onnxProto.onnx.AttributeProto.AttributeType;
const AT = onnx.AttributeProto.AttributeType;

/** The ONNX-ML operator domain: TreeEnsembleClassifier/Regressor, LinearClassifier, Scaler, ... */
export const ML_DOMAIN = 'ai.onnx.ml';

/**
 * Opsets written by default: the default domain at 17 and ai.onnx.ml at 3, which onnxruntime 1.16+ runs.
 * IR version 8 is the one that goes with opset 17.
 */
export const DEFAULT_OPSETS: Readonly<Record<string, number>> = { '': 17, [ML_DOMAIN]: 3 };
export const DEFAULT_IR_VERSION = 8;

/** A dimension: a fixed size, or a name for a dynamic one (the batch dimension is usually 'N'). */
export type Dim = number | string;

/** A typed attribute value. Numbers alone are ambiguous (ONNX tells INT from FLOAT), so use the `attr` helpers. */
export interface AttributeValue {
  readonly type: AttrType;
  readonly set: (a: onnxProto.onnx.IAttributeProto) => void;
}

function checkNumbers(kind: string, values: readonly number[], integer: boolean): void {
  values.forEach((v, i) => {
    if (integer ? !Number.isSafeInteger(v) : !Number.isFinite(v)) {
      throw new OnnxGraphError(`${kind} attribute value ${i} must be ${integer ? 'a safe integer' : 'finite'}, received ${v}`);
    }
  });
}

/**
 * Attribute constructors, e.g. `{ axis: attr.int(1), nodes_values: attr.floats(thresholds), post_transform: 'NONE' }`.
 * A plain string is accepted as a STRING attribute.
 */
export const attr = {
  int: (v: number): AttributeValue => (checkNumbers('int', [v], true), { type: AT.INT, set: (a) => (a.i = v) }),
  float: (v: number): AttributeValue => (checkNumbers('float', [v], false), { type: AT.FLOAT, set: (a) => (a.f = v) }),
  string: (v: string): AttributeValue => ({ type: AT.STRING, set: (a) => (a.s = new TextEncoder().encode(v)) }),
  ints: (v: readonly number[]): AttributeValue => (checkNumbers('ints', v, true), { type: AT.INTS, set: (a) => (a.ints = [...v]) }),
  floats: (v: ArrayLike<number>): AttributeValue => {
    const values = Array.from(v);
    checkNumbers('floats', values, false);
    return { type: AT.FLOATS, set: (a) => (a.floats = values) };
  },
  strings: (v: readonly string[]): AttributeValue => {
    const enc = new TextEncoder();
    return { type: AT.STRINGS, set: (a) => (a.strings = v.map((s) => enc.encode(s))) };
  },
  tensor: (t: Tensor): AttributeValue => ({ type: AT.TENSOR, set: (a) => (a.t = { ...t.proto }) }),
} as const;

export interface NodeOptions {
  /** Output names; by default one fresh name derived from the op type. A number asks for that many fresh names. */
  readonly outputs?: readonly string[] | number;
  /** Shorthand for a single named output. */
  readonly output?: string;
  readonly attributes?: Readonly<Record<string, AttributeValue | string>>;
  /** Operator domain, '' (default ONNX) unless given, e.g. ML_DOMAIN. */
  readonly domain?: string;
  /** Node name; by default derived from the op type. */
  readonly name?: string;
  readonly docString?: string;
}

export interface ModelBuilderOptions {
  readonly graphName: string;
  /** Opset per domain; merged over DEFAULT_OPSETS. */
  readonly opsets?: Readonly<Record<string, number>>;
  /** @default 'retail-lake' */
  readonly producerName?: string;
  /** @default '' */
  readonly producerVersion?: string;
  readonly docString?: string;
  /** @default DEFAULT_IR_VERSION */
  readonly irVersion?: number;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.:/-]*$/;

function valueInfo(name: string, dtype: DType, shape: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DTYPE_CODE[dtype],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Builds one ONNX model: inputs, initializers, nodes in order, outputs, opset imports and metadata_props. */
export class OnnxModelBuilder {
  private readonly opsets: Record<string, number>;
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly meta = new Map<string, string>();
  /** Every value name defined so far: graph inputs, initializers, node outputs. */
  private readonly defined = new Set<string>();
  private readonly counters = new Map<string, number>();

  constructor(private readonly options: ModelBuilderOptions) {
    this.opsets = { ...DEFAULT_OPSETS, ...(options.opsets ?? {}) };
  }

  /** A name not used yet, e.g. fresh('Sub') -> 'Sub_0', 'Sub_1', ... */
  fresh(prefix: string): string {
    for (;;) {
      const n = this.counters.get(prefix) ?? 0;
      this.counters.set(prefix, n + 1);
      const name = `${prefix}_${n}`;
      if (!this.defined.has(name)) return name;
    }
  }

  private define(name: string, what: string): void {
    if (!NAME.test(name)) throw new OnnxGraphError(`${what} name ${JSON.stringify(name)} is not a valid identifier`);
    if (this.defined.has(name)) throw new OnnxGraphError(`${what} ${JSON.stringify(name)} is already defined in graph ${this.options.graphName}`);
    this.defined.add(name);
  }

  /** Declares a graph input; returns its name. Use a string dim (e.g. 'N') for a dynamic batch size. */
  input(name: string, dtype: DType, shape: readonly Dim[]): string {
    this.define(name, 'input');
    this.inputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  /** Adds a constant tensor; returns its name. */
  initializer(name: string, t: Tensor): string {
    this.define(name, 'initializer');
    this.initializers.push({ ...t.proto, name });
    return name;
  }

  /** Adds a node; returns its output names. Inputs may be '' for an omitted optional input. */
  node(opType: string, inputs: readonly string[], options: NodeOptions = {}): string[] {
    const domain = options.domain ?? '';
    if (!(domain in this.opsets)) {
      throw new OnnxGraphError(`node ${opType} uses domain ${JSON.stringify(domain)}, which is not among the opset imports (${Object.keys(this.opsets).map((d) => JSON.stringify(d)).join(', ')})`);
    }
    for (const i of inputs) {
      if (i !== '' && !this.defined.has(i)) {
        throw new OnnxGraphError(`node ${opType} reads ${JSON.stringify(i)}, which is not an input, initializer or earlier node output`);
      }
    }
    let outs: string[];
    if (options.output !== undefined) outs = [options.output];
    else if (Array.isArray(options.outputs)) outs = [...(options.outputs as readonly string[])];
    else outs = Array.from({ length: typeof options.outputs === 'number' ? options.outputs : 1 }, () => this.fresh(opType));
    for (const o of outs) this.define(o, `output of node ${opType}`);
    const attribute = Object.entries(options.attributes ?? {}).map(([name, v]) => {
      const value = typeof v === 'string' ? attr.string(v) : v;
      const a: onnxProto.onnx.IAttributeProto = { name, type: value.type };
      value.set(a);
      return a;
    });
    this.nodes.push({
      opType,
      domain,
      input: [...inputs],
      output: outs,
      name: options.name ?? this.fresh(`node_${opType}`),
      attribute,
      ...(options.docString ? { docString: options.docString } : {}),
    });
    return outs;
  }

  /** A node with exactly one output; returns that output's name. */
  op(opType: string, inputs: readonly string[], options: Omit<NodeOptions, 'outputs'> = {}): string {
    return this.node(opType, inputs, options)[0]!;
  }

  /** Declares an already defined value as a graph output, with its element type and shape. */
  output(name: string, dtype: DType, shape: readonly Dim[]): string {
    if (!this.defined.has(name)) throw new OnnxGraphError(`output ${JSON.stringify(name)} is not produced by any node, input or initializer`);
    if (this.outputs.some((o) => o.name === name)) throw new OnnxGraphError(`output ${JSON.stringify(name)} is declared twice`);
    this.outputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  /** Sets a metadata_props entry (model card fields such as feature names and version). Objects are stored as JSON. */
  metadata(key: string, value: string | number | boolean | object): this {
    this.meta.set(key, typeof value === 'string' ? value : JSON.stringify(value));
    return this;
  }

  /** The ModelProto message, for inspection; toBytes() encodes it. */
  toProto(): onnxProto.onnx.IModelProto {
    if (this.inputs.length === 0) throw new OnnxGraphError(`graph ${this.options.graphName} has no inputs`);
    if (this.outputs.length === 0) throw new OnnxGraphError(`graph ${this.options.graphName} has no outputs`);
    return {
      irVersion: this.options.irVersion ?? DEFAULT_IR_VERSION,
      producerName: this.options.producerName ?? 'retail-lake',
      producerVersion: this.options.producerVersion ?? '',
      docString: this.options.docString ?? '',
      opsetImport: Object.entries(this.opsets).map(([domain, version]) => ({ domain, version })),
      metadataProps: [...this.meta].map(([key, value]) => ({ key, value })),
      graph: {
        name: this.options.graphName,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
        node: this.nodes,
      },
    };
  }

  /** The serialised model, as onnxruntime's InferenceSession.create accepts it. */
  toBytes(): Uint8Array {
    return onnx.ModelProto.encode(this.toProto()).finish();
  }
}
