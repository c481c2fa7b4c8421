// Graph builder: typed symbolic values and the node list they come from.
// Ops (ops.ts) take Values and append nodes to the Value's graph; the graph
// turns into a ModelSpec for the protobuf writer.
import { DTYPE_BYTES, type Attribute, type Dim, type DType, type ExternalFile, type ModelSpec, type NodeSpec, type TensorData, type ValueInfo } from './model-proto';
import type { DeferredBytes } from './protobuf';

export const OPSET = 17;
export const IR_VERSION = 8;

export class Value {
  constructor(
    readonly graph: Graph,
    /** Changes only when Graph.output gives a node's result its public name. */
    public name: string,
    readonly dtype: DType,
    readonly shape: readonly Dim[],
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}[${this.shape.join(', ')}]`;
  }
}

export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array;

export function bytesOf(data: TypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export class Graph {
  readonly nodes: NodeSpec[] = [];
  readonly initializers = new Map<string, TensorData>();
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  /** Node index that produced each value (graph inputs and initializers have none). */
  readonly producer = new Map<string, number>();
  /** Every value by name. */
  readonly values = new Map<string, Value>();
  /** Values autodiff treats as constants (e.g. the max subtracted for a stable softmax). */
  readonly noGradient = new Set<Value>();
  /**
   * Node ranges [start, end) built under `checkpoint`, each of a kind (a
   * decoder layer, a slice of the LM head): with recomputation on for its kind,
   * autodiff rebuilds it in the backward pass instead of keeping its
   * intermediates alive from the forward pass.
   */
  readonly segments: { start: number; end: number; kind: string }[] = [];
  /**
   * Values of one cheap op that the backward pass computes again where it reads them
   * (with recomputation off, too), so only their input stays alive from the forward pass.
   */
  readonly recomputed = new Set<string>();
  private readonly names = new Set<string>();
  private counter = 0;
  private inCheckpoint = false;
  /** Node names stay unique when dropUnread removes nodes. */
  private nodesMade = 0;

  constructor(readonly name = 'graph') {}

  /** A name not yet used in this graph (claimed when a value takes it). */
  fresh(hint: string): string {
    let name: string;
    do name = `${hint}_${this.counter++}`;
    while (this.names.has(name));
    return name;
  }

  private register(v: Value): Value {
    this.values.set(v.name, v);
    return v;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`graph ${this.name}: the name "${name}" is already used`);
    this.names.add(name);
    return name;
  }

  input(name: string, dtype: DType, shape: Dim[]): Value {
    const v = this.register(new Value(this, this.claim(name), dtype, shape));
    this.inputs.push(v);
    return v;
  }

  /**
   * A constant: `data`'s elements, or bytes written only when the model is
   * encoded (DeferredBytes). `external`: kept out of the encoded model, in an
   * in-memory file of the initializer's name (externalFiles).
   */
  initializer(name: string, dtype: DType, dims: number[], data: TypedArray | DeferredBytes, { external = false } = {}): Value {
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.byteLength !== count * DTYPE_BYTES[dtype]) {
      throw new Error(`initializer ${name}: ${data.byteLength} bytes for ${dtype} dims [${dims.join(', ')}]`);
    }
    if (external && 'writeTo' in data) throw new Error(`initializer ${name}: external bytes must exist before the session is built`);
    this.initializers.set(this.claim(name), { name, dtype, dims, raw: 'writeTo' in data ? data : bytesOf(data), ...(external ? { external: name } : {}) });
    return this.register(new Value(this, name, dtype, dims));
  }

  /** The in-memory files of the external initializers, for the session that loads this graph. */
  externalFiles(): ExternalFile[] {
    return [...this.initializers.values()].flatMap((t) => (t.external === undefined ? [] : [{ path: t.external, data: t.raw as Uint8Array }]));
  }

  /** Appends one node. Output types come from the caller (the op's shape rule). */
  node(
    opType: string,
    inputs: readonly (Value | null)[],
    attrs: Record<string, Attribute>,
    outputTypes: readonly { dtype: DType; shape: readonly Dim[] }[],
  ): Value[] {
    for (const v of inputs) {
      if (v && v.graph !== this) throw new Error(`${opType}: input ${v.name} belongs to another graph`);
    }
    const outputs = outputTypes.map((t) => this.register(new Value(this, this.claim(this.fresh(opType)), t.dtype, t.shape)));
    const index = this.nodes.length;
    this.nodes.push({
      opType,
      name: `${opType}_node_${this.nodesMade++}`,
      inputs: inputs.map((v) => (v ? v.name : '')),
      outputs: outputs.map((o) => o.name),
      attrs,
    });
    for (const o of outputs) this.producer.set(o.name, index);
    return outputs;
  }

  /** Builds `body`'s nodes as one checkpoint segment of this kind (see `segments`). */
  checkpoint<T>(body: () => T, kind = 'segment'): T {
    if (this.inCheckpoint) throw new Error(`graph ${this.name}: checkpoint segments do not nest`);
    const start = this.nodes.length;
    this.inCheckpoint = true;
    try {
      const result = body();
      if (this.nodes.length > start) this.segments.push({ start, end: this.nodes.length, kind });
      return result;
    } finally {
      this.inCheckpoint = false;
    }
  }

  /**
   * Drops the nodes from index `from` on whose results nothing reads — no
   * other node, no graph output, none of `keep` — until none is left. For nodes
   * built speculatively (autodiff's backward part: rules that return what no
   * gradient needs, the parts of rebuilt segments the backward does not read).
   */
  dropUnread(from: number, keep: readonly Value[]): void {
    const readers = new Map<string, number>();
    for (const n of this.nodes) for (const name of n.inputs) if (name) readers.set(name, (readers.get(name) ?? 0) + 1);
    for (const v of [...this.outputs, ...keep]) readers.set(v.name, (readers.get(v.name) ?? 0) + 1);
    const dropped = new Set<number>();
    const queue = Array.from({ length: this.nodes.length - from }, (_, k) => from + k);
    while (queue.length) {
      const i = queue.pop()!;
      if (dropped.has(i) || this.nodes[i].outputs.some((o) => (readers.get(o) ?? 0) > 0)) continue;
      dropped.add(i);
      for (const name of this.nodes[i].inputs) {
        if (!name) continue;
        readers.set(name, readers.get(name)! - 1);
        const p = this.producer.get(name);
        if (p !== undefined && p >= from) queue.push(p);
      }
    }
    if (!dropped.size) return;
    const kept = this.nodes.filter((_, i) => !dropped.has(i));
    for (const i of dropped) for (const o of this.nodes[i].outputs) this.values.delete(o);
    kept.forEach((n, i) => (this.nodes[i] = n));
    this.nodes.length = kept.length;
    this.producer.clear();
    this.nodes.forEach((n, i) => n.outputs.forEach((o) => this.producer.set(o, i)));
  }

  /**
   * Marks a value as a graph output under the given name. A node's result is
   * renamed in place; an Identity is added only for graph inputs, initializers
   * and values already output (WebGPU has no Identity kernel).
   */
  output(v: Value, name?: string): Value {
    const produced = this.producer.get(v.name);
    if (name === undefined || name === v.name) {
      if (produced !== undefined && !this.outputs.includes(v)) {
        this.outputs.push(v);
        return v;
      }
    } else if (produced !== undefined && !this.outputs.includes(v)) {
      this.rename(v, this.claim(name));
      this.outputs.push(v);
      return v;
    }
    const outName = this.claim(name ?? this.fresh(`${v.name}_out`));
    const index = this.nodes.length;
    this.nodes.push({ opType: 'Identity', name: `Identity_node_${this.nodesMade++}`, inputs: [v.name], outputs: [outName], attrs: {} });
    this.producer.set(outName, index);
    const out = this.register(new Value(this, outName, v.dtype, v.shape));
    this.outputs.push(out);
    return out;
  }

  private rename(v: Value, to: string): void {
    const from = v.name;
    for (const n of this.nodes) {
      n.inputs = n.inputs.map((i) => (i === from ? to : i));
      n.outputs = n.outputs.map((o) => (o === from ? to : o));
    }
    this.producer.set(to, this.producer.get(from)!);
    this.producer.delete(from);
    this.values.delete(from);
    v.name = to;
    this.values.set(to, v);
  }

  /**
   * The model, with every intermediate's type and shape as value_info: ORT then
   * need not infer them, which for a train step with symbolic batch dims is most
   * of its session setup (135M LoRA step: 6.6 s → 1.8 s).
   */
  toModel(): ModelSpec {
    const info = (v: Value): ValueInfo => ({ name: v.name, dtype: v.dtype, shape: [...v.shape] });
    const boundary = new Set([...this.inputs, ...this.outputs].map((v) => v.name));
    return {
      irVersion: IR_VERSION,
      opset: OPSET,
      producer: 'self-contrast-lab',
      graph: {
        name: this.name,
        nodes: this.nodes,
        initializers: [...this.initializers.values()],
        inputs: this.inputs.map(info),
        outputs: this.outputs.map(info),
        valueInfo: this.nodes.flatMap((n) => n.outputs.filter((o) => !boundary.has(o)).map((o) => info(this.values.get(o)!))),
      },
    };
  }
}
