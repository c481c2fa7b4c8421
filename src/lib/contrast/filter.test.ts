import { describe, expect, it } from 'vitest';
import { buildTable, dataAccuracyCurve, medianCutoff, poolSize, rankCandidates, selectNegatives, similarityHistogram, type FilterSettings } from './filter';
import { cosineToTargets } from './similarity';

// Prompt 0: 8 distinct samples with hand-set similarities (one tie at 0.3).
// Prompt 1: the target itself, a duplicate, and 3 more.
const prompts = [
  { target: 'T0', samples: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] },
  { target: 'T1', samples: ['T1', 'x', 'x', 'y', 'z'] },
];
const sims = Float32Array.from([0.9, 0.3, 0.1, 0.3, 0.8, 0.2, 0.95, 0.5, /* p1 */ 1.0, 0.4, 0.4, 0.7, 0.1]);
const table = buildTable(prompts, sims);
const ranking = rankCandidates(table);
const settings = (s: Partial<FilterSettings>): FilterSettings => ({ a: 50, m: 2, seed: 1, short: 'skip', ...s });
const poolOf = (p: number, inPool: Uint8Array) => Array.from({ length: table.offsets[p + 1] - table.offsets[p] }, (_, j) => inPool[table.offsets[p] + j]);

describe('Self-Contrast filter', () => {
  it('never offers the target or a duplicate as a candidate', () => {
    expect(Array.from(table.excluded.subarray(8))).toEqual([1, 0, 1, 0, 0]);
    expect(Array.from(ranking.order.subarray(ranking.offsets[1], ranking.offsets[2]))).toEqual([12, 9, 11]); // z 0.1, x 0.4, y 0.7
  });

  it('ranks ties by sample order and keeps the a% least similar in the pool', () => {
    // prompt 0 ascending: c .1, f .2, b .3, d .3 (tie: b first), h .5, e .8, a .9, g .95
    expect(Array.from(ranking.order.subarray(0, 8))).toEqual([2, 5, 1, 3, 7, 4, 0, 6]);
    const r = selectNegatives(table, ranking, settings({ a: 50 }));
    expect(poolOf(0, r.inPool)).toEqual([0, 1, 1, 1, 0, 1, 0, 0]); // c f b d
    const chosen = Array.from(r.negatives.subarray(r.negOffsets[0], r.negOffsets[1]));
    expect(chosen).toHaveLength(2);
    expect(new Set(chosen).size).toBe(2);
    for (const i of chosen) expect([1, 2, 3, 5]).toContain(i);
  });

  it('a% = 100 pools every candidate; tiny a% leaves prompts short of M, skipped or kept with fewer', () => {
    const all = selectNegatives(table, ranking, settings({ a: 100, m: 3 }));
    expect(poolOf(0, all.inPool)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(poolOf(1, all.inPool)).toEqual([0, 1, 0, 1, 1]);
    expect(all.shortPrompts).toEqual([]);
    const tiny = selectNegatives(table, ranking, settings({ a: 10, m: 2 }));
    expect(poolSize(8, 10)).toBe(1);
    expect(tiny.shortPrompts).toEqual([0, 1]);
    expect(tiny.negatives.length).toBe(0);
    expect(tiny.promptsKept).toBe(0);
    const fewer = selectNegatives(table, ranking, settings({ a: 10, m: 2, short: 'keep-fewer' }));
    expect(Array.from(fewer.negatives)).toEqual([2]); // prompt 0's single pool member; prompt 1 pools round(3·0.1) = 0
    expect(fewer.promptsKept).toBe(1);
  });

  it('is reproducible by seed, and the seed changes the draw', () => {
    const a = selectNegatives(table, ranking, settings({ a: 100, m: 3, seed: 5 }));
    expect(selectNegatives(table, ranking, settings({ a: 100, m: 3, seed: 5 })).negatives).toEqual(a.negatives);
    const draws = new Set(Array.from({ length: 20 }, (_, seed) => Array.from(selectNegatives(table, ranking, settings({ a: 100, m: 3, seed })).negatives).join()));
    expect(draws.size).toBeGreaterThan(5);
  });

  it('histograms pool and dropped samples, and measures data accuracy per a%', () => {
    const r = selectNegatives(table, ranking, settings({ a: 50 }));
    const h = similarityHistogram(table, r.inPool, 4);
    expect(h.pool.reduce((x, y) => x + y) + h.dropped.reduce((x, y) => x + y)).toBe(11); // 13 samples − target − duplicate
    expect(h.pool.reduce((x, y) => x + y)).toBe(r.inPool.reduce((x, y) => x + y, 0));
    // The least similar samples (c, f, b, d of prompt 0; z of prompt 1) are wrong: a small a% picks only wrong ones.
    const correct = Uint8Array.from([1, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 0]);
    const curve = dataAccuracyCurve(table, ranking, correct, settings({ m: 1, short: 'keep-fewer' }), [25, 100]);
    expect(curve[0]).toEqual({ a: 25, accuracy: 1, negatives: 2 });
    expect(curve[1].negatives).toBe(2);
  });

  it('reports the median per-prompt cutoff similarity', () => {
    // a = 50: prompt 0 pools c f b d (largest 0.3), prompt 1 pools round(1.5) = 2: z x (largest 0.4)
    expect(medianCutoff(table, ranking, 50)).toBeCloseTo(0.4, 6);
    expect(medianCutoff(table, ranking, 1)).toBeNull();
  });

  it('cosineToTargets takes dot products of unit rows against the owner target', () => {
    const targets = Float32Array.from([1, 0, 0, 1]);
    const samples = Float32Array.from([0.6, 0.8, 0.6, 0.8]);
    expect(Array.from(cosineToTargets(targets, samples, Int32Array.from([0, 1]), 2)).map((x) => +x.toFixed(6))).toEqual([0.6, 0.8]);
  });
});
