// What a trained cell's implicit reward β·log π/π_ref is probed with on the built-in task (docs/experiments.md,
// P8–P10): k samples of the base model per evaluation prompt, labelled by the verifier. One right/wrong pair per
// prompt that has both, drawn as DPO_std's pairs are — does the reward rank right above wrong? And every prompt's k
// samples, of which the reward picks one (best-of-k) — does a better reward give better answers? The pairs are
// samples among the candidates, so one pass over the candidates scores both.
import { pickedAccuracy, rewardPicks, type Candidates } from '../train/reward-choice';
import { cellData } from './grid';

/** A pair by index into its prompt's candidates. */
export interface ProbePair {
  prompt: number;
  right: number;
  wrong: number;
}

export interface RewardProbes {
  candidates: Candidates[];
  /** The verifier's verdict on every candidate. */
  correct: boolean[][];
  pairs: ProbePair[];
}

/** The probes from k samples per prompt; `seed` draws each pair's right and wrong sample. */
export function rewardProbes(prompts: readonly string[], samples: readonly (readonly string[])[], isRight: (p: number, j: number) => boolean, seed: number): RewardProbes {
  if (samples.length !== prompts.length) throw new Error(`${samples.length} prompts' samples for ${prompts.length} prompts`);
  const correct = samples.map((texts, p) => texts.map((_, j) => isRight(p, j)));
  // DPO_std's draw reads only the samples and their verdicts: these prompts have no targets or similarities. Its
  // records name texts; a text's first copy among the prompt's samples is the candidate (copies score alike).
  const drawn = cellData({ method: 'dpo-std', m: 1, a: 0, seed }, {
    prompts: prompts.map((_, p) => String(p)), targets: prompts.map(() => ''), samples: samples.map((s) => [...s]), correct: (p, j) => correct[p][j],
    table: () => { throw new Error('reward probes have no similarity table'); },
  }).records;
  const pairs = drawn.map((r) => {
    const p = Number(r.prompt);
    return { prompt: p, right: samples[p].indexOf(r.chosen), wrong: samples[p].indexOf(r.rejected[0]) };
  });
  return { candidates: prompts.map((prompt, p) => ({ prompt, responses: [...samples[p]] })), correct, pairs };
}

/** What any pick among the candidates is compared with: a random sample's chance of being right, and of some sample being right (pass@k). */
export function probeBaselines(correct: readonly (readonly boolean[])[]): { randomPick: number; anyRight: number } {
  const n = correct.length;
  if (!n) return { randomPick: NaN, anyRight: NaN };
  return {
    randomPick: correct.reduce((a, c) => a + c.filter(Boolean).length / c.length, 0) / n,
    anyRight: correct.filter((c) => c.some(Boolean)).length / n,
  };
}

/**
 * A trained policy's implicit reward on the probes, from every candidate's log-prob under the policy and the
 * reference: reward accuracy and mean margin on the pairs (TRL's rewards/accuracies and rewards/margins, β·Δ), and
 * the share of prompts whose highest-reward candidate is right. No pairs: no pair entry.
 */
export function probeScores(probes: RewardProbes, policy: readonly (readonly number[])[], reference: readonly (readonly number[])[], beta: number): {
  selfPairRewards?: { accuracy: number; margin: number };
  bestOfAccuracy: number;
} {
  const bestOfAccuracy = pickedAccuracy(rewardPicks(policy, reference), probes.correct);
  if (!probes.pairs.length) return { bestOfAccuracy };
  const reward = (p: number, j: number) => beta * (policy[p][j] - reference[p][j]);
  let right = 0;
  let margin = 0;
  for (const { prompt, right: r, wrong: w } of probes.pairs) {
    if (reward(prompt, r) > reward(prompt, w)) right++;
    margin += reward(prompt, r) - reward(prompt, w);
  }
  return { selfPairRewards: { accuracy: right / probes.pairs.length, margin: margin / probes.pairs.length }, bestOfAccuracy };
}
