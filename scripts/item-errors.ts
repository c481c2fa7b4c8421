// A diagnosis for docs/experiments.md (P18): what DPO does to the items of the graded task (add-each). Trains cells as
// compare:negatives does and tallies, item by item, the greedy responses of each trained policy on the evaluation
// prompts — right, miscopied, missing, or the result off by 1, by 2–9, by a multiple of 10, by other — beside the same
// tally for the pool's own samples and for the negatives Self-Contrast M = 8 selects (what DPO is shown as wrong). Then
// where the chosen responses' likelihood went: the per-token log π_θ − log π_SFT of the pool's targets at their
// result numbers and at every other token (the first PROBE records of Self-Contrast M = 1).
// NEGATIVES=far (P20) trains Self-Contrast on the same negatives with every wrongly computed result moved 20–40 away
// from the right one (`withFarResults`): wrong in the same places, but not by a near miss; NEGATIVES=all-far (P22) moves
// the right results too, so nothing a negative computes is right. FILTER=verifier (P21) draws
// the negatives among the verifier's wrong samples instead of the reference filter's (the grid's oracle cells).
// On top of all-far (P23): NEGATIVES=reworded restates each negative in a wording that shares no part with its
// chosen's; NEGATIVES=other-prompt gives each record the next record's negatives (sharing no item with the prompt).
// Reads the pool samples a compare:negatives run cached:
//   TASK=add-each LM=.cache/lm-add-each POOL_CACHE=.cache/compare/pool-….json npx tsx scripts/item-errors.ts
//   POOL_SPLIT=sft-train POOL=1000 SPLIT=validation EVAL=1000 LR=3e-5 SEEDS=1 PROBE=300 NEGATIVES=sampled FILTER=reference
import * as ort from 'onnxruntime-node';
import { scriptEnv, cachedPool, evaluationPrompts } from './cached-run';
import { cellData, cellLabel, type Cell } from '../src/lib/experiments/grid';
import { cellDpoConfig, trainPolicy } from '../src/lib/experiments/cell-run';
import { DEFAULT_SETTINGS } from '../src/lib/settings';
import { addEachPhrasingOf, itemOutcomes, parseAddEach, restateAddEach, unlikePhrasing, withFarResults, type ItemOutcome } from '../src/lib/task/add-each';
import type { PreferenceRecord } from '../src/lib/data/export';
import { createRng } from '../src/lib/random';
import { verify } from '../src/lib/task/builtin';
import { evaluatePrompts } from '../src/lib/task/evaluate';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { lmCodec } from '../src/lib/model/codec';
import { scoreSequences } from '../src/lib/train/held-out';
import { cutPair } from '../src/lib/train/preference-data';
import type { TokenizedPair } from '../src/lib/train/batches';

const env = scriptEnv('item-errors');
const LR = Number(env('LR', '3e-5'));
const SEEDS = env('SEEDS', '1').split(',').map(Number);
const PROBE = Number(env('PROBE', '300'));
const NEGATIVES = env('NEGATIVES', 'sampled');
/** What is done to the negatives, as the log names it. */
const CHANGES: Record<string, string> = {
  sampled: '', far: ', wrong results moved far', 'all-far': ', all results moved far',
  reworded: ', all results moved far, restated in a wording unlike the chosen\'s', 'other-prompt': ', all results moved far, another prompt\'s',
};
if (!(NEGATIVES in CHANGES)) throw new Error(`NEGATIVES must be one of ${Object.keys(CHANGES).join(', ')}, not ${NEGATIVES}`);
const FILTER = env('FILTER', 'reference');
if (FILTER !== 'reference' && FILTER !== 'verifier') throw new Error(`FILTER must be reference or verifier, not ${FILTER}`);
/** The cell that selects M negatives: the paper's filter, or the verifier's wrong samples. */
const negativesCell = (m: number, seed: number): Cell => (FILTER === 'verifier' ? { method: 'oracle', m, a: 0, seed } : { method: 'self-contrast', m, a: 25, seed });
const { lm, sampling } = await cachedPool(env);
const codec = lmCodec(lm);
const prompts = evaluationPrompts(env);

const BUCKETS = ['right', 'miscopied', 'missing', 'off by 1', 'off by 2–9', 'off by 10k', 'off by other'] as const;
const bucketOf = (o: ItemOutcome): (typeof BUCKETS)[number] => {
  if (o.kind !== 'result off') return o.kind;
  const d = Math.abs(o.by);
  return d === 1 ? 'off by 1' : d < 10 ? 'off by 2–9' : d % 10 === 0 ? 'off by 10k' : 'off by other';
};
/** Share of items per bucket (%), over every response's items, and the share of responses with every item right. */
function tally(pairs: { prompt: string; response: string }[]): string {
  const counts = new Map<string, number>(BUCKETS.map((b) => [b, 0]));
  let items = 0;
  let allRight = 0;
  for (const { prompt, response } of pairs) {
    const outcomes = itemOutcomes(parseAddEach(prompt)!, response);
    for (const o of outcomes) {
      counts.set(bucketOf(o), counts.get(bucketOf(o))! + 1);
      items++;
    }
    if (verify(prompt, response) === true) allRight++;
  }
  return BUCKETS.map((b) => (100 * counts.get(b)! / items).toFixed(1).padStart(6)).join(' |') + ` | (${items} items; ${(100 * allRight / pairs.length).toFixed(1)}% of responses all right)`;
}

/** What a cell trains on: the grid's records, their negatives changed as NEGATIVES says (seeded by the cell). */
function recordsOf(cell: Cell): PreferenceRecord[] {
  const { records } = cellData(cell, sampling);
  if (NEGATIVES === 'sampled' || cell.method === 'sft-targets') return records;
  const rng = createRng(1000 + cell.seed);
  const problemOf = (r: PreferenceRecord) => parseAddEach(r.prompt as string)!;
  const far = records.map((r) => r.rejected.map((t) => withFarResults(problemOf(r), t, rng, NEGATIVES !== 'far')));
  return records.map((r, i) => {
    if (NEGATIVES === 'reworded') {
      const chosenPhrasing = addEachPhrasingOf(problemOf(r), r.chosen as string);
      if (!chosenPhrasing) throw new Error(`record ${i}: the chosen is not in a phrasing of the task: ${r.chosen}`);
      return { ...r, rejected: far[i].map((t) => restateAddEach(problemOf(r), t, unlikePhrasing(chosenPhrasing, rng))) };
    }
    if (NEGATIVES === 'other-prompt') {
      const next = far[(i + 1) % records.length];
      return { ...r, rejected: r.rejected.map((_, k) => next[k % next.length]) };
    }
    return { ...r, rejected: far[i] };
  });
}

const config = (cell: Cell) => cellDpoConfig({ ...DEFAULT_SETTINGS, lr: LR }, cell, [], lm.config.maxPositions);
const poolPairs = sampling.samples.flatMap((texts, p) => texts.slice(0, 32).map((response) => ({ prompt: sampling.prompts[p] as string, response })));
const selected = recordsOf(negativesCell(8, 1)).flatMap((r) => r.rejected.map((response) => ({ prompt: r.prompt as string, response })));
console.log(`${BUCKETS.join(' | ')}   (% of items)`);
console.log(`${tally(poolPairs)}   pool samples (first 32 per prompt)`);
console.log(`${tally(selected)}   negatives ${cellLabel(negativesCell(8, 1))} selects${CHANGES[NEGATIVES]}`);

async function greedy(weights: Map<string, Float32Array>) {
  const decoder = await DecoderSession.create(ort, lm.config, weights, 'cpu');
  const { samples } = await evaluatePrompts(decoder, codec, prompts, { sampling: { temperature: 0, topP: 1, topK: 0 }, seed: 1, maxNewTokens: 96, maxBatchRows: 64 });
  await decoder.release();
  return samples.map((s) => ({ prompt: prompts[s.promptIndex], response: codec.decode(s.tokens) }));
}
console.log(`${tally(await greedy(lm.weights))}   SFT greedy, ${prompts.length} evaluation prompts`);

// The chosen targets cut before and after each result number, so a row's difference is that token's log-prob.
const probeRecords = cellData({ method: 'self-contrast', m: 1, a: 25, seed: 1 }, sampling).records.slice(0, PROBE);
const maxLength = config({ method: 'self-contrast', m: 1, a: 25, seed: 1 }).max_length;
const rows: TokenizedPair[] = [];
const cuts: { whole: number; results: [number, number][] }[] = probeRecords.map((r) => {
  const promptTokens = codec.encodePrompt(r.prompt);
  const tokens = codec.encodeResponse(r.chosen);
  const numberAt = tokens.map((_, i) => i).filter((i) => /^\s*\d+$/.test(codec.decode([tokens[i]])));
  // Numbers come in pairs (item, result): every second one is a result.
  const results = numberAt.filter((_, k) => k % 2 === 1).map((i): [number, number] => [rows.push(cutPair(promptTokens, tokens.slice(0, i), maxLength)) - 1, rows.push(cutPair(promptTokens, tokens.slice(0, i + 1), maxLength)) - 1]);
  return { whole: rows.push(cutPair(promptTokens, tokens, maxLength)) - 1, results };
});
const reference = await scoreSequences(ort, 'cpu', lm, lm.weights, rows, 64);
function chosenShift(policy: typeof reference): string {
  const ratio = (i: number) => policy.sum[i] - reference.sum[i];
  let atResults = 0;
  let resultTokens = 0;
  let whole = 0;
  let wholeTokens = 0;
  for (const c of cuts) {
    for (const [before, after] of c.results) {
      atResults += ratio(after) - ratio(before);
      resultTokens++;
    }
    whole += ratio(c.whole);
    wholeTokens += reference.count[c.whole];
  }
  const rest = (whole - atResults) / (wholeTokens - resultTokens);
  return `chosen targets' per-token log π_θ − log π_SFT (×1000): at result numbers ${(1000 * atResults / resultTokens).toFixed(1)}, other tokens ${(1000 * rest).toFixed(1)}`;
}

for (const seed of SEEDS) {
  // The control does not read negatives: only NEGATIVES=sampled runs it.
  const cells: Cell[] = [...(NEGATIVES === 'sampled' ? [{ method: 'sft-targets' as const, m: 1, a: 0, seed }] : []), negativesCell(1, seed), negativesCell(8, seed)];
  for (const cell of cells) {
    const { weights } = await trainPolicy(ort, 'cpu', lm, recordsOf(cell), config(cell));
    console.log(`${tally(await greedy(weights))}   ${cellLabel(cell)}${cell.method !== 'sft-targets' ? CHANGES[NEGATIVES] : ''}, seed ${seed}, lr ${LR}: greedy`);
    console.log(`   ${chosenShift(await scoreSequences(ort, 'cpu', lm, weights, rows, 64))}`);
  }
}
