// One grid cell on one engine: DPO from the base model on the cell's pairs,
// then greedy verifier accuracy of the trained policy on the evaluation
// prompts (and, when asked, its accuracy sampled as the authors evaluate).
// The LM worker (onnxruntime-web) and the node script (onnxruntime-node) both
// call this, so a cell means the same in both.
import type { PreferenceRecord } from '../data/export';
import type { LoadedLm } from '../model/load';
import { lmCodec } from '../model/codec';
import { DecoderSession } from '../model/decoder-session';
import type { ExecutionProvider, OrtApi } from '../onnx/runtime';
import { evaluatePrompts } from '../task/evaluate';
import { dpoConfigFrom, type DpoConfig } from '../train/dpo-config';
import type { LabSettings } from '../settings';
import type { Cell } from './grid';
import { DpoRun } from '../train/dpo-run';
import { encodeRecord } from '../train/preference-data';
import { heldOutRewards } from '../train/held-out';
import { relativeWeightChange } from '../train/weight-change';
import { candidateLogProbs } from '../train/reward-choice';
import { probeScores, type RewardProbes } from './reward-probes';
import type { CellOutcome } from './runner';

export type CellStage = 'reference' | 'train' | 'evaluate';

export interface CellRunOptions {
  /** Built-in task prompts scored by the verifier (greedy). */
  evalPrompts: readonly string[];
  /** Where there is no verifier: held-out pairs, and the cell is scored by reward accuracy on them instead. */
  heldOut?: readonly PreferenceRecord[];
  maxNewTokens: number;
  /**
   * The implicit reward's probes (k verifier-labelled samples of the base model per evaluation prompt): each trained
   * policy's reward is scored on their right/wrong pairs and picks one sample per prompt (best-of-k). The candidates'
   * log-probs under the base model are the same for every cell: a caller that has them saves a pass.
   */
  probes?: RewardProbes & { referenceLogProbs?: readonly (readonly number[])[] };
  /** Also this many responses per prompt sampled as the authors evaluate (AUTHORS_SAMPLING); 0 or absent: greedy only. */
  sampledSamplesPerPrompt?: number;
  /** Each report is also where the worker's cancel lands. */
  onProgress?: (p: { stage: CellStage; done: number; total: number }) => void;
  /** Wraps each device call (the worker races WebGPU work against the loss of the device). */
  guard?: <T>(work: Promise<T>) => Promise<T>;
}

/**
 * The authors' evaluation samples one response per test prompt at temperature 1, top-p 1 (THUDM/Self-Contrast
 * scripts/HH-RLHF/Test.sh) and scores it with the reward model: a measure of the policy's whole distribution, which
 * greedy decoding does not see. Here `samplesPerPrompt` such responses per prompt, with one fixed seed, so every
 * cell draws the same random numbers and cells differ only by their weights.
 */
export const AUTHORS_SAMPLING = { temperature: 1, topP: 1, topK: 0 } as const;
const SAMPLED_EVAL_SEED = 1;

/**
 * Verifier accuracy of these weights on the prompts: greedy (seed-independent) with its mean grade (the share of items
 * right on the graded task, the accuracy elsewhere), and sampled as the authors evaluate when asked.
 */
export async function verifierAccuracy(ort: OrtApi, ep: ExecutionProvider, lm: LoadedLm, weights: Map<string, Float32Array>, o: CellRunOptions): Promise<{ greedy: number; greedyGrade: number; sampled?: number }> {
  const decoder = await DecoderSession.create(ort, lm.config, weights, ep);
  const guard = o.guard ?? (<T>(w: Promise<T>) => w);
  const k = o.sampledSamplesPerPrompt ?? 0;
  const total = o.evalPrompts.length * (1 + k);
  try {
    const evaluate = (sampling: typeof AUTHORS_SAMPLING | { temperature: 0; topP: 1; topK: 0 }, samplesPerPrompt: number, offset: number) => guard(evaluatePrompts(decoder, lmCodec(lm), o.evalPrompts, {
      sampling, seed: SAMPLED_EVAL_SEED, samplesPerPrompt, maxNewTokens: o.maxNewTokens, maxBatchRows: 64,
      onProgress: (done) => o.onProgress?.({ stage: 'evaluate', done: offset + done * samplesPerPrompt, total }),
    })).then((r) => r.accuracy);
    const greedy = await evaluate({ temperature: 0, topP: 1, topK: 0 }, 1, 0);
    const scores = { greedy: greedy.accuracy, greedyGrade: greedy.grade };
    return k > 0 ? { ...scores, sampled: (await evaluate(AUTHORS_SAMPLING, k, o.evalPrompts.length)).accuracy } : scores;
  } finally {
    await decoder.release();
  }
}

/** DPO from the base model on the records, as a grid cell trains: the trained weights, steps taken and the last step's loss and margin. */
export async function trainPolicy(ort: OrtApi, ep: ExecutionProvider, lm: LoadedLm, records: readonly PreferenceRecord[], config: DpoConfig, o: Pick<CellRunOptions, 'onProgress' | 'guard'> = {}): Promise<{ weights: Map<string, Float32Array>; steps: number; last: { loss: number; margin: number } }> {
  const guard = o.guard ?? (<T>(w: Promise<T>) => w);
  const codec = lmCodec(lm);
  const run = await DpoRun.create(ort, ep, { config: lm.config, weights: lm.weights, padTokenId: lm.padTokenId }, records.map((r) => encodeRecord(codec, r)), config, {
    onReference: (done, total) => o.onProgress?.({ stage: 'reference', done, total }),
  });
  try {
    let last = { loss: NaN, margin: NaN };
    while (run.stepsDone < run.totalSteps) {
      const log = await guard(run.step());
      last = { loss: log.loss, margin: log['rewards/margins'] };
      o.onProgress?.({ stage: 'train', done: run.stepsDone, total: run.totalSteps });
    }
    return { weights: await guard(run.policyWeights()), steps: run.stepsDone, last };
  } finally {
    await run.release();
  }
}

/** Trains a policy on the records from the base model and evaluates it (verifier, or reward accuracy on held-out pairs); no records: the base model, evaluated. */
export async function trainAndEvaluate(ort: OrtApi, ep: ExecutionProvider, lm: LoadedLm, records: readonly PreferenceRecord[], config: DpoConfig, o: CellRunOptions): Promise<CellOutcome> {
  const guard = o.guard ?? (<T>(w: Promise<T>) => w);
  const t0 = performance.now();
  const { weights, steps, last } = records.length
    ? await trainPolicy(ort, ep, lm, records, config, o)
    : { weights: lm.weights, steps: 0, last: { loss: NaN, margin: NaN } };
  const t1 = performance.now();
  let probed: ReturnType<typeof probeScores> | null = null;
  if (steps && o.probes) {
    const reference = o.probes.referenceLogProbs ?? await guard(candidateLogProbs(ort, ep, lm, lm.weights, o.probes.candidates, config));
    probed = probeScores(o.probes, await guard(candidateLogProbs(ort, ep, lm, weights, o.probes.candidates, config)), reference, config.beta);
  }
  const scores: { greedy: number; greedyGrade?: number; sampled?: number } = o.heldOut?.length
    ? { greedy: (await guard(heldOutRewards(ort, ep, lm, weights, o.heldOut, config, (_, done, total) => o.onProgress?.({ stage: 'evaluate', done, total })))).accuracy }
    : await verifierAccuracy(ort, ep, lm, weights, o);
  return {
    accuracy: scores.greedy, ...(scores.greedyGrade === undefined ? {} : { grade: scores.greedyGrade }), ...(scores.sampled === undefined ? {} : { sampledAccuracy: scores.sampled }),
    steps, finalLoss: last.loss, finalMargin: last.margin, weightChange: steps ? relativeWeightChange(lm.weights, weights) : 0,
    ...(probed ?? {}),
    seconds: { train: (t1 - t0) / 1000, evaluate: (performance.now() - t1) / 1000 },
  };
}

/**
 * A cell's DPO config: the grid's training settings with the cell's M and seed (the same prompts per step for every
 * M); the SFT-on-targets control swaps the loss for TRL's "sft" (the chosen responses' NLL) and nothing else.
 */
export function cellDpoConfig(settings: LabSettings, cell: Pick<Cell, 'method' | 'm' | 'seed'>, loraTargets: string[], contextLength: number): DpoConfig {
  const loss: Partial<LabSettings> = cell.method === 'sft-targets' ? { dpoLoss: 'sft', rpoAlpha: 0 } : {};
  return dpoConfigFrom({ ...settings, ...loss, m: Math.max(1, cell.m), seed: cell.seed }, loraTargets, contextLength);
}
