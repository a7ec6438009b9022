// A small ONNX graph builder over onnx-proto: float32 inputs and outputs with a symbolic batch
// dimension, initializers stored as little-endian raw_data, nodes with typed attributes, unique
// value names, and `encode()`, which runs the checker (checker.ts) before anything is written.
// Default domain, opset 17, IR version 8 (the newest onnx-proto's schema knows).
import { onnx } from 'onnx-proto';
import { checkGraph } from './checker';

export const OPSET = 17;
export const IR_VERSION = 8;
export const PRODUCER = 'vigil';

/** A dimension: a size, or a symbolic name such as 'batch'. */
export type Dim = number | string;

/**
 * Attribute values: an integer is INT, an integer array INTS, a string STRING; floats must be
 * wrapped ({ float: 0.5 }) so that alpha = 1 is never mistaken for an integer.
 */
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };
export type Attrs = Record<string, AttrValue>;

/** Host data an initializer can be made from (a Tensor satisfies it through toArray()). */
export interface HostTensor {
  shape: readonly number[];
  toArray(): ArrayLike<number>;
}

const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

/** float32 values as little-endian bytes. */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

/** int64 values as little-endian bytes. */
export function int64Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isSafeInteger(values[i])) throw new Error(`onnx: int64 value ${values[i]} is not a safe integer`);
    view.setBigInt64(i * 8, BigInt(values[i]), true);
  }
  return out;
}

function attribute(name: string, v: AttrValue): onnx.IAttributeProto {
  if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`onnx: attribute ${name} = ${v} is not an integer (wrap floats as { float: ${v} })`);
    return { name, type: A.INT, i: v };
  }
  if (Array.isArray(v)) {
    if (!v.every(Number.isSafeInteger)) throw new Error(`onnx: attribute ${name} = [${v.join(', ')}] holds a non-integer (wrap floats as { floats: [...] })`);
    return { name, type: A.INTS, ints: v };
  }
  if ('float' in v) return { name, type: A.FLOAT, f: v.float };
  return { name, type: A.FLOATS, floats: v.floats };
}

function valueInfo(name: string, dims: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: T.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function sameShape(shape: readonly number[], n: number): number {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== n) throw new Error(`onnx: ${n} values do not fill the shape [${shape.join(', ')}]`);
  return size;
}

export class GraphBuilder {
  readonly opset = OPSET;
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly metadata: onnx.IStringStringEntryProto[] = [];
  private readonly taken = new Set<string>();
  private readonly constants = new Map<string, string>();

  constructor(readonly name = 'vigil', readonly docString = '') {}

  /** A name no value or node of this graph uses yet, derived from base (reserved on return). */
  unique(base: string): string {
    let name = base;
    for (let k = 1; this.taken.has(name); k++) name = `${base}_${k}`;
    this.taken.add(name);
    return name;
  }

  /** A float32 graph input; dims may name symbolic axes ('batch'). Returns its name. */
  input(name: string, dims: Dim[]): string {
    if (this.taken.has(name)) throw new Error(`onnx: input name "${name}" is already used`);
    this.taken.add(name);
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /**
   * Declares value as the float32 graph output `name`. The value is renamed (its producer and
   * every consumer) so that the output carries the contract's name; a graph input or an
   * initializer is passed through an Identity node instead.
   */
  output(name: string, value: string, dims: Dim[]): void {
    if (this.outputs.some((o) => o.name === name)) throw new Error(`onnx: output "${name}" declared twice`);
    const producer = this.nodes.find((n) => n.output!.includes(value));
    if (value !== name) {
      if (this.taken.has(name)) throw new Error(`onnx: output name "${name}" is already used by another value`);
      if (producer && !this.outputs.some((o) => o.name === value)) this.rename(value, name);
      else this.node('Identity', [value], {}, [name]);
    }
    this.outputs.push(valueInfo(name, dims));
  }

  private rename(from: string, to: string): void {
    for (const n of this.nodes) {
      n.input = n.input!.map((v) => (v === from ? to : v));
      n.output = n.output!.map((v) => (v === from ? to : v));
    }
    this.taken.delete(from);
    this.taken.add(to);
  }

  /** A float32 initializer (little-endian raw_data); returns its unique name. */
  floats(base: string, values: ArrayLike<number>, shape: readonly number[]): string {
    sameShape(shape, values.length);
    const name = this.unique(base);
    this.initializers.push({ name, dataType: T.FLOAT, dims: [...shape], rawData: float32Bytes(values) });
    return name;
  }

  /** An int64 initializer (shapes, axes, indices); a 0-d scalar when shape is []. */
  int64s(base: string, values: ArrayLike<number>, shape: readonly number[] = [values.length]): string {
    sameShape(shape, values.length);
    const name = this.unique(base);
    this.initializers.push({ name, dataType: T.INT64, dims: [...shape], rawData: int64Bytes(values) });
    return name;
  }

  /** An initializer holding a module's tensor (float32), optionally reshaped or transformed. */
  tensor(base: string, t: HostTensor, opts: { shape?: readonly number[]; map?: (v: ArrayLike<number>) => ArrayLike<number> } = {}): string {
    const data = t.toArray();
    return this.floats(base, opts.map ? opts.map(data) : data, opts.shape ?? t.shape);
  }

  /** A shared int64 constant (one initializer per distinct value list), for axes and shapes. */
  int64Const(values: number[], scalar = false): string {
    const key = `${scalar ? 's' : 'v'}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.int64s(`const_i64_${values.join('_').replace(/-/g, 'm')}`, values, scalar ? [] : [values.length]);
      this.constants.set(key, name);
    }
    return name;
  }

  /** A shared float32 scalar constant. */
  floatConst(value: number): string {
    const key = `f:${value}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.floats(`const_f32`, [value], []);
      this.constants.set(key, name);
    }
    return name;
  }

  /**
   * Appends a node. outputs: a count (names derived from the node's name) or explicit names.
   * Empty strings in inputs mark omitted optional inputs. Returns the output names.
   */
  node(op: string, inputs: string[], attrs: Attrs = {}, outputs: number | string[] = 1, base = op): string[] {
    if (typeof outputs !== 'number') {
      const clash = outputs.find((o, i) => this.taken.has(o) || outputs.indexOf(o) !== i);
      if (clash !== undefined) throw new Error(`onnx: a ${op} node would produce "${clash}", which is already used`);
    }
    const name = this.unique(base);
    const outs = typeof outputs === 'number'
      ? Array.from({ length: outputs }, (_, i) => this.unique(outputs === 1 ? `${name}:out` : `${name}:out${i}`))
      : outputs.map((o) => (this.taken.add(o), o));
    this.nodes.push({
      name, opType: op, input: inputs, output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** A single-output node; returns its output name. */
  op(op: string, inputs: string[], attrs: Attrs = {}, base = op): string {
    return this.node(op, inputs, attrs, 1, base)[0];
  }

  /** A key/value pair in the model's metadata_props. */
  meta(key: string, value: string): void {
    const had = this.metadata.find((m) => m.key === key);
    if (had) had.value = value;
    else this.metadata.push({ key, value });
  }

  /** @internal The model message (checked); onnx-proto's types stay out of the public declarations. */
  model(): onnx.ModelProto {
    const graph: onnx.IGraphProto = {
      name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs,
      ...(this.docString ? { docString: this.docString } : {}),
    };
    checkGraph(graph);
    return onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: this.opset }],
      producerName: PRODUCER,
      graph,
      metadataProps: this.metadata,
    });
  }

  /** The serialised model; throws (writing nothing) when the checker finds a problem. */
  encode(): Uint8Array {
    return onnx.ModelProto.encode(this.model()).finish();
  }
}
