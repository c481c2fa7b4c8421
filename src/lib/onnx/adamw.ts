// AdamW inside the graph, with torch.optim.AdamW's semantics and symbol names:
// decoupled weight decay, bias-corrected moments, and torch's global grad-norm
// clipping (clip_grad_norm_) before the update. lr and step are graph inputs so
// schedules need no rebuild.
import type { Value } from './graph';
import { add, clip, div, mul, pow, scalar, sqrt, sub, sumSquaresAll } from './ops';

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

/** torch's total_norm: the L2 norm over all gradients together. */
export function globalGradNorm(grads: readonly Value[]): Value {
  return sqrt(grads.map(sumSquaresAll).reduce((a, b) => add(a, b)));
}

/**
 * One AdamW step for all slots; `gradNorm` is given when the slots are a part of
 * the parameters (the norm clipping uses is over all of them). `lr` and `step` are float32 scalars; step counts from 1.
 * Every per-element pass reads and writes parameter-sized tensors, so the
 * scalar factors are folded first and each tensor sees 13 passes (torch's
 * order of operations took 16; one more with weight decay): the norm reads the gradient once
 * (ReduceSumSquare, no squared copy alive until the second moment needs one);
 * clipping scales the moments' coefficients,
 * (1 − β1)·c and (1 − β2)·c², not the gradient; and torch's
 * lr/bc1 · m / (√v / √bc2 + eps) is (lr·√bc2/bc1) · m / (√v + eps·√bc2).
 */
export function adamwStep(
  slots: readonly AdamWSlot[], lr: Value, step: Value, cfg: AdamWConfig, gradNorm: Value = globalGradNorm(slots.map((s) => s.grad)),
): AdamWResult {
  const g = lr.graph;
  const { beta1, beta2, eps, weightDecay, maxGradNorm } = cfg;

  // torch: clip_coef = max_norm / (total_norm + 1e-6), clamped to at most 1.
  const clipCoef = maxGradNorm === null ? null : clip(div(scalar(g, maxGradNorm), add(gradNorm, 1e-6)), 0, 1);
  const gradCoef = clipCoef ? mul(clipCoef, 1 - beta1) : scalar(g, 1 - beta1);
  const squareCoef = clipCoef ? mul(mul(clipCoef, clipCoef), 1 - beta2) : scalar(g, 1 - beta2);

  const bc1 = sub(scalar(g, 1), pow(scalar(g, beta1), step)); // bias_correction1
  const sqrtBc2 = sqrt(sub(scalar(g, 1), pow(scalar(g, beta2), step))); // √bias_correction2
  const stepSize = div(mul(lr, sqrtBc2), bc1);
  const epsHat = mul(sqrtBc2, eps);
  const decay = sub(scalar(g, 1), mul(lr, weightDecay));

  const out: AdamWResult = { params: [], m: [], v: [], gradNorm };
  for (const s of slots) {
    const decayed = s.decay && weightDecay !== 0 ? mul(s.param, decay) : s.param;
    const m = add(mul(s.m, beta1), mul(s.grad, gradCoef)); // exp_avg
    // (g·coef)·g, not g²·coef: g² alone could run as soon as its gradient exists, and every
    // parameter's square would then wait, alive, for the clip coefficient.
    const v = add(mul(s.v, beta2), mul(mul(s.grad, squareCoef), s.grad)); // exp_avg_sq
    out.params.push(sub(decayed, mul(div(m, add(sqrt(v), epsHat)), stepSize)));
    out.m.push(m);
    out.v.push(v);
  }
  return out;
}
