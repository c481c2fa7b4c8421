// Best-of-n by DPO's implicit reward: among k responses to a prompt, the one
// β·(log π − log π_ref) ranks highest. It uses what training learned without
// decoding from the trained policy, so it shows whether a better reward
// (docs/experiments.md, P8–P10) gives better answers.
import type { LoadedLm } from '../model/load';
import { lmCodec } from '../model/codec';
import type { ExecutionProvider, OrtApi } from '../onnx/runtime';
import type { DpoConfig } from './dpo-config';
import { scoreSequences } from './held-out';
import { cutPair } from './preference-data';

/** k responses to one prompt, to choose one from. */
export interface Candidates {
  prompt: string;
  responses: readonly string[];
}

/** Σ log p of every candidate response under the weights, per prompt, each sequence cut to max_length as DPO cuts it. */
export async function candidateLogProbs(
  ort: OrtApi, ep: ExecutionProvider, lm: LoadedLm, weights: Map<string, Float32Array>, candidates: readonly Candidates[],
  config: Pick<DpoConfig, 'max_length' | 'rows_per_pass'>, onProgress?: (done: number, total: number) => void,
): Promise<number[][]> {
  const codec = lmCodec(lm);
  const rows = candidates.flatMap((c) => {
    const prompt = codec.encodePrompt(c.prompt);
    return c.responses.map((r) => cutPair(prompt, codec.encodeResponse(r), config.max_length));
  });
  const { sum } = await scoreSequences(ort, ep, lm, weights, rows, config.rows_per_pass, onProgress);
  let at = 0;
  return candidates.map((c) => Array.from(sum.subarray(at, (at += c.responses.length))));
}

/** Per prompt, the index of the highest score; the first of ties. */
export function pickHighest(scores: readonly (readonly number[])[]): number[] {
  return scores.map((s, p) => {
    if (s.length === 0) throw new Error(`prompt ${p} has no candidates to choose from`);
    return s.reduce((best, v, j) => (v > s[best] ? j : best), 0);
  });
}

/** The implicit reward's pick per prompt: the highest log π − log π_ref (β > 0 scales every reward alike, so it does not change the pick). */
export function rewardPicks(policy: readonly (readonly number[])[], reference: readonly (readonly number[])[]): number[] {
  if (policy.length !== reference.length) throw new Error(`${policy.length} prompts of policy log-probs, ${reference.length} of reference`);
  return pickHighest(policy.map((s, p) => {
    if (s.length !== reference[p].length) throw new Error(`prompt ${p}: ${s.length} policy log-probs, ${reference[p].length} reference`);
    return s.map((v, j) => v - reference[p][j]);
  }));
}

/** The share of prompts whose picked response is right. */
export function pickedAccuracy(picks: readonly number[], correct: readonly (readonly boolean[])[]): number {
  if (picks.length !== correct.length) throw new Error(`${picks.length} picks for ${correct.length} prompts`);
  return picks.length ? picks.filter((j, p) => correct[p][j]).length / picks.length : 0;
}
