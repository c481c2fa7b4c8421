import { describe, expect, it } from 'vitest';
import { parseHeader, readCheckpoint, readSafetensors, weightsForConfig, writeSafetensors } from './safetensors';
import { parseConfig, weightSpecs } from './config';
import { randomWeights, TINY_CONFIGS } from './random-init';

/** A safetensors file with 16-bit tensors, laid out by hand as the format says. */
function sixteenBit(dtype: 'F16' | 'BF16', name: string, halves: number[]): Uint8Array {
  const header = JSON.stringify({ [name]: { dtype, shape: [halves.length], data_offsets: [0, 2 * halves.length] } });
  const hb = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + hb.length + 2 * halves.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  halves.forEach((h, i) => view.setUint16(8 + hb.length + 2 * i, h, true));
  return out;
}

describe('safetensors', () => {
  it('round-trips float32 tensors with metadata, header aligned to 8 bytes', () => {
    const tensors = [
      { name: 'a', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -7]) },
      { name: 'b.bias', shape: [1], data: Float32Array.from([42]) },
    ];
    const bytes = writeSafetensors(tensors, { format: 'pt' });
    const { metadata, dataStart } = parseHeader(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect(dataStart % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(back.get('a')).toEqual(tensors[0]);
    expect(back.get('b.bias')).toEqual(tensors[1]);
  });

  it('converts F16 and BF16 to float32 exactly', () => {
    // F16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal 2^-24 = 0x0001
    expect(Array.from(readSafetensors(sixteenBit('F16', 'x', [0x3c00, 0xc000, 0x7bff, 0x0001])).get('x')!.data)).toEqual([1, -2, 65504, 2 ** -24]);
    // BF16: the high half of float32: 1.0 = 0x3f80, -0.5 = 0xbf00, 3.140625 = 0x4049
    expect(Array.from(readSafetensors(sixteenBit('BF16', 'y', [0x3f80, 0xbf00, 0x4049])).get('y')!.data)).toEqual([1, -0.5, 3.140625]);
  });

  it('says a truncated file is truncated', () => {
    const bytes = writeSafetensors([{ name: 'a', shape: [4], data: new Float32Array(4) }]);
    expect(() => readSafetensors(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated download/);
    expect(() => readSafetensors(bytes.subarray(0, 20))).toThrow(/truncated download/);
  });

  it('reads a sharded checkpoint through its index and maps it onto the config', async () => {
    const cfg = parseConfig(TINY_CONFIGS.gpt2);
    const weights = randomWeights(cfg, 1);
    const names = [...weights.keys()];
    const half = Math.ceil(names.length / 2);
    // GPT2LMHeadModel checkpoints prefix "transformer."; the loader accepts both.
    const files: Record<string, Uint8Array> = {};
    const specs = new Map(weightSpecs(cfg).map((s) => [s.name, s.shape]));
    const write = (part: string[]) => writeSafetensors(part.map((n) => ({ name: `transformer.${n}`, shape: specs.get(n)!, data: weights.get(n)! })));
    files['model-00001-of-00002.safetensors'] = write(names.slice(0, half));
    files['model-00002-of-00002.safetensors'] = write(names.slice(half));
    const weightMap = Object.fromEntries(names.map((n, i) => [`transformer.${n}`, i < half ? 'model-00001-of-00002.safetensors' : 'model-00002-of-00002.safetensors']));
    files['model.safetensors.index.json'] = new TextEncoder().encode(JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const loaded = weightsForConfig(cfg, await readCheckpoint(async (f) => files[f] ?? null));
    for (const n of names) expect(loaded.get(n)).toEqual(weights.get(n));
  });

  it('names missing and mis-shaped tensors', () => {
    const cfg = parseConfig(TINY_CONFIGS.llama);
    const weights = randomWeights(cfg, 1);
    const tensors = new Map([...weights].map(([name, data]) => [name, { name, shape: [data.length], data }]));
    expect(() => weightsForConfig(cfg, tensors)).toThrow(/tensor model.embed_tokens.weight has shape \[1280\], expected \[40, 32\]/);
    const shapes = new Map(weightSpecs(cfg).map((sp) => [sp.name, sp.shape]));
    const withoutNorm = new Map([...weights].filter(([name]) => name !== 'model.norm.weight').map(([name, data]) => [name, { name, shape: shapes.get(name)!, data }]));
    expect(() => weightsForConfig(cfg, withoutNorm)).toThrow(/: missing tensor model.norm.weight \[32\]$/);
  });
});
