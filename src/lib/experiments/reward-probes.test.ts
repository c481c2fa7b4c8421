import { describe, expect, it } from 'vitest';
import { probeBaselines, probeScores, rewardProbes } from './reward-probes';
import { cellData, type PoolSampling } from './grid';

const prompts = ['p0', 'p1', 'p2'];
const samples = [['a', 'b', 'c', 'a'], ['x', 'y', 'z', 'w'], ['r', 's', 't', 'u']];
// p0: b wrong; p1: all right; p2: only u right.
const right: Record<string, boolean> = { a: true, b: false, c: true, x: true, y: true, z: true, w: true, r: false, s: false, t: false, u: true };

describe('rewardProbes', () => {
  const probes = rewardProbes(prompts, samples, (p, j) => right[samples[p][j]], 3);

  it('one right/wrong pair per prompt that has both, by index into its candidates, drawn as DPO_std draws its pairs', () => {
    expect(probes.pairs.map((x) => x.prompt)).toEqual([0, 2]);
    for (const { prompt, right: r, wrong: w } of probes.pairs) {
      expect(probes.correct[prompt][r]).toBe(true);
      expect(probes.correct[prompt][w]).toBe(false);
    }
    expect(probes.pairs[0].wrong).toBe(1);
    expect(probes.pairs[1]).toMatchObject({ prompt: 2, right: 3 });
    // The same draw as a DPO_std cell of that seed over a pool of these samples.
    const pool: PoolSampling = { prompts, targets: ['', '', ''], samples, correct: (p, j) => right[samples[p][j]], table: () => { throw new Error('unused'); } };
    expect(cellData({ method: 'dpo-std', m: 1, a: 0, seed: 3 }, pool).records).toEqual(probes.pairs.map((x) => ({
      prompt: prompts[x.prompt], chosen: samples[x.prompt][x.right], rejected: [samples[x.prompt][x.wrong]],
    })));
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

  it('scores a policy: reward accuracy and margin on the pairs (β·Δ), and how often its highest-reward candidate is right', () => {
    const two = rewardProbes(['q0', 'q1'], [['R', 'W'], ['W', 'R']], (p, j) => (p === 0 ? j === 0 : j === 1), 1);
    expect(two.pairs).toEqual([{ prompt: 0, right: 0, wrong: 1 }, { prompt: 1, right: 1, wrong: 0 }]);
    const reference = [[-5, -5], [-4, -6]];
    // Rewards/β: q0 right +1, wrong −1 (ranked right); q1 right +0.5, wrong +1 (ranked wrong).
    const policy = [[-4, -6], [-3, -5.5]];
    const scores = probeScores(two, policy, reference, 0.1);
    expect(scores.selfPairRewards!.accuracy).toBe(0.5);
    expect(scores.selfPairRewards!.margin).toBeCloseTo((0.1 * 2 + 0.1 * -0.5) / 2, 12);
    expect(scores.bestOfAccuracy).toBe(0.5);
    // No pairs (every sample right): best-of only.
    const allRight = rewardProbes(['q'], [['R', 'R2']], () => true, 1);
    expect(probeScores(allRight, [[-1, -2]], [[-1, -1]], 0.1)).toEqual({ bestOfAccuracy: 1 });
  });
});
