// Minimal protobuf wire-format encoder and decoder: just what onnx.proto needs
// (varints, length-delimited fields, packed repeated varints, fixed32 floats).
// Hand-written because the subset is ~100 lines and keeps the engine free of
// a runtime schema compiler in the browser bundle.

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/**
 * Bytes written straight into the finished buffer (a weight transposed for the
 * graph, say), so they never exist as a separate copy beside it.
 */
export interface DeferredBytes {
  byteLength: number;
  writeTo(target: Uint8Array): void;
}

export class ProtoWriter {
  private chunks: (Uint8Array | DeferredBytes)[] = [];
  private scratch: number[] = [];
  private length = 0;

  private flushScratch(): void {
    if (this.scratch.length === 0) return;
    this.chunks.push(Uint8Array.from(this.scratch));
    this.length += this.scratch.length;
    this.scratch = [];
  }

  private rawVarint(value: bigint | number): void {
    // int64 fields: negative numbers are encoded as 10-byte two's complement.
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.scratch.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.scratch.push(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.rawVarint((field << 3) | wire);
  }

  varint(field: number, value: bigint | number): this {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.scratch.push(...b);
    return this;
  }

  bytes(field: number, data: Uint8Array | DeferredBytes): this {
    this.tag(field, WIRE_LEN);
    this.rawVarint(data.byteLength);
    this.flushScratch();
    this.chunks.push(data);
    this.length += data.byteLength;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /**
   * A nested message: its chunks join this writer's as they are, so a model's
   * weights are copied once, by the outermost finish(), not once per nesting level.
   */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    inner.flushScratch();
    this.tag(field, WIRE_LEN);
    this.rawVarint(inner.length);
    this.flushScratch();
    for (const c of inner.chunks) this.chunks.push(c);
    this.length += inner.length;
    return this;
  }

  packedVarints(field: number, values: readonly (bigint | number)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.rawVarint(v);
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: readonly number[]): this {
    return this.bytes(field, new Uint8Array(Float32Array.from(values).buffer));
  }

  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      if (c instanceof Uint8Array) out.set(c, offset);
      else c.writeTo(out.subarray(offset, offset + c.byteLength));
      offset += c.byteLength;
    }
    return out;
  }
}

export type ProtoValue = bigint | Uint8Array | number;

/** Every field of one message, by field number, in wire order. */
export type ProtoFields = Map<number, ProtoValue[]>;

export function decodeFields(buf: Uint8Array): ProtoFields {
  const fields: ProtoFields = new Map();
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(readVarint());
    const field = key >> 3;
    const wire = key & 7;
    let value: ProtoValue;
    if (wire === WIRE_VARINT) value = readVarint();
    else if (wire === WIRE_LEN) {
      const len = Number(readVarint());
      if (pos + len > buf.length) throw new Error(`protobuf: field ${field} overruns buffer`);
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else if (wire === WIRE_FIXED32) {
      value = view.getFloat32(pos, true);
      pos += 4;
    } else if (wire === WIRE_FIXED64) {
      value = view.getFloat64(pos, true);
      pos += 8;
    } else throw new Error(`protobuf: unsupported wire type ${wire} for field ${field}`);
    const list = fields.get(field);
    if (list) list.push(value);
    else fields.set(field, [value]);
  }
  return fields;
}

export function decodePackedVarints(buf: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    out.push(BigInt.asIntN(64, result));
  }
  return out;
}
