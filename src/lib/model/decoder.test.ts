// Our graphs against an independent float64 reference, for each family.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import type { Tensor } from 'onnxruntime-common';
import { parseConfig, weightSpecs, type LmConfig } from './config';
import { gradCheck, type GradInput } from '../onnx/gradcheck';
import { randomWeights, TINY_CONFIGS } from './random-init';
import { buildDecoderGraph, buildLogProbGraph, pastName, presentName, sequenceLogProbs, weightFeeds } from './graphs';
import type { InferenceModel } from '../onnx/model-proto';
import { createSession } from '../onnx/runtime';
import { DecoderSession } from './decoder-session';
import { logSoftmaxRow, referenceLogits, type ReferenceInput } from './reference.testutil';

// Two sequences, the second left-padded by 2: positions count real tokens only.
const input: ReferenceInput = {
  ids: [[5, 9, 3, 17, 22, 8, 30], [0, 0, 11, 4, 27, 6, 13]],
  mask: [[1, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1]],
  positions: [[0, 1, 2, 3, 4, 5, 6], [0, 0, 0, 1, 2, 3, 4]],
};

const i64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0].length]);
const cols = (rows: number[][], from: number, to: number) => rows.map((r) => r.slice(from, to));

function emptyPast(cfg: LmConfig, batch: number): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (let l = 0; l < cfg.numLayers; l++)
    for (const kind of ['key', 'value'] as const) feeds[pastName(l, kind)] = new ort.Tensor('float32', new Float32Array(0), [batch, cfg.numKvHeads, 0, cfg.headDim]);
  return feeds;
}

for (const [family, json] of Object.entries(TINY_CONFIGS)) {
  describe(`${family}: graphs vs float64 reference`, () => {
    const cfg = parseConfig(json);
    const weights = randomWeights(cfg, 3, 0.2);
    const reference = referenceLogits(cfg, weights, input);
    const B = input.ids.length;
    const T = input.ids[0].length;

    it('full-sequence logits match to 1e-4', async () => {
      const session = await ort.InferenceSession.create(buildDecoderGraph(cfg, weights).bytes);
      const out = await session.run({ input_ids: i64(input.ids), attention_mask: i64(input.mask), position_ids: i64(input.positions), ...emptyPast(cfg, B) });
      const logits = out.logits.data as Float32Array;
      expect(out.logits.dims).toEqual([B, T, cfg.vocabSize]);
      let worst = 0;
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
        if (!input.mask[b][t]) continue; // padded query rows are undefined in HF too
        for (let v = 0; v < cfg.vocabSize; v++) worst = Math.max(worst, Math.abs(logits[(b * T + t) * cfg.vocabSize + v] - reference[b][t][v]));
      }
      expect(worst).toBeLessThan(1e-4);
    });

    it('weights as external initializers give the embedded graph\'s logits bit for bit; as inputs, to 1e-5', async () => {
      const feeds = { input_ids: i64(input.ids), attention_mask: i64(input.mask), position_ids: i64(input.positions), ...emptyPast(cfg, B) };
      const logits = async (model: InferenceModel, weightInputs: Record<string, Tensor> = {}) => {
        const session = await createSession(ort, model, 'cpu');
        const out = (await session.run({ ...feeds, ...weightInputs })).logits.data as Float32Array;
        await session.release();
        return out;
      };
      const embedded = buildDecoderGraph(cfg, weights);
      const external = buildDecoderGraph(cfg, weights, { external: true });
      // Every weight byte is in the external files, none in the model.
      const weightBytes = [...weights.values()].reduce((a, w) => a + w.byteLength, 0);
      const externalBytes = external.externalData.reduce((a, f) => a + f.data.byteLength, 0);
      expect(externalBytes).toBeGreaterThanOrEqual(weightBytes);
      expect(external.bytes.byteLength).toBeLessThan(embedded.bytes.byteLength - 0.9 * externalBytes);
      const want = await logits(embedded);
      expect(await logits(external)).toEqual(want);
      const fed = await logits(buildDecoderGraph(cfg), weightFeeds(ort, cfg, weights));
      expect(Math.max(...fed.map((x, i) => Math.abs(x - want[i])))).toBeLessThan(1e-5);
    });

    it('prefill + token-by-token decode with the KV cache equals the full forward', async () => {
      const session = await ort.InferenceSession.create(buildDecoderGraph(cfg, weights, { lastTokenOnly: true }).bytes);
      const prefill = 4;
      let feeds: Record<string, Tensor> = {
        input_ids: i64(cols(input.ids, 0, prefill)), attention_mask: i64(cols(input.mask, 0, prefill)), position_ids: i64(cols(input.positions, 0, prefill)),
        ...emptyPast(cfg, B),
      };
      let worst = 0;
      for (let t = prefill - 1; t < T; t++) {
        const out = await session.run(feeds);
        expect(out.logits.dims).toEqual([B, 1, cfg.vocabSize]);
        const logits = out.logits.data as Float32Array;
        for (let b = 0; b < B; b++) for (let v = 0; v < cfg.vocabSize; v++) worst = Math.max(worst, Math.abs(logits[b * cfg.vocabSize + v] - reference[b][t][v]));
        if (t + 1 === T) break;
        feeds = { input_ids: i64(cols(input.ids, t + 1, t + 2)), attention_mask: i64(cols(input.mask, 0, t + 2)), position_ids: i64(cols(input.positions, t + 1, t + 2)) };
        for (let l = 0; l < cfg.numLayers; l++) for (const kind of ['key', 'value'] as const) feeds[pastName(l, kind)] = out[presentName(l, kind)];
      }
      expect(worst).toBeLessThan(1e-4);
    });

    for (const cacheOutputs of ['all', 'new'] as const) {
      it(`DecoderSession with cacheOutputs '${cacheOutputs}': prefill + decode steps equal the full forward`, async () => {
        const session = await DecoderSession.create(ort, cfg, weights, 'cpu', cacheOutputs);
        const i64s = (rows: number[][]) => BigInt64Array.from(rows.flat(), BigInt);
        const prefill = 3;
        let order = [0, 1]; // which input row each batch row is
        const pick = (rows: number[][], from: number, to: number) => cols(order.map((r) => rows[r]), from, to);
        let worst = 0;
        const check = (logits: Float32Array, t: number) => {
          order.forEach((r, b) => {
            for (let v = 0; v < cfg.vocabSize; v++) worst = Math.max(worst, Math.abs(logits[b * cfg.vocabSize + v] - reference[r][t][v]));
          });
        };
        check(await session.step(i64s(pick(input.ids, 0, prefill)), i64s(pick(input.positions, 0, prefill)), i64s(pick(input.mask, 0, prefill)), B, prefill, prefill), prefill - 1);
        for (let t = prefill; t < T; t++) {
          if (t === 5) {
            // Rows swapped mid-way keep their own cache.
            await session.selectRows([1, 0]);
            order = [1, 0];
          }
          check(await session.step(i64s(pick(input.ids, t, t + 1)), i64s(pick(input.positions, t, t + 1)), i64s(pick(input.mask, 0, t + 1)), B, 1, t + 1), t);
        }
        await session.release();
        expect(worst).toBeLessThan(1e-4);
      });
    }

    it('the log-prob graph equals log-softmax of the reference logits at the targets, over the loss mask', async () => {
      const lossMask = [[0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 0]];
      const session = await ort.InferenceSession.create(buildLogProbGraph(cfg, weights).bytes);
      const out = await session.run({
        input_ids: i64(input.ids), attention_mask: i64(input.mask), position_ids: i64(input.positions),
        loss_mask: new ort.Tensor('float32', Float32Array.from(lossMask.flat()), [B, T]),
      });
      for (let b = 0; b < B; b++) {
        let sum = 0, count = 0;
        for (let t = 1; t < T; t++) if (lossMask[b][t]) {
          sum += logSoftmaxRow(reference[b][t - 1])[input.ids[b][t]];
          count++;
        }
        expect(Math.abs((out.logp_sum.data as Float32Array)[b] - sum)).toBeLessThan(1e-4);
        expect((out.token_count.data as Float32Array)[b]).toBe(count);
      }
    });

    it('whole-model gradient of the sequence log-prob matches finite differences (2 elements per tensor)', async () => {
      const specs = weightSpecs(cfg);
      const lossMask = [[0, 0, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1, 1]];
      const inputs: GradInput[] = [
        ...specs.map((sp) => ({ name: sp.name, shape: sp.shape, data: Array.from(weights.get(sp.name)!) })),
        // Symbolic batch and length, as the training graphs declare them.
        { name: 'ids', shape: [B, T], dims: ['batch', 'length'], data: input.ids.flat(), int: true },
        { name: 'mask', shape: [B, T], dims: ['batch', 'length'], data: input.mask.flat(), int: true },
        { name: 'positions', shape: [B, T], dims: ['batch', 'length'], data: input.positions.flat(), int: true },
        { name: 'loss_mask', shape: [B, T], dims: ['batch', 'length'], data: lossMask.flat(), noGrad: true },
      ];
      const r = await gradCheck(ort, inputs, (xs) => {
        const byName = new Map(specs.map((sp, k) => [sp.name, xs[k]]));
        const [ids, mask, positions, lm] = xs.slice(specs.length);
        return sequenceLogProbs(cfg, { get: (n) => byName.get(n)!, transposed: () => null }, { ids, mask, positions, lossMask: lm }).sum;
      }, { samplesPerInput: 2, outputShape: [B] });
      expect(r.checked).toBe(2 * specs.length);
      expect(r.worst, r.where).toBeLessThanOrEqual(1);
    });
  });
}
