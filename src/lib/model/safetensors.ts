// safetensors: read (F32, F16, BF16 → float32 for compute; single file or
// sharded with model.safetensors.index.json) and write (F32), plus the check
// that a checkpoint holds exactly the tensors a model config needs.
import type { LmConfig, TensorSpec } from './config';
import { weightSpecs } from './config';

export interface StEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** With headerOnly, `bytes` may end after the header (tensor bounds are not checked). */
export function parseHeader(bytes: Uint8Array, opts: { headerOnly?: boolean } = {}): { entries: Map<string, StEntry>; metadata: Record<string, string>; dataStart: number } {
  if (bytes.byteLength < 8) throw new Error('safetensors: file shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (8 + headerLen > bytes.byteLength) throw new Error(`safetensors: header of ${headerLen} bytes runs past the end of the file (truncated download?)`);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new Error(`safetensors: header is not valid JSON (${e instanceof Error ? e.message : e})`, { cause: e });
  }
  const entries = new Map<string, StEntry>();
  let metadata: Record<string, string> = {};
  const dataLen = bytes.byteLength - 8 - headerLen;
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    const e = value as StEntry;
    if (!opts.headerOnly && e.data_offsets[1] > dataLen) throw new Error(`safetensors: tensor ${name} ends at byte ${e.data_offsets[1]} but the data has ${dataLen} bytes (truncated download?)`);
    entries.set(name, e);
  }
  return { entries, metadata, dataStart: 8 + headerLen };
}

function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Decodes one tensor to float32, whatever its stored float type. */
export function tensorData(bytes: Uint8Array, dataStart: number, name: string, e: StEntry): Float32Array {
  const [begin, end] = e.data_offsets;
  const raw = bytes.subarray(dataStart + begin, dataStart + end);
  const count = e.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(count);
  const need = (size: number) => {
    if (raw.byteLength !== count * size) throw new Error(`safetensors: tensor ${name} has ${raw.byteLength} bytes for shape [${e.shape.join(', ')}] in ${e.dtype}`);
  };
  switch (e.dtype) {
    case 'F32':
      need(4);
      // Every browser and Node host is little-endian, as the format is: copy the bytes.
      out.set(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
      return out;
    case 'F16':
      need(2);
      for (let i = 0; i < count; i++) out[i] = f16ToF32(view.getUint16(2 * i, true));
      return out;
    case 'BF16': {
      need(2);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    default:
      throw new Error(`safetensors: tensor ${name} has dtype ${e.dtype}; the lab reads F32, F16 and BF16`);
  }
}

export function readSafetensors(bytes: Uint8Array): Map<string, NamedTensor> {
  const { entries, dataStart } = parseHeader(bytes);
  const out = new Map<string, NamedTensor>();
  for (const [name, e] of entries) out.set(name, { name, shape: e.shape, data: tensorData(bytes, dataStart, name, e) });
  return out;
}

/** float32 → bfloat16 bits, rounding to nearest even (as torch does). */
function toBf16(data: Float32Array): Uint16Array {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (bits[i] + 0x7fff + ((bits[i] >>> 16) & 1)) >>> 16;
  return out;
}

/** Writes float32 tensors (as F32, or as BF16 the way Hub checkpoints often are), header padded to 8 bytes as the reference implementation does. */
export function writeSafetensors(tensors: readonly NamedTensor[], metadata: Record<string, string> = {}, dtype: 'F32' | 'BF16' = 'F32'): Uint8Array {
  const parts = safetensorsParts(tensors, metadata, dtype);
  const out = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.byteLength;
  }
  return out;
}

/**
 * The file writeSafetensors makes, as its pieces in order — the length-prefixed header, then each tensor's bytes
 * (views of F32 data, not copies) — for a writer that streams them instead of holding the whole file at once.
 */
export function safetensorsParts(tensors: readonly NamedTensor[], metadata: Record<string, string> = {}, dtype: 'F32' | 'BF16' = 'F32'): Uint8Array<ArrayBuffer>[] {
  const header: Record<string, unknown> = Object.keys(metadata).length ? { __metadata__: metadata } : {};
  const size = dtype === 'F32' ? 4 : 2;
  let offset = 0;
  for (const t of tensors) {
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== expected) throw new Error(`safetensors: tensor ${t.name} has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + size * t.data.length] };
    offset += size * t.data.length;
  }
  let json = JSON.stringify(header);
  while ((8 + new TextEncoder().encode(json).length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const head = new Uint8Array(8 + headerBytes.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  head.set(headerBytes, 8);
  return [head, ...tensors.map((t) => {
    const raw = dtype === 'F32' ? t.data : toBf16(t.data);
    return new Uint8Array(raw.buffer as ArrayBuffer, raw.byteOffset, raw.byteLength);
  })];
}

export interface ShardIndex {
  weight_map: Record<string, string>;
}

/** Reads a checkpoint, sharded or not; `read` returns a file's bytes by name or null when absent. */
export async function readCheckpoint(read: (file: string) => Promise<Uint8Array | null>): Promise<Map<string, NamedTensor>> {
  const index = await read('model.safetensors.index.json');
  if (index) {
    const parsed = JSON.parse(new TextDecoder().decode(index)) as ShardIndex;
    if (!parsed.weight_map) throw new Error('model.safetensors.index.json: missing weight_map');
    const tensors = new Map<string, NamedTensor>();
    for (const shard of new Set(Object.values(parsed.weight_map))) {
      const bytes = await read(shard);
      if (!bytes) throw new Error(`checkpoint: shard ${shard} named in model.safetensors.index.json is missing`);
      for (const [name, t] of readSafetensors(bytes)) tensors.set(name, t);
    }
    return tensors;
  }
  const single = await read('model.safetensors');
  if (!single) throw new Error('checkpoint: neither model.safetensors nor model.safetensors.index.json was found');
  return readSafetensors(single);
}

/** GPT-2 checkpoints name tensors with or without the "transformer." prefix. */
function canonicalName(cfg: LmConfig, name: string): string {
  return cfg.family === 'gpt2' && name.startsWith('transformer.') ? name.slice('transformer.'.length) : name;
}

/** Picks the tensors a config needs, by name; names every missing or mis-shaped one. */
export function weightsForConfig(cfg: LmConfig, tensors: Map<string, NamedTensor>): Map<string, Float32Array> {
  const byName = new Map<string, NamedTensor>();
  for (const [name, t] of tensors) byName.set(canonicalName(cfg, name), t);
  const problems: string[] = [];
  const out = new Map<string, Float32Array>();
  for (const spec of weightSpecs(cfg)) {
    const t = byName.get(spec.name);
    if (!t) problems.push(`missing tensor ${spec.name} [${spec.shape.join(', ')}]`);
    else if (!sameShape(t.shape, spec)) problems.push(`tensor ${spec.name} has shape [${t.shape.join(', ')}], expected [${spec.shape.join(', ')}]`);
    else out.set(spec.name, t.data);
  }
  if (problems.length) throw new Error(`checkpoint does not fit config.json (${cfg.modelType}): ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`);
  return out;
}

function sameShape(shape: number[], spec: TensorSpec): boolean {
  return shape.length === spec.shape.length && shape.every((d, i) => d === spec.shape[i]);
}
