// Choosing the next token from one row of logits, with Hugging Face's warpers
// in HF's order: temperature, then top-k, then top-p.
import type { Rng } from '../random';

export interface SamplingParams {
  /** 0 means greedy. */
  temperature: number;
  /** 1 keeps everything. */
  topP: number;
  /** 0 keeps everything. */
  topK: number;
}

export const PAPER_SAMPLING: SamplingParams = { temperature: 1, topP: 1, topK: 0 };

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** log p(token) under softmax(row): the model's own log-probability. */
export function logProbOf(row: ArrayLike<number>, token: number): number {
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > m) m = row[i];
  let z = 0;
  for (let i = 0; i < row.length; i++) z += Math.exp(row[i] - m);
  return row[token] - m - Math.log(z);
}

/**
 * The tokens the warpers leave in play, as a mask over the vocabulary
 * (true = kept), for scaled logits. Exactly HF's TopKLogitsWarper (keeps k,
 * ties by index) and TopPLogitsWarper (drops the ascending-sorted tokens whose
 * cumulative probability is ≤ 1 − p, keeping at least one).
 */
export function keptTokens(scaled: Float64Array, topK: number, topP: number): Uint8Array {
  const V = scaled.length;
  const kept = new Uint8Array(V).fill(1);
  if (topK > 0 && topK < V) {
    const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => scaled[b] - scaled[a] || a - b);
    for (let r = topK; r < V; r++) kept[order[r]] = 0;
  }
  if (topP < 1) {
    const live = Array.from({ length: V }, (_, i) => i).filter((i) => kept[i]);
    live.sort((a, b) => scaled[a] - scaled[b] || b - a); // ascending, as HF sorts
    let m = -Infinity;
    for (const i of live) m = Math.max(m, scaled[i]);
    let z = 0;
    for (const i of live) z += Math.exp(scaled[i] - m);
    let cumulative = 0;
    for (let r = 0; r < live.length - 1; r++) {
      cumulative += Math.exp(scaled[live[r]] - m) / z;
      if (cumulative <= 1 - topP) kept[live[r]] = 0;
      else break;
    }
  }
  return kept;
}

/** Reused across calls: sampling runs per row per step, allocation would dominate. */
let scratch = new Float64Array(0);

export interface Draw {
  token: number;
  /** log p(token) under the model's own distribution (softmax of the raw logits). */
  logprob: number;
}

/** Picks the next token from one row of logits [V], with its log-probability. */
export function sampleToken(row: ArrayLike<number>, params: SamplingParams, rng: Rng): Draw {
  if (params.temperature <= 0) {
    const token = argmax(row);
    return { token, logprob: logProbOf(row, token) };
  }
  const V = row.length;
  if (scratch.length < V) scratch = new Float64Array(V);
  const scaled = scratch.subarray(0, V);
  let m = -Infinity;
  for (let i = 0; i < V; i++) {
    scaled[i] = row[i] / params.temperature;
    if (scaled[i] > m) m = scaled[i];
  }
  const kept = params.topK > 0 || params.topP < 1 ? keptTokens(scaled, params.topK, params.topP) : null;
  // scaled becomes the unnormalised probabilities of the kept tokens.
  let z = 0;
  let zAll = 0;
  for (let i = 0; i < V; i++) {
    const e = Math.exp(scaled[i] - m);
    zAll += e;
    scaled[i] = !kept || kept[i] ? e : 0;
    z += scaled[i];
  }
  let u = rng() * z;
  let token = -1;
  for (let i = 0; i < V; i++) {
    if (scaled[i] === 0) continue;
    u -= scaled[i];
    token = i; // if rounding leaves a sliver of mass, the last kept token takes it
    if (u <= 0) break;
  }
  // At temperature 1 the softmax just computed is the model's own; otherwise recompute it.
  const logprob = params.temperature === 1 ? row[token] - m - Math.log(zAll) : logProbOf(row, token);
  return { token, logprob };
}
