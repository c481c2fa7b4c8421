// The DPO train step on a tiny Llama: its loss equals the TypeScript reference
// computed from the log-prob graph's outputs, and its gradient matches finite
// differences on sampled parameters, for every loss variant. On the shipped
// default model, AdamW apart from the gradients (how CPU EPs train) steps bit
// for bit as the fused graph.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { parseConfig, weightSpecs } from '../model/config';
import { randomWeights, TINY_CONFIGS } from '../model/random-init';
import { buildLogProbGraph } from '../model/graphs';
import { buildTrainStep } from '../onnx/train-step';
import { batchTensors, TrainSession } from '../onnx/runtime';
import { dpoGradCheck } from './dpo-gradcheck.testutil';
import { packSequences, sequenceFeeds } from './batches';
import { dpoTrainStep, PAPER_DPO, type DpoOptions } from './dpo';
import { dpoLossReference } from './dpo-reference.testutil';
import { loadDefaultLm } from '../task/node-lab.testutil';
import { createRng } from '../random';

const cfg = parseConfig(TINY_CONFIGS.llama);
const weights = randomWeights(cfg, 3, 0.2);
const refWeights = randomWeights(cfg, 4, 0.2); // a different reference, so log-ratios are not zero
const M = 2;
// Two prompts, each: chosen, then M rejected (ragged lengths).
const rows = [
  { prompt: [1, 5, 6, 7], response: [8, 9, 2] }, { prompt: [1, 5, 6, 7], response: [10, 2] }, { prompt: [1, 5, 6, 7], response: [11, 12, 13, 2] },
  { prompt: [1, 20, 21], response: [22, 2] }, { prompt: [1, 20, 21], response: [23, 24, 2] }, { prompt: [1, 20, 21], response: [2] },
];
const batch = packSequences(rows, 0);
// The second prompt brought one negative fewer: its last row is padding.
const rowMask = [1, 1, 1, 1, 1, 0];
const variants: DpoOptions[] = [
  { variant: 'sigmoid', beta: 0.1, labelSmoothing: 0, rpoAlpha: null },
  { variant: 'robust', beta: 0.1, labelSmoothing: 0.1, rpoAlpha: null },
  { variant: 'hinge', beta: 0.5, labelSmoothing: 0, rpoAlpha: null },
  { variant: 'ipo', beta: 0.1, labelSmoothing: 0, rpoAlpha: null },
  { variant: 'infonca', beta: 0.1, labelSmoothing: 0, rpoAlpha: null },
  { variant: 'sigmoid', beta: 0.1, labelSmoothing: 0, rpoAlpha: 1 },
];

async function scores(w: Map<string, Float32Array>) {
  const s = await ort.InferenceSession.create(buildLogProbGraph(cfg, w).bytes);
  const out = await s.run(batchTensors(ort, sequenceFeeds(batch)));
  return { sum: Array.from(out.logp_sum.data as Float32Array), count: Array.from(out.token_count.data as Float32Array) };
}
const group = (xs: number[]) => [xs.slice(0, 1 + M), xs.slice(1 + M)];

describe('DPO train step on a tiny Llama', () => {
  for (const o of variants) {
    it(`${o.variant}${o.rpoAlpha === null ? '' : ` + RPO α ${o.rpoAlpha}`}: loss equals the reference from the log-prob graph (one padded row); gradient matches finite differences`, async () => {
      const policy = await scores(weights);
      const reference = await scores(refWeights);
      const session = await TrainSession.create(ort, buildTrainStep(dpoTrainStep(cfg, o, M)), 'cpu',
        Object.fromEntries(weightSpecs(cfg).map((s) => [s.name, { data: weights.get(s.name)!, dims: s.shape }])));
      const feeds = batchTensors(ort, {
        ...sequenceFeeds(batch),
        ref_logps: { type: 'float32', data: Float32Array.from(reference.sum), dims: [rows.length] },
        row_mask: { type: 'float32', data: Float32Array.from(rowMask), dims: [rows.length] },
      });
      const out = await session.step(feeds, 0, 1);
      await session.release();
      const expected = dpoLossReference(group(policy.sum), group(reference.sum), group(policy.count), o, group(rowMask));
      expect(Math.abs(out.loss[0] - expected)).toBeLessThan(1e-4);
      expect(Number.isFinite(out['rewards/margins'][0])).toBe(true);

      const r = await dpoGradCheck({ cfg, weights, batch, ref: reference.sum, rowMask, m: M, loss: o }, { samplesPerInput: 1 });
      expect(r.worst, r.where).toBeLessThanOrEqual(1);
    });
  }
});

describe('DPO on the shipped default model: AdamW apart from the gradients (separateUpdate)', () => {
  it('3 steps with gradient accumulation, clipping and weight decay: metrics, parameters and moments bit for bit those of the fused graph', async () => {
    const lm = await loadDefaultLm();
    const rng = createRng(7);
    const seq = (n: number) => Array.from({ length: n }, () => 3 + Math.floor(rng() * (lm.config.vocabSize - 3)));
    const pass = () => {
      const prompt = seq(12);
      const packed = packSequences([{ prompt, response: [...seq(9), 2] }, { prompt, response: [...seq(14), 2] }], lm.padTokenId);
      return batchTensors(ort, {
        ...sequenceFeeds(packed),
        ref_logps: { type: 'float32', data: Float32Array.of(-60, -90), dims: [2] },
        row_mask: { type: 'float32', data: Float32Array.of(1, 1), dims: [2] },
      });
    };
    const params = Object.fromEntries(weightSpecs(lm.config).map((s) => [s.name, { data: lm.weights.get(s.name)!, dims: s.shape }]));
    const spec = (separateUpdate: boolean) => ({ ...dpoTrainStep(lm.config, PAPER_DPO, 1, { optimizer: { weightDecay: 0.1, maxGradNorm: 0.5 }, gradientAccumulation: true }), separateUpdate });
    const fused = await TrainSession.create(ort, buildTrainStep(spec(false)), 'cpu', params);
    const separate = await TrainSession.create(ort, buildTrainStep(spec(true)), 'cpu', params, {}, { updateSlice: 5000 });
    let clipped = false;
    for (let step = 1; step <= 3; step++) {
      const [first, last] = [pass(), pass()];
      expect(await separate.accumulate(first, 0.5)).toEqual(await fused.accumulate(first, 0.5));
      const expected = await fused.step(last, 1e-3, step, 0.5);
      expect(await separate.step(last, 1e-3, step, 0.5), `step ${step}`).toEqual(expected);
      clipped ||= expected.grad_norm[0] > 0.5;
      const [a, b] = [await fused.fullState(), await separate.fullState()];
      for (const name of Object.keys(a)) expect(b[name].data.every((x, i) => Object.is(x, a[name].data[i])), `${name} after step ${step}`).toBe(true);
    }
    expect(clipped).toBe(true);
    await fused.release();
    await separate.release();
  });
});
