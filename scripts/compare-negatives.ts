// The paper's comparison on the built-in task, run as the paper runs it: one
// sampling of a slice of the Self-Contrast pool (R = 64 at T = 1; M ≤ 8 filters
// the first 32, M = 16 all 64), then a grid of cells (src/lib/experiments/grid.ts)
// — SFT; DPO_std with verifier feedback; SFT on the pool's targets (SFT_TARGETS,
// a control); self-negatives unfiltered (a = 100%);
// Self-Contrast with M = 1, 2, 4, 8, 16 at a = 25%; the a% sweep at M = 1; and
// optionally the verifier as the filter (ORACLE_MS) — each trained by the lab's
// DpoRun with the same prompts per optimizer step for every M and evaluated by
// greedy verifier accuracy on an evaluation split, over several seeds.
// Hyper-parameters are chosen with SPLIT=validation; the test split is for the
// final comparison only. Cells are written to OUT as they finish and a rerun
// with the same settings skips them; the pool's samples and similarities are
// cached in .cache/compare/ by the models' bytes, the slice, R and the seed.
// Run: npm run compare:negatives
//   SEEDS=1,2,3,4,5 POOL=1000 POOL_OFFSET=0 SPLIT=test EVAL=1000 MS=1,2,4,8,16 A_SWEEP=6.25,12.5,25,50,100
//   DPO_STD=1 SFT_TARGETS=0 ORACLE_MS= LR BETA EPOCHS PROMPTS_PER_STEP LOSS RPO (TRL's rpo_alpha) SAMPLE_SEED=1 OUT=docs/compare-negatives
//   EVAL_SAMPLED=0 (k > 0: also k responses per evaluation prompt at T = 1, top-p 1, as the authors evaluate)
//   LM=models/lm (the SFT model every cell starts from; e.g. one built with STOP=plateau npm run build:lm)
//   TASK=builtin (add-each: the graded task, src/lib/task/add-each.ts, with an LM built on it; the report adds the
//     mean grade, and the pool's log the mean grade of the samples and of the negatives M = 8 selects)
//   POOL_SPLIT=pool (sft-train: Self-Contrast on the SFT data's own prompts and targets, as the authors run it)
//   SELF_PAIRS=0 (k > 0: k SFT samples per evaluation prompt, labelled by the verifier, probe each cell's implicit
//     reward: its accuracy on one right/wrong pair per prompt, and the verifier accuracy of the sample it ranks highest)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { PAPER_FILTER } from '../src/lib/contrast/filter';
import { runGrid } from '../src/lib/experiments/runner';
import { cellDpoConfig, trainAndEvaluate, type CellRunOptions } from '../src/lib/experiments/cell-run';
import { candidateLogProbs, pickedAccuracy, pickHighest } from '../src/lib/train/reward-choice';
import { lmCodec } from '../src/lib/model/codec';
import { scoredSamples, selfContrastData, type SelfContrastData } from '../src/lib/contrast/pipeline';
import { DEFAULT_SETTINGS, type LabSettings } from '../src/lib/settings';
import { gradeResponse, verify } from '../src/lib/task/builtin';
import { defaultEmbedder, loadDefaultLm, readSplit, type TaskName } from '../src/lib/task/node-lab.testutil';
import { cellData, cellKey, gridCells, gridSamples, poolSampling, type Cell, type PoolSampling } from '../src/lib/experiments/grid';
import { percentSummary, resultRows } from '../src/lib/experiments/results';
import { probeBaselines, rewardProbes } from '../src/lib/experiments/reward-probes';
import { figure4Svg, figure5Svg, type CellResult } from '../src/lib/experiments/figures';

const env = (k: string, d: string) => process.env[k] ?? d;
const list = (k: string, d: string) => env(k, d).split(',').filter(Boolean).map(Number);
const SEEDS = list('SEEDS', '1,2,3,4,5');
const POOL = Number(env('POOL', '1000'));
const POOL_OFFSET = Number(env('POOL_OFFSET', '0'));
const SPLIT = env('SPLIT', 'test') as 'test' | 'validation';
const EVAL = Number(env('EVAL', '1000'));
const MS = list('MS', '1,2,4,8,16');
const A_SWEEP = list('A_SWEEP', '6.25,12.5,25,50,100');
const ORACLE_MS = list('ORACLE_MS', '');
const DPO_STD = env('DPO_STD', '1') === '1';
// The control: SFT continued on the pool's targets with Self-Contrast M = 1's prompts, steps and optimizer.
const SFT_TARGETS = env('SFT_TARGETS', '0') === '1';
const R = gridSamples({ ms: MS, oracleMs: ORACLE_MS });
const SAMPLE_SEED = Number(env('SAMPLE_SEED', '1'));
const OUT = env('OUT', 'docs/compare-negatives');
const MAX_NEW_TOKENS = 96;
// Responses per evaluation prompt sampled at T = 1 as the authors evaluate (their Test.sh); 0 = greedy only.
const EVAL_SAMPLED = Number(env('EVAL_SAMPLED', '0'));
const LM = env('LM', 'models/lm');
// k > 0: k T = 1 samples per evaluation prompt from the SFT model probe each trained cell's implicit reward: one
// verifier-labelled pair per prompt that has a right and a wrong one (reward accuracy and margin), and best-of-k.
const SELF_PAIRS = Number(env('SELF_PAIRS', '0'));
const TASK = env('TASK', 'builtin') as TaskName;
const POOL_SPLIT = env('POOL_SPLIT', 'pool') as 'pool' | 'sft-train';
if (POOL_SPLIT !== 'pool' && POOL_SPLIT !== 'sft-train') throw new Error(`POOL_SPLIT must be pool or sft-train, not ${POOL_SPLIT}`);
const training: Partial<LabSettings> = {
  lr: Number(env('LR', String(DEFAULT_SETTINGS.lr))),
  beta: Number(env('BETA', String(DEFAULT_SETTINGS.beta))),
  epochs: Number(env('EPOCHS', String(DEFAULT_SETTINGS.epochs))),
  promptsPerStep: Number(env('PROMPTS_PER_STEP', String(DEFAULT_SETTINGS.promptsPerStep))),
  dpoLoss: env('LOSS', DEFAULT_SETTINGS.dpoLoss) as LabSettings['dpoLoss'],
  // Only when given, so the settings of runs from before RPO existed still match theirs.
  ...(process.env.RPO ? { rpoAlpha: Number(process.env.RPO) } : {}),
};
// EVAL_SAMPLED, LM, POOL_SPLIT, SELF_PAIRS and TASK only when not the default, so the settings of runs from before them still match theirs.
const settings = {
  POOL, POOL_OFFSET, SPLIT, EVAL, R, SAMPLE_SEED, MAX_NEW_TOKENS, ...training, ...(EVAL_SAMPLED ? { EVAL_SAMPLED } : {}),
  ...(LM !== 'models/lm' ? { LM } : {}), ...(POOL_SPLIT !== 'pool' ? { POOL_SPLIT } : {}), ...(SELF_PAIRS ? { SELF_PAIRS } : {}),
  ...(TASK !== 'builtin' ? { TASK } : {}),
};

const started = Date.now();
const log = (msg: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${msg}`);

// Finished cells of an earlier run with the same settings are kept.
const saved = existsSync(`${OUT}.json`) ? (JSON.parse(readFileSync(`${OUT}.json`, 'utf8')) as { settings: typeof settings; cells: CellResult[] }) : null;
// JSON writes NaN (no pairs, no loss: SFT) as null.
const results: CellResult[] = saved && JSON.stringify(saved.settings) === JSON.stringify(settings)
  ? saved.cells.map((c) => ({ ...c, ...Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v === null ? NaN : v])) }))
  : [];
const done = new Set(results.map((r) => cellKey(r.cell)));
const persist = () => writeFileSync(`${OUT}.json`, JSON.stringify({ settings, cells: results }, null, 2) + '\n');

const lm = await loadDefaultLm(LM);
const codec = lmCodec(lm);
const evalRows = readSplit(SPLIT, TASK).slice(0, EVAL).map((r) => ({ prompt: r.prompt, target: r.completion }));
const evalPrompts = evalRows.map((r) => r.prompt);
const poolRows = readSplit(POOL_SPLIT, TASK).slice(POOL_OFFSET, POOL_OFFSET + POOL);
if (poolRows.length < POOL) throw new Error(`${POOL_SPLIT} has ${poolRows.length} prompts from offset ${POOL_OFFSET}, ${POOL} asked`);

const cells = gridCells({ seeds: SEEDS, sft: true, dpoStd: DPO_STD, sftTargets: SFT_TARGETS, ms: MS, as: [PAPER_FILTER.a], unfiltered: false, aSweep: A_SWEEP, oracleMs: ORACLE_MS });
log(`${cells.length} cells (${done.size} done before); LM ${LM}; ${POOL_SPLIT} ${POOL_OFFSET}..${POOL_OFFSET + POOL}, R = ${R}; ${SPLIT} ${evalPrompts.length} prompts; ${JSON.stringify(training)}`);

/** R samples per row at T = 1 from the SFT model, embedded and verified; cached in .cache/compare/ by the models' bytes and `key`. */
async function sampledRows(rows: { prompt: string; target: string }[], key: object, r: number, seed: number, what: string): Promise<PoolSampling> {
  const t0 = Date.now();
  const hash = createHash('sha1');
  for (const f of [`${LM}/model.safetensors`, 'models/embed/model.safetensors']) hash.update(readFileSync(f));
  hash.update(JSON.stringify(key));
  const cache = `.cache/compare/pool-${hash.digest('hex').slice(0, 16)}.json`;
  let data: SelfContrastData;
  if (existsSync(cache)) {
    const saved = JSON.parse(readFileSync(cache, 'utf8')) as { samples: string[][]; similarity: number[] };
    data = scoredSamples(rows, saved.samples, Float32Array.from(saved.similarity));
    log(`${what}: samples and similarities from ${cache}`);
  } else {
    const sampler = await DecoderSession.create(ort, lm.config, lm.weights, 'cpu');
    data = await selfContrastData(sampler, codec, await defaultEmbedder(), rows, {
      samplesPerPrompt: r, sampling: { temperature: 1, topP: 1, topK: 0 }, maxNewTokens: MAX_NEW_TOKENS, seed,
    });
    await sampler.release();
    mkdirSync('.cache/compare', { recursive: true });
    writeFileSync(cache, JSON.stringify({ samples: data.samples, similarity: Array.from(data.similarity) }));
  }
  const verdicts = data.samples.map((texts, p) => texts.map((t) => verify(rows[p].prompt, t) === true));
  log(`${what}: sampled and embedded ${rows.length} × ${r} in ${((Date.now() - t0) / 1000).toFixed(0)} s; ${(100 * verdicts.flat().filter(Boolean).length / (rows.length * r)).toFixed(1)}% of samples correct`);
  const pool = poolSampling(rows, data, (p, j) => verdicts[p][j]);
  if (TASK !== 'builtin') log(`${what}: mean grade ${negativesGrade(pool)}`);
  return pool;
}

/** The graded task's precondition (P18 b): does the filter pick the worse samples? Mean grade of the samples, and of the negatives M = 8 selects. */
function negativesGrade(pool: PoolSampling): string {
  const mean = (xs: number[]) => (100 * xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1);
  const all = pool.samples.flatMap((texts, p) => texts.slice(0, 32).map((t) => gradeResponse(pool.prompts[p] as string, t)!));
  const selected = cellData({ method: 'self-contrast', m: 8, a: PAPER_FILTER.a, seed: 1 }, pool).records.flatMap((r) => r.rejected.map((t) => gradeResponse(r.prompt as string, t)!));
  return `${mean(all)}% over the first 32 samples per prompt, ${mean(selected)}% over the negatives Self-Contrast M = 8 selects (a = ${PAPER_FILTER.a}%, seed 1)`;
}

const samplePool = () => sampledRows(poolRows.map((r) => ({ prompt: r.prompt, target: r.completion })),
  { POOL, POOL_OFFSET, R, SAMPLE_SEED, MAX_NEW_TOKENS, ...(POOL_SPLIT !== 'pool' ? { POOL_SPLIT } : {}) }, R, SAMPLE_SEED, 'pool');

// The paper's claim for more negatives is about the implicit reward: r = β·log π/π_ref approximates the true one
// better. Probed on the SFT model's own samples for the evaluation prompts (drawn with a seed the pool's sampling
// does not use): pairs labelled as DPO_std's are (one right chosen, one wrong rejected per prompt), and best-of-k —
// the learned reward used without the policy, whether a better reward gives better answers (P10).
const cellConfig = (cell: Cell) => cellDpoConfig({ ...DEFAULT_SETTINGS, ...training }, cell, [], lm.config.maxPositions);
let probes: CellRunOptions['probes'];
if (SELF_PAIRS) {
  const drawn = await sampledRows(evalRows, { SELF_PAIRS, SPLIT, EVAL, SAMPLE_SEED: SAMPLE_SEED + 1, MAX_NEW_TOKENS }, SELF_PAIRS, SAMPLE_SEED + 1, `${SPLIT} pairs`);
  const probed = rewardProbes(evalPrompts, drawn.samples, drawn.correct!, SAMPLE_SEED);
  const referenceLogProbs = await candidateLogProbs(ort, 'cpu', lm, lm.weights, probed.candidates, cellConfig(cells[0]));
  probes = { ...probed, referenceLogProbs };
  const baselines = probeBaselines(probed.correct);
  log(`${probed.pairs.length} of ${EVAL} ${SPLIT} prompts give a right and a wrong sample: each cell's implicit reward is scored on those pairs; `
    + `best of ${SELF_PAIRS} T = 1 samples per prompt: random pick ${(100 * baselines.randomPick).toFixed(1)}%, `
    + `the SFT model's likeliest ${(100 * pickedAccuracy(pickHighest(referenceLogProbs), probed.correct)).toFixed(1)}%, any right (pass@${SELF_PAIRS}) ${(100 * baselines.anyRight).toFixed(1)}%; `
    + `each trained cell's implicit reward picks too`);
}

const all = await runGrid(cells, results, {
  samplePool,
  trainAndEvaluate: (cell, records) => trainAndEvaluate(ort, 'cpu', lm, records, cellConfig(cell), { evalPrompts, maxNewTokens: MAX_NEW_TOKENS, sampledSamplesPerPrompt: EVAL_SAMPLED, probes }),
}, {
  minPrompts: training.promptsPerStep ?? DEFAULT_SETTINGS.promptsPerStep,
  onCell: (r) => {
    results.push(r);
    if (r.skipped) log(`${cellKey(r.cell)}: not trained: ${r.skipped}`);
    else log(`${cellKey(r.cell)}: accuracy ${(100 * r.accuracy).toFixed(1)}%${r.grade === undefined || TASK === 'builtin' ? '' : ` (grade ${(100 * r.grade).toFixed(1)}%)`}${r.sampledAccuracy === undefined ? '' : ` (T = 1: ${(100 * r.sampledAccuracy).toFixed(1)}%)`}, ${r.prompts} prompts, data accuracy ${(100 * r.dataAccuracy).toFixed(1)}%, ${r.steps} steps, final loss ${r.finalLoss.toFixed(3)}, margin ${r.finalMargin.toFixed(3)}${r.weightChange === undefined ? '' : `, weights moved ${(100 * r.weightChange).toFixed(2)}%`}${r.selfPairRewards ? `, self pairs ranked ${(100 * r.selfPairRewards.accuracy).toFixed(1)}% (margin ${r.selfPairRewards.margin.toFixed(3)})` : ''}${r.bestOfAccuracy === undefined ? '' : `, its reward's best-of-${SELF_PAIRS} picks ${(100 * r.bestOfAccuracy).toFixed(1)}% right`}`);
    persist();
  },
});
persist();

// ---- report ----
const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : '–');
const fixed = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
console.log(`\n${TASK === 'add-each' ? 'Graded task (add-each)' : 'Built-in task'}, SFT model ${LM}: greedy verifier accuracy (%)${EVAL_SAMPLED ? ` and accuracy of ${EVAL_SAMPLED} T = 1 samples per prompt (the authors' evaluation)` : ''} on ${evalPrompts.length} ${SPLIT} prompts; ${POOL_SPLIT} ${POOL_OFFSET}..${POOL_OFFSET + POOL} (R = ${R}, T = 1, sample seed ${SAMPLE_SEED}); reference filter; ${JSON.stringify(training)}\n`);
const sampledColumns = EVAL_SAMPLED ? ' T = 1 accuracy, mean ± sd | per seed |' : '';
const rewardColumns = `${SELF_PAIRS ? ' self-pair reward accuracy, mean ± sd |' : ''}${SELF_PAIRS ? ` best-of-${SELF_PAIRS} by reward, mean ± sd | per seed |` : ''}`;
const gradeColumns = TASK !== 'builtin' ? ' mean grade, mean ± sd | per seed |' : '';
console.log(`| model | seeds | accuracy, mean ± sd | per seed |${gradeColumns}${sampledColumns} prompts with pairs | negatives really wrong | final loss | final margin | weight change (%) |${rewardColumns}`);
console.log(`|---|---|---|---|${TASK !== 'builtin' ? '---|---|' : ''}${EVAL_SAMPLED ? '---|---|' : ''}---|---|---|---|---|${SELF_PAIRS ? '---|' : ''}${SELF_PAIRS ? '---|---|' : ''}`);
for (const row of resultRows(all)) {
  const sampled = EVAL_SAMPLED ? ` ${percentSummary(row.sampledAccuracy)} | ${row.perSeed.map((s) => pct(s.sampledAccuracy ?? NaN)).join(', ')} |` : '';
  const rewards = `${SELF_PAIRS ? ` ${percentSummary(row.selfPairAccuracy)} |` : ''}${SELF_PAIRS ? ` ${percentSummary(row.bestOfAccuracy)} | ${row.perSeed.map((s) => pct(s.bestOfAccuracy ?? NaN)).join(', ')} |` : ''}`;
  const grade = TASK !== 'builtin' ? ` ${percentSummary(row.grade)} | ${row.perSeed.map((s) => pct(s.grade ?? NaN)).join(', ')} |` : '';
  console.log(`| ${row.label} | ${row.perSeed.length} | ${percentSummary(row.accuracy)} | ${row.perSeed.map((s) => pct(s.accuracy)).join(', ')} |${grade}${sampled} ${row.group.method === 'sft' ? '–' : row.prompts.toFixed(0)} | ${pct(row.dataAccuracy)} | ${fixed(row.finalLoss)} | ${fixed(row.finalMargin)} | ${Number.isFinite(row.weightChange) ? (100 * row.weightChange).toFixed(2) : '–'} |${rewards}`);
}
writeFileSync(`${OUT}-fig4.svg`, figure4Svg(all));
writeFileSync(`${OUT}-fig5.svg`, figure5Svg(all));
log(`wrote ${OUT}.json, ${OUT}-fig4.svg, ${OUT}-fig5.svg`);
