// Two tiny trainable models with deterministic data, shared by the engine's
// tests, its browser check and bench/train-step: a 2-layer MLP classifier and
// a one-block causal self-attention LM.
//   B batch, T time, C channels, H heads, D head dim, V vocabulary, K classes.
import type { Graph, Value } from './graph';
import {
  add, constant, div, gather, gatherElements, logSoftmax, matmul, meanAll, neg, reshape, softmax, tanh, transpose, unsqueeze,
} from './ops';
import type { ParamSpec, TrainStepSpec } from './train-step';
import type { HostBatchTensor, HostTensor } from './runtime';
import { createRng, randomNormalArray, type Rng } from '../random';

export interface TinyTask {
  spec: TrainStepSpec;
  init: Record<string, HostTensor>;
  batch: Record<string, HostBatchTensor>;
}

function initParams(rng: Rng, params: ParamSpec[]): Record<string, HostTensor> {
  return Object.fromEntries(
    params.map((p) => {
      const n = p.shape.reduce((a, b) => a * b, 1);
      // Matrices ~ N(0, 1/fan_in); vectors start at zero.
      const data = p.shape.length >= 2 ? randomNormalArray(rng, n, 1 / Math.sqrt(p.shape[0])) : new Float32Array(n);
      return [p.name, { data, dims: p.shape }];
    }),
  );
}

/** Mean negative log-likelihood of integer targets under logits [..., N]. */
export function crossEntropy(logits: Value, targets: Value): Value {
  const logp = logSoftmax(logits, -1);
  const picked = gatherElements(logp, unsqueeze(targets, [-1]), -1); // [..., 1]
  return neg(meanAll(picked));
}

export function tinyMlp(seed = 1, B = 16): TinyTask {
  const F = 4, Hd = 8, K = 3;
  const trainable: ParamSpec[] = [
    { name: 'w1', shape: [F, Hd] }, { name: 'b1', shape: [Hd] },
    { name: 'w2', shape: [Hd, K] }, { name: 'b2', shape: [K] },
  ];
  const rng = createRng(seed);
  const init = initParams(rng, trainable);
  // Labels come from a fixed random linear teacher, so the task is learnable.
  const x = randomNormalArray(rng, B * F);
  const teacher = randomNormalArray(rng, F * K);
  const labels = new BigInt64Array(B);
  for (let b = 0; b < B; b++) {
    let best = 0, bestScore = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let f = 0; f < F; f++) s += x[b * F + f] * teacher[f * K + k];
      if (s > bestScore) [best, bestScore] = [k, s];
    }
    labels[b] = BigInt(best);
  }
  const forward = (g: Graph, p: Record<string, Value>) => {
    const xs = g.input('x', 'float32', [B, F]);
    const ys = g.input('labels', 'int64', [B]);
    const h = tanh(add(matmul(xs, p.w1), p.b1)); // [B, Hd]
    const logits = add(matmul(h, p.w2), p.b2); // [B, K]
    return { loss: crossEntropy(logits, ys) };
  };
  return {
    spec: { trainable, forward },
    init,
    batch: { x: { type: 'float32', data: x, dims: [B, F] }, labels: { type: 'int64', data: labels, dims: [B] } },
  };
}

export const TINY_ATTENTION = { B: 4, T: 8, C: 16, H: 2, V: 16 } as const;

/** One causal self-attention block + LM head; the task: predict the previous token. */
export function tinyAttention(seed = 1): TinyTask {
  const { B, T, C, H, V } = TINY_ATTENTION;
  const D = C / H;
  const trainable: ParamSpec[] = [
    { name: 'wte', shape: [V, C] },
    { name: 'wq', shape: [C, C] }, { name: 'wk', shape: [C, C] }, { name: 'wv', shape: [C, C] }, { name: 'wo', shape: [C, C] },
    { name: 'lm_head', shape: [C, V] },
  ];
  const rng = createRng(seed);
  const init = initParams(rng, trainable);
  const tokens = new BigInt64Array(B * T);
  const targets = new BigInt64Array(B * T);
  for (let i = 0; i < B * T; i++) tokens[i] = BigInt(Math.floor(rng() * V));
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) targets[b * T + t] = tokens[b * T + Math.max(0, t - 1)];

  const mask = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) mask[i * T + j] = j > i ? -1e9 : 0;

  const forward = (g: Graph, p: Record<string, Value>) => {
    const ids = g.input('tokens', 'int64', [B, T]);
    const ys = g.input('targets', 'int64', [B, T]);
    const x = gather(p.wte, ids); // [B, T, C]
    const heads = (w: Value) => transpose(reshape(matmul(x, w), [B, T, H, D]), [0, 2, 1, 3]); // [B, H, T, D]
    const q = heads(p.wq), k = heads(p.wk), v = heads(p.wv);
    const scores = add(div(matmul(q, transpose(k, [0, 1, 3, 2])), Math.sqrt(D)), constant(g, 'float32', [T, T], mask, 'causal_mask')); // [B, H, T, T]
    const attended = matmul(softmax(scores, -1), v); // [B, H, T, D]
    const merged = reshape(transpose(attended, [0, 2, 1, 3]), [B, T, C]);
    const hidden = add(x, matmul(merged, p.wo)); // [B, T, C]
    const logits = matmul(hidden, p.lm_head); // [B, T, V]
    return { loss: crossEntropy(logits, ys) };
  };
  return {
    spec: { trainable, forward },
    init,
    batch: { tokens: { type: 'int64', data: tokens, dims: [B, T] }, targets: { type: 'int64', data: targets, dims: [B, T] } },
  };
}
