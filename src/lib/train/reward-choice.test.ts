import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { loadDefaultLm, readSplit } from '../task/node-lab.testutil';
import { candidateLogProbs, pickedAccuracy, pickHighest, rewardPicks } from './reward-choice';
import { heldOutRewards, scoreSequences } from './held-out';
import { probeScores, rewardProbes } from '../experiments/reward-probes';
import { lmCodec } from '../model/codec';

describe('reward picks', () => {
  it('picks the highest score, the first of ties', () => {
    expect(pickHighest([[0.1, 0.3, 0.2], [-1, -1, -2], [5]])).toEqual([1, 0, 0]);
    expect(() => pickHighest([[1], []])).toThrow('prompt 1 has no candidates');
  });

  it('ranks by log π − log π_ref, not by either alone', () => {
    // Prompt 0: response 0 is likelier under both models, but response 1 gained more (−3 − −6 = 3 > −1 − −2 = 1).
    // Prompt 1: response 1 is likelier under the reference, but response 0 gained (1 against −3).
    const policy = [[-1, -3], [-2, -4]];
    const reference = [[-2, -6], [-3, -1]];
    expect(rewardPicks(policy, reference)).toEqual([1, 0]);
    expect(pickHighest(policy)).toEqual([0, 0]);
    expect(pickHighest(reference)).toEqual([0, 1]);
    expect(() => rewardPicks(policy, [[-1, -1]])).toThrow('2 prompts of policy log-probs, 1 of reference');
    expect(() => rewardPicks(policy, [[-1], [-1, -1]])).toThrow('prompt 0: 2 policy log-probs, 1 reference');
  });

  it('scores the picked responses with the verifier labels', () => {
    expect(pickedAccuracy([1, 0, 2], [[false, true], [false, true], [true, true, true]])).toBeCloseTo(2 / 3, 12);
    expect(() => pickedAccuracy([0], [])).toThrow('1 picks for 0 prompts');
  });
});

describe('candidateLogProbs', () => {
  it('equals each (prompt, response) scored on its own, grouped per prompt', async () => {
    const lm = await loadDefaultLm();
    const rows = readSplit('validation').slice(0, 3);
    const candidates = rows.map((r, i) => ({ prompt: r.prompt, responses: [r.completion, rows[(i + 1) % 3].completion, ...(i === 0 ? [' no'] : [])] }));
    const config = { max_length: 512, rows_per_pass: 2 };
    const grouped = await candidateLogProbs(ort, 'cpu', lm, lm.weights, candidates, config);
    expect(grouped.map((g) => g.length)).toEqual([3, 2, 2]);
    const codec = lmCodec(lm);
    for (const [p, c] of candidates.entries()) {
      for (const [j, response] of c.responses.entries()) {
        const alone = await scoreSequences(ort, 'cpu', lm, lm.weights, [{ prompt: codec.encodePrompt(c.prompt), response: codec.encodeResponse(response) }], 1);
        expect(grouped[p][j]).toBeCloseTo(alone.sum[0], 3);
      }
    }
    // The SFT model's own target is far likelier than another prompt's target.
    expect(grouped[1][0]).toBeGreaterThan(grouped[1][1]);
  }, 60_000);

  it('gives the probes the reward accuracy and margin heldOutRewards gives on the same pairs', async () => {
    const lm = await loadDefaultLm();
    // A policy a little away from the reference: every weight scaled by 1 + 0.02·sin(i).
    const policy = new Map([...lm.weights].map(([name, w]) => [name, w.map((x, i) => x * (1 + 0.02 * Math.sin(i)))]));
    const rows = readSplit('validation').slice(0, 12);
    const samples = rows.map((r, i) => [r.completion, rows[(i + 1) % 12].completion, rows[(i + 2) % 12].completion]);
    // Candidate 0 is the prompt's own target (right), the others wrong.
    const probes = rewardProbes(rows.map((r) => r.prompt), samples, (_, j) => j === 0, 1);
    expect(probes.pairs).toHaveLength(12);
    const config = { max_length: 512, rows_per_pass: 5, beta: 0.1, negatives_per_prompt: 1 };
    const scores = probeScores(probes, await candidateLogProbs(ort, 'cpu', lm, policy, probes.candidates, config), await candidateLogProbs(ort, 'cpu', lm, lm.weights, probes.candidates, config), 0.1);
    const records = probes.pairs.map((x) => ({ prompt: rows[x.prompt].prompt, chosen: samples[x.prompt][x.right], rejected: [samples[x.prompt][x.wrong]] }));
    const direct = await heldOutRewards(ort, 'cpu', lm, policy, records, config);
    expect(scores.selfPairRewards!.accuracy).toBe(direct.accuracy);
    expect(scores.selfPairRewards!.margin).toBeCloseTo(direct.margin, 4);
  }, 60_000);
});
