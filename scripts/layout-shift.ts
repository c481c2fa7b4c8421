// A diagnosis for docs/experiments.md (P13): does the preference term teach a layout of the working rather than
// rightness? Prints the layout mix (task v2's four layouts, `layoutOf`) of the pool's targets, its samples and the
// negatives each filter selects; the SFT model's accuracy per layout; then trains cells as compare:negatives does and
// splits each one's change of greedy arithmetic accuracy into a mix term (other layouts, each at the SFT model's
// accuracy in it) and a within term, and shows which layouts its implicit reward picks among the SFT model's samples.
// Reads the samples of a compare:negatives run with SELF_PAIRS (its log names both cache files):
//   POOL_CACHE=.cache/compare/pool-….json PAIRS_CACHE=.cache/compare/pool-….json npx tsx scripts/layout-shift.ts
//   LM=.cache/lm-plateau POOL_SPLIT=sft-train POOL=1000 SPLIT=validation EVAL=1000 LR=1e-4 SEEDS=1,2
import * as ort from 'onnxruntime-node';
import { scriptEnv, cachedPool, evaluationPrompts, probeSamples } from './cached-run';
import { cellData, cellLabel, type Cell } from '../src/lib/experiments/grid';
import { cellDpoConfig, trainPolicy } from '../src/lib/experiments/cell-run';
import { rewardProbes } from '../src/lib/experiments/reward-probes';
import { DEFAULT_SETTINGS } from '../src/lib/settings';
import { taskKind, verify } from '../src/lib/task/builtin';
import { LAYOUTS, firstError, layoutOf, parseProblem, stepValues } from '../src/lib/task/arithmetic';
import { evaluatePrompts } from '../src/lib/task/evaluate';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { candidateLogProbs, rewardPicks } from '../src/lib/train/reward-choice';
import { lmCodec } from '../src/lib/model/codec';

const env = scriptEnv('layout-shift');
const LR = Number(env('LR', '1e-4'));
const SEEDS = env('SEEDS', '1,2').split(',').map(Number);
const MAX_NEW_TOKENS = 96;
/** How many prompts per cell to print where the SFT model's greedy answer is right and the cell's is wrong. */
const EXAMPLES = Number(env('EXAMPLES', '0'));
const { lm, rows: poolRows, samples: poolSamples, verdicts: poolVerdicts, sampling } = await cachedPool(env);
const codec = lmCodec(lm);

type Layout = (typeof LAYOUTS)[number] | 'other';
const KINDS: Layout[] = [...LAYOUTS, 'other'];
const layout = (text: string): Layout => layoutOf(text) ?? 'other';
const pct = (x: number) => (100 * x).toFixed(1).padStart(5);
/** Share of each layout among the texts, as one table row. */
const mix = (texts: readonly string[]) => {
  const n = texts.length;
  const counts = KINDS.map((k) => texts.filter((t) => layout(t) === k).length);
  return { shares: counts.map((c) => c / n), row: `${KINDS.map((k, i) => `${k} ${pct(counts[i] / n)}`).join(' · ')}  (n ${n})` };
};
/** Verifier accuracy per layout of (prompt, response) pairs; NaN where a layout has none. */
const accuracyByLayout = (items: readonly { prompt: string; text: string }[]) => KINDS.map((k) => {
  const of = items.filter((x) => layout(x.text) === k);
  return { n: of.length, accuracy: of.length ? of.filter((x) => verify(x.prompt, x.text) === true).length / of.length : NaN };
});
const accuracyRow = (acc: ReturnType<typeof accuracyByLayout>) => KINDS.map((k, i) => `${k} ${acc[i].n ? pct(acc[i].accuracy) : '  –  '} (${acc[i].n})`).join(' · ');

// The pool: its targets, its samples, and the negatives each filter selects.
const isArithmetic = (prompt: unknown) => typeof prompt === 'string' && taskKind(prompt) === 'arithmetic';
const arithmeticPool = poolRows.map((_, p) => p).filter((p) => isArithmetic(poolRows[p].prompt));
const targetOf = new Map(poolRows.map((r) => [r.prompt, r.target]));

console.log(`Pool: ${poolRows.length} prompts (${arithmeticPool.length} arithmetic) × ${poolSamples[0].length} samples; lr ${LR}, seeds ${SEEDS.join(', ')}`);
console.log(`targets            ${mix(arithmeticPool.map((p) => poolRows[p].target)).row}`);
console.log(`all samples        ${mix(arithmeticPool.flatMap((p) => poolSamples[p])).row}`);
console.log(`distinct samples   ${mix(arithmeticPool.flatMap((p) => [...new Set(poolSamples[p])])).row}`);
console.log(`wrong samples      ${mix(arithmeticPool.flatMap((p) => poolSamples[p].filter((_, j) => !poolVerdicts[p][j]))).row}`);
const otherLayoutShare = (pairs: readonly { target: string; text: string }[]) => pairs.filter((x) => layout(x.text) !== layout(x.target)).length / pairs.length;
const distinctPairs = arithmeticPool.flatMap((p) => [...new Set(poolSamples[p])].map((text) => ({ target: poolRows[p].target, text })));
console.log(`distinct samples in another layout than their target: ${pct(otherLayoutShare(distinctPairs))}%`);
const negativeCells: Cell[] = [
  { method: 'self-contrast', m: 1, a: 25, seed: SEEDS[0] }, { method: 'self-contrast', m: 8, a: 25, seed: SEEDS[0] },
  { method: 'oracle', m: 1, a: 0, seed: SEEDS[0] }, { method: 'oracle', m: 8, a: 0, seed: SEEDS[0] },
  { method: 'dpo-std', m: 1, a: 0, seed: SEEDS[0] },
];
for (const cell of negativeCells) {
  const records = cellData(cell, sampling).records.filter((r) => isArithmetic(r.prompt));
  const negatives = records.flatMap((r) => r.rejected.map((text) => ({ target: targetOf.get(r.prompt as string)!, text })));
  console.log(`${cellLabel(cell).padEnd(40)} rejected ${mix(negatives.map((x) => x.text)).row}; in another layout than the target ${pct(otherLayoutShare(negatives))}%`);
  if (cell.method === 'dpo-std') console.log(`${''.padEnd(40)} chosen   ${mix(records.map((r) => r.chosen)).row}`);
}

// The SFT model on the validation prompts: per layout, its T = 1 samples (the probes) and its greedy answers.
const prompts = evaluationPrompts(env);
const arithmetic = prompts.map((_, p) => p).filter((p) => isArithmetic(prompts[p]));
const samples = probeSamples(env);
const probes = rewardProbes(prompts, samples, (p, j) => verify(prompts[p], samples[p][j]) === true, SEEDS[0]);
const candidates = arithmetic.flatMap((p) => probes.candidates[p].responses.map((text) => ({ prompt: prompts[p], text })));
console.log(`\nValidation: ${prompts.length} prompts (${arithmetic.length} arithmetic)`);
console.log(`SFT T = 1 samples (the probes' candidates): ${mix(candidates.map((x) => x.text)).row}`);
console.log(`  accuracy per layout: ${accuracyRow(accuracyByLayout(candidates))}`);

const greedyTexts = async (weights: Map<string, Float32Array>) => {
  const decoder = await DecoderSession.create(ort, lm.config, weights, 'cpu');
  try {
    const { samples: out } = await evaluatePrompts(decoder, codec, prompts, { sampling: { temperature: 0, topP: 1, topK: 0 }, seed: 1, maxNewTokens: MAX_NEW_TOKENS, maxBatchRows: 64 });
    const texts: string[] = new Array(prompts.length);
    for (const s of out) texts[s.promptIndex] = codec.decode(s.tokens);
    return texts;
  } finally {
    await decoder.release();
  }
};
const sftGreedy = await greedyTexts(lm.weights);
const sftItems = arithmetic.map((p) => ({ prompt: prompts[p], text: sftGreedy[p] }));
const sftAcc = accuracyByLayout(sftItems);
const right = (items: readonly { prompt: string; text: string }[]) => items.filter((x) => verify(x.prompt, x.text) === true).length / items.length;
/** Of wrong answers, the share whose first error is a slip: a number within 2 of a right value after some step. */
const slipShare = (items: readonly { prompt: string; text: string }[]) => {
  const wrong = items.filter((x) => verify(x.prompt, x.text) !== true);
  const slips = wrong.filter((x) => {
    const problem = parseProblem(x.prompt)!;
    const at = firstError(problem, x.text);
    if (at === null) return false;
    const stated = Number(/^-?\d+/.exec(x.text.slice(at))![0]);
    return stepValues(problem).slice(1).some((v) => Math.abs(v - stated) <= 2);
  });
  return `${slips.length} of ${wrong.length} (${pct(slips.length / Math.max(1, wrong.length))}%)`;
};
console.log(`SFT T = 1 wrong samples whose first error is a slip (within 2 of a right value): ${slipShare(candidates)}`);
console.log(`SFT greedy: accuracy ${pct(right(sftItems))}%; ${mix(sftItems.map((x) => x.text)).row}`);
console.log(`  accuracy per layout: ${accuracyRow(sftAcc)}`);
// The mix term values a layout at the SFT model's greedy accuracy in it; where its greedy answers rarely use a
// layout, at its T = 1 samples' accuracy in it (said in the output).
const candAcc = accuracyByLayout(candidates);
const sftLayoutAccuracy = KINDS.map((_, i) => (sftAcc[i].n >= 20 ? sftAcc[i].accuracy : candAcc[i].n ? candAcc[i].accuracy : 0));
console.log(`  layout values for the mix term: ${KINDS.map((k, i) => `${k} ${pct(sftLayoutAccuracy[i])}${sftAcc[i].n >= 20 ? '' : ' (T = 1)'}`).join(' · ')}`);

const reference = await candidateLogProbs(ort, 'cpu', lm, lm.weights, probes.candidates, cellDpoConfig({ ...DEFAULT_SETTINGS, lr: LR }, negativeCells[0], [], lm.config.maxPositions));
const trained: Omit<Cell, 'seed'>[] = [
  { method: 'sft-targets', m: 1, a: 0 }, { method: 'self-contrast', m: 1, a: 25 }, { method: 'self-contrast', m: 8, a: 25 }, { method: 'dpo-std', m: 1, a: 0 },
];
for (const seed of SEEDS) {
  for (const c of trained) {
    const cell = { ...c, seed };
    const config = cellDpoConfig({ ...DEFAULT_SETTINGS, lr: LR }, cell, [], lm.config.maxPositions);
    const records = cellData(cell, sampling).records;
    const { weights: policy, steps } = await trainPolicy(ort, 'cpu', lm, records, config);

    const texts = await greedyTexts(policy);
    const items = arithmetic.map((p) => ({ prompt: prompts[p], text: texts[p] }));
    const before = mix(sftItems.map((x) => x.text)).shares;
    const after = mix(items.map((x) => x.text));
    const acc = accuracyByLayout(items);
    const mixTerm = KINDS.reduce((s, _, i) => s + (after.shares[i] - before[i]) * sftLayoutAccuracy[i], 0);
    const withinTerm = KINDS.reduce((s, _, i) => s + (after.shares[i] ? after.shares[i] * ((acc[i].n ? acc[i].accuracy : 0) - sftLayoutAccuracy[i]) : 0), 0);
    // The same change by prompt: those whose greedy layout stayed, and those whose layout changed.
    const stayed = arithmetic.filter((_, i) => layout(items[i].text) === layout(sftItems[i].text));
    const changeOn = (ps: number[]) => ps.reduce((s, p) => s + Number(verify(prompts[p], texts[p]) === true) - Number(verify(prompts[p], sftGreedy[p]) === true), 0) / arithmetic.length;
    const moved = arithmetic.filter((p) => !stayed.includes(p));
    console.log(`\n${cellLabel(cell)}, seed ${seed}: ${steps} steps on ${records.length} prompts; greedy arithmetic accuracy ${pct(right(items))}% (SFT ${pct(right(sftItems))}%)`);
    console.log(`  layouts ${after.row}`);
    console.log(`  accuracy per layout: ${accuracyRow(acc)}`);
    console.log(`  change ${pct(right(items) - right(sftItems))} points = mix ${pct(mixTerm)} + within ${pct(withinTerm)}; by prompt: layout kept on ${stayed.length} (${pct(changeOn(stayed))}), changed on ${moved.length} (${pct(changeOn(moved))})`);

    const broken = arithmetic.filter((p) => verify(prompts[p], sftGreedy[p]) === true && verify(prompts[p], texts[p]) !== true);
    const fixed = arithmetic.filter((p) => verify(prompts[p], sftGreedy[p]) !== true && verify(prompts[p], texts[p]) === true);
    console.log(`  answers it gets wrong that SFT got right: ${broken.length} (first error a slip: ${slipShare(broken.map((p) => ({ prompt: prompts[p], text: texts[p] })))}); right that SFT got wrong: ${fixed.length}`);
    broken.slice(0, EXAMPLES).forEach((p) => console.log(`  ${JSON.stringify(prompts[p])}\n    SFT:  ${JSON.stringify(sftGreedy[p])}\n    cell: ${JSON.stringify(texts[p])}`));
    const policyLogProbs = await candidateLogProbs(ort, 'cpu', lm, policy, probes.candidates, config);
    const picks = rewardPicks(policyLogProbs, reference);
    const picked = arithmetic.map((p) => ({ prompt: prompts[p], text: probes.candidates[p].responses[picks[p]] }));
    console.log(`  best-of-8 picks: accuracy ${pct(right(picked))}% (random ${pct(right(candidates))}%); ${mix(picked.map((x) => x.text)).row}`);
    console.log(`    picks' accuracy per layout: ${accuracyRow(accuracyByLayout(picked))}`);
  }
}
