// The Self-Contrast filter, exactly as the paper describes it: per prompt, rank
// the distinct samples (never the target itself) by cosine similarity to the
// SFT target; the (1 − a%) most similar are possible positives and dropped; the
// a% least similar form the pool, from which M distinct negatives are drawn
// with a seeded RNG. Typed arrays throughout: ranking happens once, and moving
// a% or M only re-selects (20k prompts × 32 samples well under 100 ms).
import { createRng } from '../random';

export interface PromptSamples {
  target: string;
  samples: readonly string[];
}

/** Every sample of every prompt, flat: prompt p owns samples offsets[p] .. offsets[p + 1]. */
export interface SimilarityTable {
  offsets: Int32Array;
  similarity: Float32Array;
  /** 1 where a sample equals the target or repeats an earlier sample of its prompt. */
  excluded: Uint8Array;
}

export function buildTable(prompts: readonly PromptSamples[], similarity: Float32Array): SimilarityTable {
  const offsets = new Int32Array(prompts.length + 1);
  prompts.forEach((p, i) => (offsets[i + 1] = offsets[i] + p.samples.length));
  if (similarity.length !== offsets[prompts.length]) throw new Error(`filter: ${similarity.length} similarities for ${offsets[prompts.length]} samples`);
  const excluded = new Uint8Array(similarity.length);
  prompts.forEach((p, i) => {
    const seen = new Set<string>([p.target.trim()]);
    p.samples.forEach((s, j) => {
      const key = s.trim();
      if (seen.has(key)) excluded[offsets[i] + j] = 1;
      seen.add(key);
    });
  });
  return { offsets, similarity, excluded };
}

/** Candidates of each prompt in ascending similarity (ties by sample order): computed once per table. */
export interface Ranking {
  offsets: Int32Array;
  order: Int32Array;
}

export function rankCandidates(t: SimilarityTable): Ranking {
  const P = t.offsets.length - 1;
  const offsets = new Int32Array(P + 1);
  const order = new Int32Array(t.similarity.length);
  let n = 0;
  for (let p = 0; p < P; p++) {
    const start = n;
    for (let s = t.offsets[p]; s < t.offsets[p + 1]; s++) if (!t.excluded[s]) order[n++] = s;
    order.subarray(start, n).sort((a, b) => t.similarity[a] - t.similarity[b] || a - b);
    offsets[p + 1] = n;
  }
  return { offsets, order: order.slice(0, n) };
}

export interface FilterSettings {
  /** Percent of the least similar candidates that may be negatives (paper: 25). */
  a: number;
  /** Negatives per prompt (paper: 1, 8, 16). */
  m: number;
  seed: number;
  /** Prompts with fewer than M pool candidates: drop them, or keep what they have. */
  short: 'skip' | 'keep-fewer';
}

export const PAPER_FILTER: FilterSettings = { a: 25, m: 8, seed: 1, short: 'skip' };

export interface FilterResult {
  /** Chosen negatives (sample indices), prompt p owns negOffsets[p] .. negOffsets[p + 1]. */
  negatives: Int32Array;
  negOffsets: Int32Array;
  /** Per sample: 1 = in the a% pool, 0 = dropped as a possible positive or excluded. */
  inPool: Uint8Array;
  /** Prompts whose pool held fewer than M candidates. */
  shortPrompts: number[];
  /** Prompts that contribute at least one negative. */
  promptsKept: number;
}

/** Pool size for n candidates: a% of them, rounded. */
export const poolSize = (n: number, a: number): number => Math.min(n, Math.round((n * a) / 100));

export function selectNegatives(t: SimilarityTable, r: Ranking, s: FilterSettings): FilterResult {
  const P = r.offsets.length - 1;
  const inPool = new Uint8Array(t.similarity.length);
  const negOffsets = new Int32Array(P + 1);
  const negatives = new Int32Array(P * s.m);
  const shortPrompts: number[] = [];
  let scratch = new Int32Array(64);
  let n = 0;
  let promptsKept = 0;
  for (let p = 0; p < P; p++) {
    const start = r.offsets[p];
    const k = poolSize(r.offsets[p + 1] - start, s.a);
    for (let i = 0; i < k; i++) inPool[r.order[start + i]] = 1;
    let take = s.m;
    if (k < s.m) {
      shortPrompts.push(p);
      take = s.short === 'skip' ? 0 : k;
    }
    if (take > 0) {
      // Partial Fisher–Yates over the pool with a stream per (seed, prompt).
      if (scratch.length < k) scratch = new Int32Array(k);
      for (let i = 0; i < k; i++) scratch[i] = r.order[start + i];
      const rng = createRng((Math.imul(s.seed ^ 0x9e3779b9, 2654435761) + p) >>> 0);
      for (let i = 0; i < take; i++) {
        const j = i + Math.floor(rng() * (k - i));
        const tmp = scratch[i];
        scratch[i] = scratch[j];
        scratch[j] = tmp;
        negatives[n++] = scratch[i];
      }
      promptsKept++;
    }
    negOffsets[p + 1] = n;
  }
  return { negatives: negatives.slice(0, n), negOffsets, inPool, shortPrompts, promptsKept };
}

export interface Histogram {
  /** bins + 1 edges */
  edges: number[];
  pool: number[];
  dropped: number[];
}

/** Similarity histogram of all non-excluded samples, split into pool and dropped. */
export function similarityHistogram(t: SimilarityTable, inPool: Uint8Array, bins = 40): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < t.similarity.length; i++) {
    if (t.excluded[i]) continue;
    lo = Math.min(lo, t.similarity[i]);
    hi = Math.max(hi, t.similarity[i]);
  }
  if (!Number.isFinite(lo)) return { edges: [], pool: [], dropped: [] };
  if (hi === lo) hi = lo + 1e-6;
  const width = (hi - lo) / bins;
  const pool = new Array<number>(bins).fill(0);
  const dropped = new Array<number>(bins).fill(0);
  for (let i = 0; i < t.similarity.length; i++) {
    if (t.excluded[i]) continue;
    const b = Math.min(bins - 1, Math.floor((t.similarity[i] - lo) / width));
    (inPool[i] ? pool : dropped)[b]++;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + i * width), pool, dropped };
}

/**
 * The similarity where each prompt's pool ends (its most similar pool member),
 * as the median over prompts with a pool: the cutoff drawn on the histogram.
 */
export function medianCutoff(t: SimilarityTable, r: Ranking, a: number): number | null {
  const cutoffs: number[] = [];
  for (let p = 0; p + 1 < r.offsets.length; p++) {
    const k = poolSize(r.offsets[p + 1] - r.offsets[p], a);
    if (k > 0) cutoffs.push(t.similarity[r.order[r.offsets[p] + k - 1]]);
  }
  if (!cutoffs.length) return null;
  cutoffs.sort((x, y) => x - y);
  return cutoffs[Math.floor(cutoffs.length / 2)];
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
