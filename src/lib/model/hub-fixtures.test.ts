// The tests' Hub fixtures (scripts/build-hub-fixtures.ts) load through the same
// loader the lab uses, from the Hub's file layout — sharded, BF16, GPT-2 — and
// our graphs' logits on them equal the float64 reference.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { loadLm } from './load';
import { buildDecoderGraph, pastName } from './graphs';
import { referenceLogits } from './reference.testutil';
import { parseConfig } from './config';

const dir = (name: string) => `e2e/hub-fixtures/lab-tiny/${name}`;
const reader = (name: string) => async (file: string) => (existsSync(`${dir(name)}/${file}`) ? new Uint8Array(readFileSync(`${dir(name)}/${file}`)) : null);

describe('Hub-layout fixtures', () => {
  for (const [name, family] of [['llama-sharded', 'llama'], ['qwen2-bf16', 'llama'], ['gpt2', 'gpt2']] as const) {
    it(`${name}: loads as ${family} and its logits match the float64 reference`, async () => {
      const lm = await loadLm(reader(name));
      expect(lm.config.family).toBe(family);
      const ids = lm.tokenizer.encode('Ben has 32 books. He gives away 4.');
      const T = ids.length;
      const input = { ids: [ids], mask: [ids.map(() => 1)], positions: [ids.map((_, t) => t)] };
      const session = await ort.InferenceSession.create(buildDecoderGraph(lm.config, lm.weights).bytes);
      const past = Object.fromEntries(Array.from({ length: lm.config.numLayers }, (_, l) => (['key', 'value'] as const).map((k) =>
        [pastName(l, k), new ort.Tensor('float32', new Float32Array(0), [1, lm.config.numKvHeads, 0, lm.config.headDim])])).flat());
      const i64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [1, T]);
      const out = await session.run({ input_ids: i64(input.ids), attention_mask: i64(input.mask), position_ids: i64(input.positions), ...past });
      const logits = out.logits.data as Float32Array;
      const reference = referenceLogits(lm.config, lm.weights, input);
      let worst = 0;
      for (let t = 0; t < T; t++) for (let v = 0; v < lm.config.vocabSize; v++) worst = Math.max(worst, Math.abs(logits[t * lm.config.vocabSize + v] - reference[0][t][v]));
      expect(worst).toBeLessThan(1e-3);
    });
  }

  it('qwen2-bf16 stores BF16: every loaded weight is exactly representable in bfloat16', async () => {
    const header = readFileSync(`${dir('qwen2-bf16')}/model.safetensors`);
    expect(header.subarray(8, 400).toString()).toContain('"dtype":"BF16"');
    const lm = await loadLm(reader('qwen2-bf16'));
    for (const w of lm.weights.values()) expect(new Uint32Array(w.buffer, w.byteOffset, w.length).every((bits) => (bits & 0xffff) === 0)).toBe(true);
  });

  it('llama-sharded is split over the shards its index names', () => {
    const index = JSON.parse(readFileSync(`${dir('llama-sharded')}/model.safetensors.index.json`, 'utf8')) as { weight_map: Record<string, string> };
    expect(new Set(Object.values(index.weight_map)).size).toBe(2);
  });

  it('bert-unsupported is refused by name', () => {
    expect(() => parseConfig(JSON.parse(readFileSync(`${dir('bert-unsupported')}/config.json`, 'utf8')))).toThrow(/model_type "bert" is not supported/);
  });
});
