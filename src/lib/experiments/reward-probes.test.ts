import { describe, expect, it } from 'vitest';
import { probeBaselines, rewardProbes } from './reward-probes';
import { cellData, type PoolSampling } from './grid';

const prompts = ['p0', 'p1', 'p2'];
const samples = [['a', 'b', 'c', 'a'], ['x', 'y', 'z', 'w'], ['r', 's', 't', 'u']];
// p0: b wrong; p1: all right; p2: only u right.
const right: Record<string, boolean> = { a: true, b: false, c: true, x: true, y: true, z: true, w: true, r: false, s: false, t: false, u: true };

describe('rewardProbes', () => {
  const probes = rewardProbes(prompts, samples, (p, j) => right[samples[p][j]], 3);

  it('one right/wrong pair per prompt that has both, drawn as DPO_std draws its pairs', () => {
    expect(probes.pairs.map((r) => r.prompt)).toEqual(['p0', 'p2']);
    for (const r of probes.pairs) {
      expect(right[r.chosen]).toBe(true);
      expect(r.rejected.map((t) => right[t])).toEqual([false]);
    }
    expect(probes.pairs[1]).toEqual({ prompt: 'p2', chosen: 'u', rejected: [expect.stringMatching(/^[rst]$/)] });
    // The same draw as a DPO_std cell of that seed over a pool of these samples.
    const pool: PoolSampling = { prompts, targets: ['', '', ''], samples, correct: (p, j) => right[samples[p][j]], table: () => { throw new Error('unused'); } };
    expect(probes.pairs).toEqual(cellData({ method: 'dpo-std', m: 1, a: 0, seed: 3 }, pool).records);
  });

  it('every prompt keeps all its samples as candidates, with their verdicts', () => {
    expect(probes.candidates).toEqual(prompts.map((prompt, p) => ({ prompt, responses: samples[p] })));
    expect(probes.correct).toEqual([[true, false, true, true], [true, true, true, true], [false, false, false, true]]);
    expect(() => rewardProbes(prompts, samples.slice(1), () => true, 1)).toThrow("2 prompts' samples for 3 prompts");
  });

  it('baselines: a random sample is right (3/4 + 1 + 1/4) / 3 of the time; some sample is right on every prompt', () => {
    const b = probeBaselines(probes.correct);
    expect(b.randomPick).toBeCloseTo(2 / 3, 12);
    expect(b.anyRight).toBe(1);
    expect(probeBaselines([[false, false], [true, false]])).toEqual({ randomPick: 0.25, anyRight: 0.5 });
  });
});
