// The DPO loss of a causal LM against float64 finite differences (gradCheck):
// every weight, the packed batch and the reference log-probs as the check's
// inputs, for the tests of the DPO step, LoRA aside.
import * as ort from 'onnxruntime-node';
import { weightSpecs, type LmConfig } from '../model/config';
import { sequenceLogProbs, type LogProbOptions } from '../model/graphs';
import { gradCheck, type GradCheckOptions, type GradCheckResult, type GradInput } from '../onnx/gradcheck';
import { reshape } from '../onnx/ops';
import type { SequenceBatch } from './batches';
import { dpoLoss, type DpoOptions } from './dpo';

export interface DpoGradCase {
  cfg: LmConfig;
  weights: Map<string, Float32Array>;
  batch: SequenceBatch;
  /** Reference log-probs and real-row mask, one per row. */
  ref: number[];
  rowMask: number[];
  m: number;
  loss: DpoOptions;
  logProbs?: LogProbOptions;
}

export function dpoGradCheck(c: DpoGradCase, options: GradCheckOptions): Promise<GradCheckResult> {
  const specs = weightSpecs(c.cfg);
  const ints = (t: { dims: number[]; data: unknown }) => Array.from(t.data as BigInt64Array, Number);
  const inputs: GradInput[] = [
    ...specs.map((s) => ({ name: s.name, shape: s.shape, data: Array.from(c.weights.get(s.name)!) })),
    { name: 'ids', shape: c.batch.input_ids.dims, data: ints(c.batch.input_ids), int: true },
    { name: 'mask', shape: c.batch.attention_mask.dims, data: ints(c.batch.attention_mask), int: true },
    { name: 'positions', shape: c.batch.position_ids.dims, data: ints(c.batch.position_ids), int: true },
    { name: 'loss_mask', shape: c.batch.loss_mask.dims, data: Array.from(c.batch.loss_mask.data as Float32Array), noGrad: true },
    { name: 'ref', shape: [c.ref.length], data: c.ref, noGrad: true },
    { name: 'row_mask', shape: [c.rowMask.length], data: c.rowMask, noGrad: true },
  ];
  return gradCheck(ort, inputs, (xs) => {
    const byName = new Map(specs.map((s, k) => [s.name, xs[k]]));
    const [ids, mask, positions, lossMask, ref, rm] = xs.slice(specs.length);
    const { sum, count } = sequenceLogProbs(c.cfg, { get: (n) => byName.get(n)!, transposed: () => null }, { ids, mask, positions, lossMask }, c.logProbs);
    const g = (v: typeof sum) => reshape(v, [-1, 1 + c.m]);
    return reshape(dpoLoss(g(sum), g(ref), g(count), c.loss, g(rm)).loss, [1]);
  }, { outputShape: [1], ...options });
}
