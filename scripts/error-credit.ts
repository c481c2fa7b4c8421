// A diagnosis for docs/experiments.md (P14): where DPO's push lands in a wrong answer. Trains cells as
// compare:negatives does, then scores the SFT model's own samples under each trained policy and the SFT model, and
// prints the mean per-token log-ratio log π_θ − log π_SFT over four groups of tokens: right samples; wrong samples
// before their first error (`firstError`: the first number no right solution states); that wrong number; the rest.
// Reads the samples of a compare:negatives run with SELF_PAIRS (its log names both cache files):
//   POOL_CACHE=.cache/compare/pool-….json PAIRS_CACHE=.cache/compare/pool-….json npx tsx scripts/error-credit.ts
//   LM=.cache/lm-plateau POOL_SPLIT=sft-train POOL=1000 SPLIT=validation EVAL=1000 LR=1e-4 SEEDS=1,2
import * as ort from 'onnxruntime-node';
import { scriptEnv, cachedPool, evaluationPrompts, probeSamples } from './cached-run';
import { cellData, cellLabel, type Cell } from '../src/lib/experiments/grid';
import { cellDpoConfig, trainPolicy } from '../src/lib/experiments/cell-run';
import { DEFAULT_SETTINGS } from '../src/lib/settings';
import { taskKind, verify } from '../src/lib/task/builtin';
import { firstError, parseProblem } from '../src/lib/task/arithmetic';
import { cutPair } from '../src/lib/train/preference-data';
import { scoreSequences } from '../src/lib/train/held-out';
import { lmCodec } from '../src/lib/model/codec';
import type { TokenizedPair } from '../src/lib/train/batches';

const env = scriptEnv('error-credit');
const LR = Number(env('LR', '1e-4'));
const SEEDS = env('SEEDS', '1,2').split(',').map(Number);
const { lm, sampling } = await cachedPool(env);
const codec = lmCodec(lm);

// Every probe sample of an arithmetic validation prompt, cut into rows: a right sample whole; a wrong one whole and
// at two token boundaries — the last at or before its first wrong number starts, the first at or after it ends.
const prompts = evaluationPrompts(env);
const samples = probeSamples(env);
const config = (cell: Cell) => cellDpoConfig({ ...DEFAULT_SETTINGS, lr: LR }, cell, [], lm.config.maxPositions);
const maxLength = config({ method: 'self-contrast', m: 1, a: 25, seed: 1 }).max_length;
const rows: TokenizedPair[] = [];
const right: number[] = [];
const wrong: { whole: number; before: number | null; through: number }[] = [];
let noFirstError = 0;
prompts.forEach((prompt, p) => {
  if (taskKind(prompt) !== 'arithmetic') return;
  const problem = parseProblem(prompt)!;
  const promptTokens = codec.encodePrompt(prompt);
  const row = (response: number[]) => rows.push(cutPair(promptTokens, response, maxLength)) - 1;
  for (const text of samples[p]) {
    const tokens = codec.encodeResponse(text);
    if (verify(prompt, text) === true) {
      right.push(row(tokens));
      continue;
    }
    const at = firstError(problem, text);
    if (at === null) {
      noFirstError++;
      continue;
    }
    const end = at + /^-?\d+/.exec(text.slice(at))![0].length;
    const decodedLength = (n: number) => codec.decode(tokens.slice(0, n)).length;
    let before = 0;
    while (before + 1 < tokens.length && decodedLength(before + 1) <= at) before++;
    let through = before + 1;
    while (through < tokens.length && decodedLength(through) < end) through++;
    wrong.push({ whole: row(tokens), before: before > 0 ? row(tokens.slice(0, before)) : null, through: row(tokens.slice(0, through)) });
  }
});
console.log(`${prompts.length} validation prompts: ${right.length} right samples, ${wrong.length} wrong with a first error, ${noFirstError} wrong without one; lr ${LR}`);

const referenceScores = await scoreSequences(ort, 'cpu', lm, lm.weights, rows, 64);
/** Mean per-token log-ratio of each group: Σ (policy − reference) over its tokens / its tokens. */
const groups = (policy: typeof referenceScores) => {
  const ratio = (i: number | null) => (i === null ? 0 : policy.sum[i] - referenceScores.sum[i]);
  const count = (i: number | null) => (i === null ? 0 : policy.count[i]);
  const mean = (parts: { ratio: number; count: number }[]) => parts.reduce((s, x) => s + x.ratio, 0) / parts.reduce((s, x) => s + x.count, 0);
  return {
    right: mean(right.map((i) => ({ ratio: ratio(i), count: count(i) }))),
    before: mean(wrong.map((w) => ({ ratio: ratio(w.before), count: count(w.before) }))),
    error: mean(wrong.map((w) => ({ ratio: ratio(w.through) - ratio(w.before), count: count(w.through) - count(w.before) }))),
    after: mean(wrong.map((w) => ({ ratio: ratio(w.whole) - ratio(w.through), count: count(w.whole) - count(w.through) }))),
  };
};
const tokens = (pick: (w: (typeof wrong)[number]) => number) => wrong.reduce((s, w) => s + pick(w), 0);
const count = (i: number | null) => (i === null ? 0 : referenceScores.count[i]);
console.log(`tokens: right ${right.reduce((s, i) => s + count(i), 0)}, before the error ${tokens((w) => count(w.before))}, the wrong number ${tokens((w) => count(w.through) - count(w.before))}, after it ${tokens((w) => count(w.whole) - count(w.through))}`);
console.log('per-token log π_θ − log π_SFT (×1000): right samples | wrong: before the first error | its wrong number | after it');

const cells: Omit<Cell, 'seed'>[] = [
  { method: 'sft-targets', m: 1, a: 0 }, { method: 'self-contrast', m: 1, a: 25 }, { method: 'self-contrast', m: 8, a: 25 }, { method: 'dpo-std', m: 1, a: 0 },
];
for (const seed of SEEDS) {
  for (const c of cells) {
    const cell = { ...c, seed };
    const { weights } = await trainPolicy(ort, 'cpu', lm, cellData(cell, sampling).records, config(cell));
    const g = groups(await scoreSequences(ort, 'cpu', lm, weights, rows, 64));
    const f = (x: number) => (1000 * x).toFixed(1).padStart(7);
    console.log(`${cellLabel(cell).padEnd(36)} seed ${seed}: ${f(g.right)} | ${f(g.before)} | ${f(g.error)} | ${f(g.after)}`);
  }
}
