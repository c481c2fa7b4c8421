// The method on the built-in task, end to end on onnxruntime-node with the
// shipped models: sample the SFT model on pool prompts, embed, keep the
// least-similar 25% as negatives, train DPO briefly, and the held-out verifier
// accuracy rises above the SFT model's. Scored on 1,000 test prompts: the gain
// (about 4 points here) is twice the threshold. On 200 prompts it sat one
// prompt from it, and run-to-run float differences of the multithreaded CPU
// kernels flipped the test.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { DecoderSession } from '../model/decoder-session';
import { lmCodec } from '../model/codec';
import { selfContrastData } from '../contrast/pipeline';
import { PAPER_FILTER } from '../contrast/filter';
import { evaluatePrompts } from '../task/evaluate';
import { defaultEmbedder, loadDefaultLm, readSplit } from '../task/node-lab.testutil';
import { DpoRun } from './dpo-run';
import { DPO_CONFIG_DEFAULTS } from './dpo-config';
import { encodeRecord } from './preference-data';

const POOL = 1000;
const R = 16;
const M = 4; // 25% of 16 samples
const TEST = 1000;

describe('Self-Contrast on the built-in task', () => {
  it('DPO on self-generated negatives lifts held-out verifier accuracy above the SFT model', async () => {
    const lm = await loadDefaultLm();
    const codec = lmCodec(lm);
    const test = readSplit('test').slice(0, TEST).map((r) => r.prompt);
    const greedy = async (weights: Map<string, Float32Array>) => {
      const decoder = await DecoderSession.create(ort, lm.config, weights, 'cpu');
      const { accuracy } = await evaluatePrompts(decoder, codec, test, { sampling: { temperature: 0, topP: 1, topK: 0 }, seed: 1, maxNewTokens: 96 });
      await decoder.release();
      return accuracy;
    };
    const sft = await greedy(lm.weights);

    const sampler = await DecoderSession.create(ort, lm.config, lm.weights, 'cpu');
    const pool = readSplit('pool').slice(0, POOL).map((r) => ({ prompt: r.prompt, target: r.completion }));
    const data = await selfContrastData(sampler, codec, await defaultEmbedder(), pool, {
      samplesPerPrompt: R, sampling: { temperature: 1, topP: 1, topK: 0 }, maxNewTokens: 96, seed: 1,
    });
    await sampler.release();
    const groups = data.select({ ...PAPER_FILTER, m: M, seed: 1, short: 'keep-fewer' }).map((r) => encodeRecord(codec, r));
    expect(groups.length).toBeGreaterThan(700);

    const run = await DpoRun.create(ort, 'cpu', { config: lm.config, weights: lm.weights, padTokenId: lm.padTokenId }, groups, {
      ...DPO_CONFIG_DEFAULTS, negatives_per_prompt: M, learning_rate: 5e-5, prompts_per_step: 16, rows_per_pass: 80, seed: 1,
    });
    const logs = [];
    while (run.stepsDone < run.totalSteps) logs.push(await run.step());
    const trained = await greedy(await run.policyWeights());
    await run.release();

    // The implicit reward learned to prefer the targets, and the policy got better at the task.
    const lastTen = logs.slice(-10);
    expect(lastTen.reduce((a, l) => a + l['rewards/accuracies'], 0) / 10).toBeGreaterThan(0.55);
    expect(trained.accuracy, `SFT ${sft.accuracy}, after DPO ${trained.accuracy}`).toBeGreaterThan(sft.accuracy + 0.02);
    // Refusals and benign answers are not traded away for arithmetic.
    expect(trained.byKind.harmful.correct).toBeGreaterThanOrEqual(sft.byKind.harmful.correct - 1);
    expect(trained.byKind.benign.correct).toBeGreaterThanOrEqual(sft.byKind.benign.correct - 1);
    // The limit only catches a hang: beside two other node jobs on a 2-core machine the test ran past 600 s, so a
    // busy CI machine gets three times that.
  }, 1_800_000);
});
