// The DPO train step on a tiny Llama: its loss equals the TypeScript reference
// computed from the log-prob graph's outputs, and its gradient matches finite
// differences on sampled parameters, for every loss variant.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { parseConfig, weightSpecs } from '../model/config';
import { randomWeights, TINY_CONFIGS } from '../model/random-init';
import { buildLogProbGraph } from '../model/graphs';
import { buildTrainStep } from '../onnx/train-step';
import { batchTensors, TrainSession } from '../onnx/runtime';
import { dpoGradCheck } from './dpo-gradcheck.testutil';
import { packSequences, sequenceFeeds } from './batches';
import { dpoLossReference, dpoTrainStep, type DpoOptions } from './dpo';

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
  { variant: 'sigmoid', beta: 0.1, labelSmoothing: 0 },
  { variant: 'robust', beta: 0.1, labelSmoothing: 0.1 },
  { variant: 'hinge', beta: 0.5, labelSmoothing: 0 },
  { variant: 'ipo', beta: 0.1, labelSmoothing: 0 },
  { variant: 'infonca', beta: 0.1, labelSmoothing: 0 },
];

async function scores(w: Map<string, Float32Array>) {
  const s = await ort.InferenceSession.create(buildLogProbGraph(cfg, w).bytes);
  const out = await s.run(batchTensors(ort, sequenceFeeds(batch)));
  return { sum: Array.from(out.logp_sum.data as Float32Array), count: Array.from(out.token_count.data as Float32Array) };
}
const group = (xs: number[]) => [xs.slice(0, 1 + M), xs.slice(1 + M)];

describe('DPO train step on a tiny Llama', () => {
  for (const o of variants) {
    it(`${o.variant}: loss equals the reference from the log-prob graph (one padded row); gradient matches finite differences`, async () => {
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
