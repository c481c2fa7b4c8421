// trainAndEvaluate on onnxruntime-node with the shipped LM: what a cell records
// besides accuracy — how far training moved the weights and, when asked, the
// trained policy's implicit reward on given pairs and its best-of-k picks.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { loadDefaultLm, readSplit } from '../task/node-lab.testutil';
import { DEFAULT_SETTINGS } from '../settings';
import { cellDpoConfig, trainAndEvaluate } from './cell-run';
import { rewardProbes } from './reward-probes';

describe('trainAndEvaluate', () => {
  it('records the weight change and the implicit reward on the probes it was given: pair accuracy and best-of-k', async () => {
    const lm = await loadDefaultLm();
    const rows = readSplit('pool').slice(0, 8);
    // Chosen: the row's target; rejected: the next row's target, a wrong answer to this prompt.
    const records = rows.map((r, i) => ({ prompt: r.prompt, chosen: r.completion, rejected: [rows[(i + 1) % rows.length].completion] }));
    const config = cellDpoConfig({ ...DEFAULT_SETTINGS, lr: 1e-3, promptsPerStep: 4, epochs: 2 }, { method: 'self-contrast', m: 1, seed: 1 }, [], lm.config.maxPositions);
    // Probes: each pair's chosen (labelled right) and rejected (labelled wrong) response as a prompt's two candidates.
    const probes = rewardProbes(rows.map((r) => r.prompt), records.map((r) => [r.chosen, r.rejected[0]]), (_, j) => j === 0, 1);
    const o = { evalPrompts: readSplit('validation').slice(0, 2).map((r) => r.prompt), maxNewTokens: 24, probes };
    const trained = await trainAndEvaluate(ort, 'cpu', lm, records, config, o);
    expect(trained.steps).toBe(4);
    expect(trained.weightChange).toBeGreaterThan(0);
    // Trained on exactly these pairs: the implicit reward ranks every chosen response above its rejected one.
    expect(trained.selfPairRewards!.accuracy).toBe(1);
    expect(trained.selfPairRewards!.margin).toBeGreaterThan(0);
    // And so picks the chosen response of every pair (no reference log-probs given: computed here).
    expect(trained.bestOfAccuracy).toBe(1);
    const base = await trainAndEvaluate(ort, 'cpu', lm, [], config, o);
    expect(base.weightChange).toBe(0);
    expect(base.selfPairRewards).toBeUndefined();
    expect(base.bestOfAccuracy).toBeUndefined();
  }, 120_000);
});
