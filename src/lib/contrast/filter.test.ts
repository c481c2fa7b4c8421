import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import {
  buildTable, cutLength, dataAccuracyCurve, medianCutoff, negativeText, poolSize, rankCandidates, referenceCut, selectNegatives, similarityHistogram,
  type FilterSettings, type PromptSamples,
} from './filter';
import { cosineToTargets } from './similarity';

/** The reference pool of one prompt, written out step by step from the authors' code (lastdedup-p). */
function referencePool(samples: readonly string[], sims: readonly number[], a: number): Set<string> {
  const rank = sims.map((x) => sims.filter((y) => y < x).length);
  const texts: string[] = [];
  const ranks: number[] = [];
  samples.forEach((s, i) => {
    if (!texts.includes(s)) {
      texts.push(s);
      ranks.push(rank[i]);
    }
  });
  if (!texts.length) return new Set();
  const k = Math.min(Math.floor(samples.length * (a / 100)), texts.length - 1);
  const threshold = [...ranks].sort((x, y) => x - y)[k];
  return new Set(texts.filter((t, i) => ranks[i] < threshold && t.replace(/^ +/, '') !== ''));
}

const settings = (s: Partial<FilterSettings>): FilterSettings => ({ rule: 'reference', a: 50, m: 1, seed: 1, short: 'keep-fewer', ...s });

/** The pool texts of prompt 0 of a one-prompt table. */
function poolTexts(samples: string[], sims: number[], a: number, target = 'TARGET'): Set<string> {
  const table = buildTable([{ target, samples }], Float32Array.from(sims));
  const r = selectNegatives(table, rankCandidates(table, 'reference'), settings({ a, m: samples.length }));
  return new Set(samples.filter((_, i) => r.inPool[i]));
}

describe('reference filter rule (THUDM/Self-Contrast lastdedup-p)', () => {
  it('ranks count strictly smaller similarities, duplicates included, ties shared', () => {
    const t = buildTable([{ target: 'T', samples: ['a', 'a', 'b', 'c', 'a'] }], Float32Array.from([0.2, 0.2, 0.1, 0.5, 0.2]));
    expect(Array.from(t.rank)).toEqual([1, 1, 0, 4, 1]);
    expect(Array.from(t.firstCopy)).toEqual([1, 0, 1, 1, 0]);
  });

  it('worked example: duplicates count toward R but the pool holds distinct texts', () => {
    expect(poolTexts(['a', 'a', 'a', 'a', 'b', 'c', 'd', 'e'], [0.1, 0.1, 0.1, 0.1, 0.2, 0.3, 0.4, 0.5], 50)).toEqual(new Set(['a', 'b', 'c', 'd']));
  });

  it('worked example: a tie at the boundary leaves the whole tied group out', () => {
    expect(poolTexts(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], [0.1, 0.3, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], 25)).toEqual(new Set(['a']));
  });

  it('worked example: at a = 100 the most similar distinct text is never a negative', () => {
    const texts = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    expect(poolTexts(texts, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], 100)).toEqual(new Set(texts.slice(0, 7)));
  });

  it('worked example: copies of the target rank highest and are cut', () => {
    expect(poolTexts(['T', 'T', 'T', 'a', 'b', 'c', 'd', 'e'], [1, 1, 1, 0.1, 0.2, 0.3, 0.4, 0.5], 50, 'T')).toEqual(new Set(['a', 'b', 'c', 'd']));
  });

  it('worked example: an empty text is cut after ranking', () => {
    expect(poolTexts(['', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], [0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], 25)).toEqual(new Set(['b']));
    expect(poolTexts(['   ', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], [0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], 25)).toEqual(new Set(['b']));
  });

  it('dedups by exact text (no trimming) and strips leading spaces only from exported negatives', () => {
    // ' a' and 'a' are two texts; 'a ' too.
    expect(poolTexts([' a', 'a', 'a ', 'z'], [0.1, 0.2, 0.3, 0.9], 75)).toEqual(new Set([' a', 'a', 'a ']));
    expect(negativeText('  a b ', 'reference')).toBe('a b ');
    expect(negativeText('  a b ', 'distinct')).toBe('  a b ');
  });

  it('K is int(R · a/100) in float64, as the reference computes it', () => {
    expect(referenceCut(32, 25)).toBe(8);
    expect(referenceCut(32, 33)).toBe(10);
    expect(referenceCut(100, 29)).toBe(28); // 100 · 0.29 = 28.999999999999996 in float64
  });

  it('equals the step-by-step reference on random tables with ties, duplicates, blanks and target copies', () => {
    const rng = createRng(7);
    const vocab = ['', ' ', 'T', ' x', 'x', 'y', 'z', 'w', 'v', 'u', 'q', 'r', 's', 'o', 'p'];
    const levels = [0, 0.1, 0.2, 0.25, 0.3, 0.5, 0.7, 0.9];
    const prompts: PromptSamples[] = [];
    const sims: number[] = [];
    for (let p = 0; p < 300; p++) {
      const R = 1 + Math.floor(rng() * 40);
      const samples = Array.from({ length: R }, () => vocab[Math.floor(rng() * vocab.length)]);
      prompts.push({ target: 'T', samples });
      // Equal texts embed equally; the target itself has similarity 1.
      const simOf = new Map(vocab.map((v) => [v, v === 'T' ? 1 : levels[Math.floor(rng() * levels.length)]]));
      sims.push(...samples.map((s) => simOf.get(s)!));
    }
    const table = buildTable(prompts, Float32Array.from(sims));
    const ranking = rankCandidates(table, 'reference');
    for (const a of [0, 5, 10, 25, 29, 50, 75, 90, 100]) {
      const r = selectNegatives(table, ranking, settings({ a, m: 1 }));
      prompts.forEach((p, i) => {
        const ours = new Set(p.samples.filter((_, j) => r.inPool[table.offsets[i] + j]));
        expect(ours, `prompt ${i}, a = ${a}`).toEqual(referencePool(p.samples, sims.slice(table.offsets[i], table.offsets[i + 1]), a));
      });
    }
  });

  it('properties: no target copy or blank in the pool, pool ≤ D − 1, pools grow with a', () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 200; trial++) {
      const R = 1 + Math.floor(rng() * 64);
      const samples = Array.from({ length: R }, () => (rng() < 0.1 ? 'TARGET' : rng() < 0.05 ? ' ' : `s${Math.floor(rng() * 20)}`));
      const sims = samples.map((s) => (s === 'TARGET' ? 1 : Math.round(rng() * 20) / 21));
      const distinct = new Set(samples).size;
      let previous = new Set<string>();
      for (let a = 0; a <= 100; a += 5) {
        const pool = poolTexts(samples, sims, a);
        expect(pool.has('TARGET')).toBe(false);
        for (const s of pool) expect(s.trim()).not.toBe('');
        expect(pool.size).toBeLessThanOrEqual(distinct - 1 < 0 ? 0 : distinct - 1);
        for (const s of previous) expect(pool.has(s)).toBe(true);
        previous = pool;
      }
    }
  });

  it('draws M of the pool, seeded, listed in sample order; a prompt short of M gives none when skipping', () => {
    const samples = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const table = buildTable([{ target: 'T', samples }], Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]));
    const ranking = rankCandidates(table, 'reference');
    const r = selectNegatives(table, ranking, settings({ a: 100, m: 3, seed: 5, short: 'skip' }));
    const chosen = Array.from(r.negatives);
    expect(chosen).toHaveLength(3);
    expect(chosen).toEqual([...chosen].sort((x, y) => x - y));
    for (const i of chosen) expect(i).toBeLessThan(7);
    expect(selectNegatives(table, ranking, settings({ a: 100, m: 3, seed: 5 })).negatives).toEqual(r.negatives);
    const draws = new Set(Array.from({ length: 20 }, (_, seed) => Array.from(selectNegatives(table, ranking, settings({ a: 100, m: 3, seed })).negatives).join()));
    expect(draws.size).toBeGreaterThan(5);
    // a = 25: K = 2 → pool {a, b}; M = 3 is short.
    const short = selectNegatives(table, ranking, settings({ a: 25, m: 3, short: 'skip' }));
    expect(short.shortPrompts).toEqual([0]);
    expect(short.negatives.length).toBe(0);
    expect(Array.from(selectNegatives(table, ranking, settings({ a: 25, m: 3, short: 'keep-fewer' })).negatives)).toEqual([0, 1]);
  });

  it('refuses a ranking made for the other rule', () => {
    const table = buildTable([{ target: 'T', samples: ['a'] }], Float32Array.from([0.1]));
    expect(() => selectNegatives(table, rankCandidates(table, 'distinct'), settings({}))).toThrow(/distinct rule/);
  });
});

// Prompt 0: 8 distinct samples with hand-set similarities (one tie at 0.3).
// Prompt 1: the target itself, a duplicate, and 3 more.
const prompts = [
  { target: 'T0', samples: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] },
  { target: 'T1', samples: ['T1', 'x', 'x', 'y', 'z'] },
];
const sims = Float32Array.from([0.9, 0.3, 0.1, 0.3, 0.8, 0.2, 0.95, 0.5, /* p1 */ 1.0, 0.4, 0.4, 0.7, 0.1]);
const table = buildTable(prompts, sims);
const distinct = rankCandidates(table, 'distinct');
const distinctSettings = (s: Partial<FilterSettings>): FilterSettings => ({ rule: 'distinct', a: 50, m: 2, seed: 1, short: 'skip', ...s });
const poolOf = (p: number, inPool: Uint8Array) => Array.from({ length: table.offsets[p + 1] - table.offsets[p] }, (_, j) => inPool[table.offsets[p] + j]);

describe('distinct filter rule (a% of the distinct non-target samples)', () => {
  it('never offers the target or a duplicate as a candidate', () => {
    expect(Array.from(table.trimmedRepeat.subarray(8))).toEqual([1, 0, 1, 0, 0]);
    expect(Array.from(distinct.order.subarray(distinct.offsets[1], distinct.offsets[2]))).toEqual([12, 9, 11]); // z 0.1, x 0.4, y 0.7
  });

  it('ranks ties by sample order and keeps the a% least similar in the pool', () => {
    expect(Array.from(distinct.order.subarray(0, 8))).toEqual([2, 5, 1, 3, 7, 4, 0, 6]);
    const r = selectNegatives(table, distinct, distinctSettings({ a: 50 }));
    expect(poolOf(0, r.inPool)).toEqual([0, 1, 1, 1, 0, 1, 0, 0]); // c f b d
    const chosen = Array.from(r.negatives.subarray(r.negOffsets[0], r.negOffsets[1]));
    expect(chosen).toHaveLength(2);
    for (const i of chosen) expect([1, 2, 3, 5]).toContain(i);
  });

  it('a% = 100 pools every candidate; tiny a% leaves prompts short of M, skipped or kept with fewer', () => {
    const all = selectNegatives(table, distinct, distinctSettings({ a: 100, m: 3 }));
    expect(poolOf(0, all.inPool)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(poolOf(1, all.inPool)).toEqual([0, 1, 0, 1, 1]);
    const tiny = selectNegatives(table, distinct, distinctSettings({ a: 10, m: 2 }));
    expect(poolSize(8, 10)).toBe(1);
    expect(tiny.shortPrompts).toEqual([0, 1]);
    expect(tiny.promptsKept).toBe(0);
    const fewer = selectNegatives(table, distinct, distinctSettings({ a: 10, m: 2, short: 'keep-fewer' }));
    expect(Array.from(fewer.negatives)).toEqual([2]);
  });
});

describe('filter views', () => {
  it('the reference and distinct rules cut differently on the same table', () => {
    const reference = rankCandidates(table, 'reference');
    // prompt 1, a = 50: R = 5 → K = min(2, 4 − 1) = 2; distinct ranks T1 4, x 1, y 3, z 0 → threshold 3 → {x, z}
    expect(cutLength(table, reference, 1, 50)).toBe(2);
    const r = selectNegatives(table, reference, settings({ a: 50, m: 2 }));
    expect(poolOf(1, r.inPool)).toEqual([0, 1, 0, 0, 1]);
  });

  it('histograms pool and dropped candidates, and measures data accuracy per a%', () => {
    const r = selectNegatives(table, distinct, distinctSettings({ a: 50 }));
    const h = similarityHistogram(table, distinct, r.inPool, 4);
    expect(h.pool.reduce((x, y) => x + y) + h.dropped.reduce((x, y) => x + y)).toBe(11); // 13 samples − target − duplicate
    expect(h.pool.reduce((x, y) => x + y)).toBe(r.inPool.reduce((x, y) => x + y, 0));
    const correct = Uint8Array.from([1, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 0]);
    const curve = dataAccuracyCurve(table, distinct, correct, distinctSettings({ m: 1, short: 'keep-fewer' }), [25, 100]);
    expect(curve[0]).toEqual({ a: 25, accuracy: 1, negatives: 2 });
    expect(curve[1].negatives).toBe(2);
  });

  it('reports the median per-prompt cutoff similarity', () => {
    // a = 50: prompt 0 pools c f b d (largest 0.3), prompt 1 pools z x (largest 0.4)
    expect(medianCutoff(table, distinct, selectNegatives(table, distinct, distinctSettings({ a: 50 })).inPool)).toBeCloseTo(0.4, 6);
    expect(medianCutoff(table, distinct, selectNegatives(table, distinct, distinctSettings({ a: 1 })).inPool)).toBeNull();
  });

  it('cosineToTargets takes dot products of unit rows against the owner target', () => {
    const targets = Float32Array.from([1, 0, 0, 1]);
    const samples = Float32Array.from([0.6, 0.8, 0.6, 0.8]);
    expect(Array.from(cosineToTargets(targets, samples, Int32Array.from([0, 1]), 2)).map((x) => +x.toFixed(6))).toEqual([0.6, 0.8]);
  });
});

describe('filter views for the charts', () => {
  it('lists each prompt\'s cutoff and the candidates a histogram bar holds', async () => {
    const { poolCutoffs, candidatesBetween } = await import('./filter');
    const r = selectNegatives(table, distinct, distinctSettings({ a: 50 }));
    expect(poolCutoffs(table, distinct, r.inPool).map((x) => +x.toFixed(3))).toEqual([0.3, 0.4]);
    const h = similarityHistogram(table, distinct, r.inPool, 4);
    const bars = h.pool.map((_, b) => candidatesBetween(table, distinct, h.edges[b], h.edges[b + 1], b === 3));
    expect(bars.map((x) => x.length)).toEqual(h.pool.map((p, b) => p + h.dropped[b]));
  });
});
