// The subset of onnx.proto the lab writes, as plain data, with an encoder and a
// decoder. Field numbers are upstream's (onnx/onnx.proto, IR version 8+).
import { ProtoWriter, decodeFields, decodePackedVarints, type DeferredBytes, type ProtoFields } from './protobuf';

export type DType = 'float32' | 'float16' | 'float64' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';

/** TensorProto.DataType */
const DTYPE_CODE: Record<DType, number> = {
  float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11,
};
const DTYPE_BY_CODE = new Map(Object.entries(DTYPE_CODE).map(([k, v]) => [v, k as DType]));

export function dtypeFromCode(code: number): DType {
  const d = DTYPE_BY_CODE.get(code);
  if (!d) throw new Error(`ONNX data type ${code} is not supported by the lab`);
  return d;
}

/** A dimension is a fixed size or a named symbolic size such as "batch". */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  dtype: DType;
  shape: Dim[];
}

export const DTYPE_BYTES: Record<DType, number> = { float32: 4, float16: 2, float64: 8, int8: 1, uint8: 1, int32: 4, int64: 8, bool: 1 };

export interface TensorData {
  name: string;
  dtype: DType;
  dims: number[];
  /** Little-endian element bytes (TensorProto.raw_data), or bytes written only when the model is encoded. */
  raw: Uint8Array | DeferredBytes;
  /**
   * Set: the bytes are not written into the model; ORT reads them from the
   * in-memory file of this name the session is given (see ExternalFile).
   */
  external?: string;
}

/** Bytes of external initializers, given to a session as SessionOptions.externalData. */
export interface ExternalFile {
  path: string;
  data: Uint8Array;
}

/** An encoded model and the in-memory files of its external initializers. */
export interface InferenceModel {
  bytes: Uint8Array;
  externalData: ExternalFile[];
}

export type Attribute =
  | { f: number }
  | { i: number }
  | { s: string }
  | { t: TensorData }
  | { floats: number[] }
  | { ints: number[] };

export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  domain?: string;
  attrs: Record<string, Attribute>;
}

export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  initializers: TensorData[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** Types and shapes of intermediate values, where the builder knows them. */
  valueInfo?: ValueInfo[];
}

export interface ModelSpec {
  graph: GraphSpec;
  opset: number;
  irVersion: number;
  producer: string;
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_STRING = 3, ATTR_TENSOR = 4, ATTR_FLOATS = 6, ATTR_INTS = 7;

function writeTensor(w: ProtoWriter, t: TensorData): void {
  if (t.dims.length) w.packedVarints(1, t.dims); // dims
  w.varint(2, DTYPE_CODE[t.dtype]); // data_type
  w.string(8, t.name); // name
  if (t.external === undefined) {
    w.bytes(9, t.raw); // raw_data
    return;
  }
  const entry = (key: string, value: string) => w.message(13, (e) => e.string(1, key).string(2, value)); // external_data
  entry('location', t.external);
  entry('offset', '0');
  entry('length', String(t.raw.byteLength));
  w.varint(14, 1); // data_location: EXTERNAL
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name); // name
  w.message(2, (type) => // type: TypeProto
    type.message(1, (tensor) => { // tensor_type: TypeProto.Tensor
      tensor.varint(1, DTYPE_CODE[v.dtype]); // elem_type
      tensor.message(2, (shape) => { // shape: TensorShapeProto
        for (const d of v.shape) {
          shape.message(1, (dim) => { // dim
            if (typeof d === 'number') dim.varint(1, d); // dim_value
            else if (!d.startsWith('?')) dim.string(2, d); // dim_param; an unknown ("?n") stays unnamed
          });
        }
      });
    }),
  );
}

function writeAttribute(w: ProtoWriter, name: string, a: Attribute): void {
  w.string(1, name);
  if ('f' in a) w.float(2, a.f).varint(20, ATTR_FLOAT);
  else if ('i' in a) w.varint(3, a.i).varint(20, ATTR_INT);
  else if ('s' in a) w.string(4, a.s).varint(20, ATTR_STRING);
  else if ('t' in a) w.message(5, (t) => writeTensor(t, a.t)).varint(20, ATTR_TENSOR);
  else if ('floats' in a) w.packedFloats(7, a.floats).varint(20, ATTR_FLOATS);
  else w.packedVarints(8, a.ints).varint(20, ATTR_INTS);
}

function writeNode(w: ProtoWriter, n: NodeSpec): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, a] of Object.entries(n.attrs)) w.message(5, (aw) => writeAttribute(aw, k, a));
  if (n.domain) w.string(7, n.domain);
}

export function encodeModel(model: ModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, model.irVersion); // ir_version
  w.string(2, model.producer); // producer_name
  w.message(7, (g) => { // graph
    for (const n of model.graph.nodes) g.message(1, (nw) => writeNode(nw, n));
    g.string(2, model.graph.name);
    for (const t of model.graph.initializers) g.message(5, (tw) => writeTensor(tw, t));
    for (const v of model.graph.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of model.graph.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
    for (const v of model.graph.valueInfo ?? []) g.message(13, (vw) => writeValueInfo(vw, v));
  });
  w.message(8, (o) => o.string(1, '').varint(2, model.opset)); // opset_import
  return w.finish();
}

// ---- decoding (inspection in tests and tools) ----

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function one<T>(f: ProtoFields, n: number): T | undefined {
  const l = f.get(n);
  return l ? (l[l.length - 1] as T) : undefined;
}
function all<T>(f: ProtoFields, n: number): T[] {
  return (f.get(n) ?? []) as T[];
}

/** Repeated int64 may arrive packed or unpacked; accept both as the spec requires. */
function int64s(f: ProtoFields, n: number): number[] {
  return all<bigint | Uint8Array>(f, n).flatMap((v) =>
    v instanceof Uint8Array ? decodePackedVarints(v).map(Number) : [Number(BigInt.asIntN(64, v))],
  );
}

function decodeTensor(b: Uint8Array): TensorData {
  const f = decodeFields(b);
  const raw = one<Uint8Array>(f, 9);
  if (!raw) throw new Error('ONNX tensor without raw_data is not supported by the reader');
  return {
    name: text(one<Uint8Array>(f, 8) ?? new Uint8Array()),
    dtype: dtypeFromCode(Number(one<bigint>(f, 2))),
    dims: int64s(f, 1),
    raw,
  };
}

function decodeValueInfo(b: Uint8Array): ValueInfo {
  const f = decodeFields(b);
  const type = decodeFields(one<Uint8Array>(f, 2)!);
  const tensor = decodeFields(one<Uint8Array>(type, 1)!);
  const shape = decodeFields(one<Uint8Array>(tensor, 2) ?? new Uint8Array());
  return {
    name: text(one<Uint8Array>(f, 1)!),
    dtype: dtypeFromCode(Number(one<bigint>(tensor, 1))),
    shape: all<Uint8Array>(shape, 1).map((d) => {
      const df = decodeFields(d);
      const param = one<Uint8Array>(df, 2);
      return param ? text(param) : Number(one<bigint>(df, 1) ?? 0n);
    }),
  };
}

function decodeAttribute(b: Uint8Array): [string, Attribute] {
  const f = decodeFields(b);
  const name = text(one<Uint8Array>(f, 1)!);
  const type = Number(one<bigint>(f, 20));
  switch (type) {
    case ATTR_FLOAT: return [name, { f: one<number>(f, 2)! }];
    case ATTR_INT: return [name, { i: Number(BigInt.asIntN(64, one<bigint>(f, 3)!)) }];
    case ATTR_STRING: return [name, { s: text(one<Uint8Array>(f, 4)!) }];
    case ATTR_TENSOR: return [name, { t: decodeTensor(one<Uint8Array>(f, 5)!) }];
    case ATTR_FLOATS: {
      const packed = one<Uint8Array>(f, 7);
      const floats = packed ? Array.from(new Float32Array(packed.slice().buffer)) : [];
      return [name, { floats }];
    }
    case ATTR_INTS: return [name, { ints: int64s(f, 8) }];
    default: throw new Error(`ONNX attribute ${name} has unsupported type ${type}`);
  }
}

export function decodeModel(bytes: Uint8Array): ModelSpec {
  const f = decodeFields(bytes);
  const g = decodeFields(one<Uint8Array>(f, 7)!);
  const opset = decodeFields(one<Uint8Array>(f, 8)!);
  return {
    irVersion: Number(one<bigint>(f, 1)),
    producer: text(one<Uint8Array>(f, 2) ?? new Uint8Array()),
    opset: Number(one<bigint>(opset, 2)),
    graph: {
      name: text(one<Uint8Array>(g, 2) ?? new Uint8Array()),
      nodes: all<Uint8Array>(g, 1).map((nb) => {
        const nf = decodeFields(nb);
        const domain = one<Uint8Array>(nf, 7);
        return {
          inputs: all<Uint8Array>(nf, 1).map(text),
          outputs: all<Uint8Array>(nf, 2).map(text),
          name: text(one<Uint8Array>(nf, 3) ?? new Uint8Array()),
          opType: text(one<Uint8Array>(nf, 4)!),
          attrs: Object.fromEntries(all<Uint8Array>(nf, 5).map(decodeAttribute)),
          ...(domain ? { domain: text(domain) } : {}),
        };
      }),
      initializers: all<Uint8Array>(g, 5).map(decodeTensor),
      inputs: all<Uint8Array>(g, 11).map(decodeValueInfo),
      outputs: all<Uint8Array>(g, 12).map(decodeValueInfo),
    },
  };
}
