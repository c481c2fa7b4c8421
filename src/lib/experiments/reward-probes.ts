// What a trained cell's implicit reward β·log π/π_ref is probed with on the built-in task (docs/experiments.md,
// P8–P10): k samples of the base model per evaluation prompt, labelled by the verifier. One right/wrong pair per
// prompt that has both, drawn as DPO_std's pairs are — does the reward rank right above wrong? And every prompt's k
// samples, of which the reward picks one (best-of-k) — does a better reward give better answers?
import type { PreferenceRecord } from '../data/export';
import type { Candidates } from '../train/reward-choice';
import { cellData } from './grid';

export interface RewardProbes {
  pairs: PreferenceRecord[];
  candidates: Candidates[];
  /** The verifier's verdict on every candidate. */
  correct: boolean[][];
}

/** The probes from k samples per prompt; `seed` draws each pair's right and wrong sample. */
export function rewardProbes(prompts: readonly string[], samples: readonly (readonly string[])[], isRight: (p: number, j: number) => boolean, seed: number): RewardProbes {
  if (samples.length !== prompts.length) throw new Error(`${samples.length} prompts' samples for ${prompts.length} prompts`);
  const correct = samples.map((texts, p) => texts.map((_, j) => isRight(p, j)));
  // DPO_std's draw reads only the samples and their verdicts: these prompts have no targets or similarities.
  const pairs = cellData({ method: 'dpo-std', m: 1, a: 0, seed }, {
    prompts: [...prompts], targets: prompts.map(() => ''), samples: samples.map((s) => [...s]), correct: (p, j) => correct[p][j],
    table: () => { throw new Error('reward probes have no similarity table'); },
  }).records;
  return { pairs, candidates: prompts.map((prompt, p) => ({ prompt, responses: [...samples[p]] })), correct };
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
