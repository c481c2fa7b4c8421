// Reward accuracy on held-out preference pairs, as TRL's DPOTrainer logs it at
// evaluation: the share of (chosen, rejected) pairs whose implicit reward
// β·(log π − log π_ref) ranks chosen above rejected, with the mean margin. The
// quality axis where no verifier exists; the Train step's evaluation and the
// Experiments step on a user's own data both use it.
import type { PreferenceRecord } from '../data/export';
import type { LoadedLm } from '../model/load';
import { lmCodec } from '../model/codec';
import { SequenceScorer, type SequenceScores } from '../model/sequence-scorer';
import type { ExecutionProvider, OrtApi } from '../onnx/runtime';
import type { DpoConfig } from './dpo-config';
import { rewardAccuracy, type RewardAccuracy } from './dpo-run';
import { encodeRecord, groupRows } from './preference-data';
import type { TokenizedPair } from './batches';

/** The policy's weights against the loaded model's as the reference, on the records' pairs (M, β, max_length from config). */
export async function heldOutRewards(
  ort: OrtApi, ep: ExecutionProvider, lm: LoadedLm, policy: Map<string, Float32Array>, records: readonly PreferenceRecord[],
  config: Pick<DpoConfig, 'negatives_per_prompt' | 'max_length' | 'rows_per_pass' | 'beta'>,
  onProgress?: (stage: 'policy log-probs' | 'reference log-probs', done: number, total: number) => void,
): Promise<RewardAccuracy> {
  const codec = lmCodec(lm);
  const grouped = records.map((r) => groupRows(encodeRecord(codec, r), config.negatives_per_prompt, config.max_length));
  const rows = grouped.flatMap((g) => g.rows);
  const mask = grouped.flatMap((g) => g.mask);
  const score = (w: Map<string, Float32Array>, stage: 'policy log-probs' | 'reference log-probs') => scoreSequences(ort, ep, lm, w, rows, config.rows_per_pass, (done, total) => onProgress?.(stage, done, total));
  return rewardAccuracy(await score(policy, 'policy log-probs'), await score(lm.weights, 'reference log-probs'), mask, config.negatives_per_prompt, config.beta);
}

/** Summed log-probs of the rows' responses under the weights, on a scorer made for this call. */
export async function scoreSequences(
  ort: OrtApi, ep: ExecutionProvider, lm: LoadedLm, weights: Map<string, Float32Array>, rows: readonly TokenizedPair[], rowsPerRun: number,
  onProgress?: (done: number, total: number) => void,
): Promise<SequenceScores> {
  const scorer = await SequenceScorer.create(ort, lm.config, weights, ep, lm.padTokenId);
  try {
    return await scorer.score(rows, { rowsPerRun, onProgress });
  } finally {
    await scorer.release();
  }
}
