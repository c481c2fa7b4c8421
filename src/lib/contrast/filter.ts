// The Self-Contrast filter. Two rules, named for what they do:
//
// `reference` (default) is the authors' code, THUDM/Self-Contrast
// `construct_synthetic_data.py`, mode `lastdedup-p`, with the ranks of
// `compute_embeddings.py`. Per prompt, over the R samples in sampled order:
//   rank[i] = number of samples (duplicates included) with strictly smaller
//             cosine similarity to the target (ties share a rank);
//   dedup by exact text, keeping the first occurrence and its rank (copies of
//             the target stay: they rank highest, so the cut drops them);
//   K = min(int(R · a/100), D − 1), D = distinct texts; threshold = the K-th
//             smallest distinct rank; pool = distinct texts with rank < threshold
//             (a tie at the boundary leaves the whole group out; the most
//             similar distinct text is never a negative);
//   then empty / space-only texts leave the pool, and negatives lose leading spaces;
//   M drawn uniformly without replacement if the pool holds ≥ M, else none.
// `int(R · a/100)` is computed as the reference does, in float64 (R · (a / 100)),
// which equals ⌊R·a/100⌋ except at a few float-rounding points (R = 100, a = 29).
//
// `distinct` is the lab's earlier reading of the paper: rank the distinct
// non-target samples (compared trimmed) by similarity and pool round(a% of them).
//
// Ranking happens once per table; moving a% or M only re-cuts a sorted prefix
// and re-draws (20k prompts × 32 samples well under 100 ms, bench/filter).
import { createRng } from '../random';

export type FilterRule = 'reference' | 'distinct';
export const FILTER_RULES: readonly FilterRule[] = ['reference', 'distinct'];

export interface PromptSamples {
  target: string;
  samples: readonly string[];
}

/** Every sample of every prompt, flat: prompt p owns samples offsets[p] .. offsets[p + 1]. */
export interface SimilarityTable {
  offsets: Int32Array;
  similarity: Float32Array;
  /** Samples of the same prompt with strictly smaller similarity (the reference's rank). */
  rank: Int32Array;
  /** 1 where the exact text first occurs among its prompt's samples. */
  firstCopy: Uint8Array;
  /** 1 where the text is empty or only spaces. */
  blank: Uint8Array;
  /** 1 where the text equals the target exactly. */
  isTarget: Uint8Array;
  /** 1 where a sample equals the target or an earlier sample, compared trimmed (the `distinct` rule's exclusions). */
  trimmedRepeat: Uint8Array;
}

const isBlank = (text: string): boolean => /^ *$/.test(text);

export function buildTable(prompts: readonly PromptSamples[], similarity: Float32Array): SimilarityTable {
  const offsets = new Int32Array(prompts.length + 1);
  prompts.forEach((p, i) => (offsets[i + 1] = offsets[i] + p.samples.length));
  const n = offsets[prompts.length];
  if (similarity.length !== n) throw new Error(`filter: ${similarity.length} similarities for ${n} samples`);
  const rank = new Int32Array(n);
  const firstCopy = new Uint8Array(n);
  const blank = new Uint8Array(n);
  const isTarget = new Uint8Array(n);
  const trimmedRepeat = new Uint8Array(n);
  let sorted = new Float32Array(64);
  prompts.forEach((p, i) => {
    const base = offsets[i];
    const R = p.samples.length;
    if (sorted.length < R) sorted = new Float32Array(R);
    const sims = sorted.subarray(0, R);
    sims.set(similarity.subarray(base, base + R));
    sims.sort();
    const exact = new Set<string>();
    const trimmed = new Set<string>([p.target.trim()]);
    p.samples.forEach((s, j) => {
      rank[base + j] = lowerBound(sims, similarity[base + j]);
      if (!exact.has(s)) firstCopy[base + j] = 1;
      exact.add(s);
      if (isBlank(s)) blank[base + j] = 1;
      if (s === p.target) isTarget[base + j] = 1;
      const key = s.trim();
      if (trimmed.has(key)) trimmedRepeat[base + j] = 1;
      trimmed.add(key);
    });
  });
  return { offsets, similarity, rank, firstCopy, blank, isTarget, trimmedRepeat };
}

/** First index in ascending `xs` whose value is ≥ x: the count of values strictly below x. */
function lowerBound(xs: Float32Array, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Each prompt's candidates under one rule, least similar first: computed once per table and rule. */
export interface Ranking {
  rule: FilterRule;
  offsets: Int32Array;
  order: Int32Array;
  /** 1 where a sample is a candidate under the rule (shown in the histogram). */
  candidate: Uint8Array;
}

export function rankCandidates(t: SimilarityTable, rule: FilterRule = 'reference'): Ranking {
  const P = t.offsets.length - 1;
  const offsets = new Int32Array(P + 1);
  const order = new Int32Array(t.similarity.length);
  const candidate = new Uint8Array(t.similarity.length);
  // reference: distinct texts by rank (= by similarity), ties in sample order;
  // distinct: non-target, non-repeated samples by similarity, ties in sample order.
  const key = rule === 'reference' ? t.rank : t.similarity;
  let n = 0;
  for (let p = 0; p < P; p++) {
    const start = n;
    for (let s = t.offsets[p]; s < t.offsets[p + 1]; s++) {
      if (rule === 'reference' ? t.firstCopy[s] : !t.trimmedRepeat[s]) {
        candidate[s] = 1;
        order[n++] = s;
      }
    }
    order.subarray(start, n).sort((a, b) => key[a] - key[b] || a - b);
    offsets[p + 1] = n;
  }
  return { rule, offsets, order: order.slice(0, n), candidate };
}

/** The reference's K: int(R · ratio) with ratio = a / 100, in float64 as Python computes it. */
export const referenceCut = (samples: number, a: number): number => Math.floor(samples * (a / 100));

/** The `distinct` rule's pool size for n candidates: a% of them, rounded. */
export const poolSize = (n: number, a: number): number => Math.min(n, Math.round((n * a) / 100));

/**
 * How many of prompt p's ranked candidates (a prefix of its order) fall below
 * the a% cut, before empty texts leave the reference pool.
 */
export function cutLength(t: SimilarityTable, r: Ranking, p: number, a: number): number {
  const start = r.offsets[p];
  const distinct = r.offsets[p + 1] - start;
  if (r.rule === 'distinct') return poolSize(distinct, a);
  if (distinct === 0) return 0;
  const k = Math.min(referenceCut(t.offsets[p + 1] - t.offsets[p], a), distinct - 1);
  const threshold = t.rank[r.order[start + k]];
  let len = k;
  while (len > 0 && t.rank[r.order[start + len - 1]] >= threshold) len--;
  return len;
}

export interface FilterSettings {
  rule: FilterRule;
  /** Percent of the least similar samples that may be negatives (paper: 25). */
  a: number;
  /** Negatives per prompt (paper: 1, 8, 16). */
  m: number;
  seed: number;
  /** Prompts with fewer than M pool texts: drop them (the reference), or keep what they have. */
  short: 'skip' | 'keep-fewer';
}

export const PAPER_FILTER: FilterSettings = { rule: 'reference', a: 25, m: 8, seed: 1, short: 'skip' };

export interface FilterResult {
  rule: FilterRule;
  /** Chosen negatives (sample indices, ascending), prompt p owns negOffsets[p] .. negOffsets[p + 1]. */
  negatives: Int32Array;
  negOffsets: Int32Array;
  /** Per sample: 1 = in the a% pool, 0 = dropped as a possible positive or not a candidate. */
  inPool: Uint8Array;
  /** Prompts whose pool held fewer than M texts. */
  shortPrompts: number[];
  /** Prompts that contribute at least one negative. */
  promptsKept: number;
}

/** The seeded stream prompt p draws its negatives from (anything that re-runs the filter elsewhere must use it). */
export const promptSeed = (seed: number, p: number): number => (Math.imul(seed ^ 0x9e3779b9, 2654435761) + p) >>> 0;

export function selectNegatives(t: SimilarityTable, r: Ranking, s: FilterSettings): FilterResult {
  if (r.rule !== s.rule) throw new Error(`filter: ranking was made for the ${r.rule} rule, settings ask for ${s.rule}`);
  const P = r.offsets.length - 1;
  const inPool = new Uint8Array(t.similarity.length);
  const negOffsets = new Int32Array(P + 1);
  const negatives = new Int32Array(P * s.m);
  const shortPrompts: number[] = [];
  let pool = new Int32Array(64);
  let n = 0;
  let promptsKept = 0;
  for (let p = 0; p < P; p++) {
    const start = r.offsets[p];
    const len = cutLength(t, r, p, s.a);
    if (pool.length < len) pool = new Int32Array(len);
    let k = 0;
    for (let i = 0; i < len; i++) {
      const sample = r.order[start + i];
      if (r.rule === 'reference' && t.blank[sample]) continue;
      inPool[sample] = 1;
      pool[k++] = sample;
    }
    let take = s.m;
    if (k < s.m) {
      shortPrompts.push(p);
      take = s.short === 'skip' ? 0 : k;
    }
    if (take > 0) {
      // The pool in sample order, then a partial Fisher–Yates with a stream per (seed, prompt);
      // the draw is listed in sample order, as the reference sorts its indices.
      const members = pool.subarray(0, k).sort();
      const rng = createRng(promptSeed(s.seed, p));
      for (let i = 0; i < take; i++) {
        const j = i + Math.floor(rng() * (k - i));
        const tmp = members[i];
        members[i] = members[j];
        members[j] = tmp;
      }
      negatives.set(members.subarray(0, take).sort(), n);
      n += take;
      promptsKept++;
    }
    negOffsets[p + 1] = n;
  }
  return { rule: s.rule, negatives: negatives.slice(0, n), negOffsets, inPool, shortPrompts, promptsKept };
}

/** A negative's text as it is exported: the reference strips its leading spaces. */
export const negativeText = (text: string, rule: FilterRule): string => (rule === 'reference' ? text.replace(/^ +/, '') : text);

export interface Histogram {
  /** bins + 1 edges */
  edges: number[];
  pool: number[];
  dropped: number[];
}

/** Similarity histogram of every candidate under the ranking's rule, split into pool and dropped. */
export function similarityHistogram(t: SimilarityTable, r: Ranking, inPool: Uint8Array, bins = 40): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < t.similarity.length; i++) {
    if (!r.candidate[i]) continue;
    lo = Math.min(lo, t.similarity[i]);
    hi = Math.max(hi, t.similarity[i]);
  }
  if (!Number.isFinite(lo)) return { edges: [], pool: [], dropped: [] };
  if (hi === lo) hi = lo + 1e-6;
  const width = (hi - lo) / bins;
  const pool = new Array<number>(bins).fill(0);
  const dropped = new Array<number>(bins).fill(0);
  for (let i = 0; i < t.similarity.length; i++) {
    if (!r.candidate[i]) continue;
    const b = Math.min(bins - 1, Math.floor((t.similarity[i] - lo) / width));
    (inPool[i] ? pool : dropped)[b]++;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + i * width), pool, dropped };
}

/** Where each prompt's a% cut falls: the similarity of its most similar pool member, for every prompt with a pool. */
export function poolCutoffs(t: SimilarityTable, r: Ranking, inPool: Uint8Array): number[] {
  const cutoffs: number[] = [];
  for (let p = 0; p + 1 < r.offsets.length; p++) {
    let top = -Infinity;
    for (let i = r.offsets[p]; i < r.offsets[p + 1]; i++) if (inPool[r.order[i]]) top = Math.max(top, t.similarity[r.order[i]]);
    if (top > -Infinity) cutoffs.push(top);
  }
  return cutoffs;
}

/** The median of the per-prompt cutoffs: the line drawn on the global histogram. */
export function medianCutoff(t: SimilarityTable, r: Ranking, inPool: Uint8Array): number | null {
  const cutoffs = poolCutoffs(t, r, inPool).sort((x, y) => x - y);
  return cutoffs.length ? cutoffs[Math.floor(cutoffs.length / 2)] : null;
}

/** Candidates whose similarity falls in [lo, hi) (hi inclusive for the last bin): what a histogram bar holds. */
export function candidatesBetween(t: SimilarityTable, r: Ranking, lo: number, hi: number, last: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < t.similarity.length; i++) {
    const s = t.similarity[i];
    if (r.candidate[i] && s >= lo && (s < hi || (last && s <= hi))) out.push(i);
  }
  return out;
}

/** "Data accuracy" (paper Fig. 5): share of chosen negatives that are really wrong, for each a%. */
export function dataAccuracyCurve(t: SimilarityTable, r: Ranking, correct: Uint8Array, s: FilterSettings, aValues: readonly number[]): { a: number; accuracy: number; negatives: number }[] {
  return aValues.map((a) => {
    const { negatives } = selectNegatives(t, r, { ...s, a });
    let wrong = 0;
    for (const i of negatives) if (!correct[i]) wrong++;
    return { a, accuracy: negatives.length ? wrong / negatives.length : NaN, negatives: negatives.length };
  });
}
