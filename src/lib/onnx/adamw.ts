// AdamW inside the graph, with torch.optim.AdamW's semantics and symbol names:
// decoupled weight decay, bias-corrected moments, and torch's global grad-norm
// clipping (clip_grad_norm_) before the update. lr and step are graph inputs so
// schedules need no rebuild.
import type { Value } from './graph';
import { add, clip, div, mul, pow, reciprocal, scalar, sqrt, sub, sumAll } from './ops';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Global L2 norm the gradients are clipped to; null for no clipping. */
  maxGradNorm: number | null;
}

export const ADAMW_DEFAULTS: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1.0 };

export interface AdamWSlot {
  param: Value;
  grad: Value;
  m: Value;
  v: Value;
  /** Biases and norm gains are usually excluded from weight decay. */
  decay: boolean;
}

export interface AdamWResult {
  params: Value[];
  m: Value[];
  v: Value[];
  /** Global L2 norm of the gradients before clipping (torch returns the same). */
  gradNorm: Value;
}

/** One AdamW step for all slots. `lr` and `step` are float32 scalars; step counts from 1. */
export function adamwStep(slots: readonly AdamWSlot[], lr: Value, step: Value, cfg: AdamWConfig): AdamWResult {
  const g = lr.graph;
  const { beta1, beta2, eps, weightDecay, maxGradNorm } = cfg;

  const sq = slots.map((s) => sumAll(mul(s.grad, s.grad)));
  const gradNorm = sqrt(sq.reduce((a, b) => add(a, b)));
  // torch: clip_coef = max_norm / (total_norm + 1e-6), clamped to at most 1.
  const clipCoef = maxGradNorm === null ? null : clip(div(scalar(g, maxGradNorm), add(gradNorm, 1e-6)), 0, 1);

  const bc1 = sub(scalar(g, 1), pow(scalar(g, beta1), step)); // bias_correction1
  const bc2 = sub(scalar(g, 1), pow(scalar(g, beta2), step)); // bias_correction2
  const stepSize = div(lr, bc1);
  const invSqrtBc2 = reciprocal(sqrt(bc2));

  const out: AdamWResult = { params: [], m: [], v: [], gradNorm };
  for (const s of slots) {
    const grad = clipCoef ? mul(s.grad, clipCoef) : s.grad;
    const decayed = s.decay && weightDecay !== 0 ? mul(s.param, sub(scalar(g, 1), mul(lr, weightDecay))) : s.param;
    const m = add(mul(s.m, beta1), mul(grad, 1 - beta1)); // exp_avg
    const v = add(mul(s.v, beta2), mul(mul(grad, grad), 1 - beta2)); // exp_avg_sq
    const denom = add(mul(sqrt(v), invSqrtBc2), eps);
    out.params.push(sub(decayed, mul(div(m, denom), stepSize)));
    out.m.push(m);
    out.v.push(v);
  }
  return out;
}
