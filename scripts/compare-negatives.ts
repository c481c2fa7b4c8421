// The paper's comparison on the built-in task: the SFT model vs DPO with M = 1
// vs Self-Contrast with M = 8 (and 16 with MS=1,8,16 R=64) negatives, 3 seeds each,
// same prompts per optimizer step for every M. Prints held-out verifier
// accuracy (greedy and sampled) as mean ± sd.
// Run: npx tsx scripts/compare-negatives.ts   (POOL, R, MS, SEEDS, LR, PROMPTS_PER_STEP, EPOCHS, TEST override)
import * as ort from 'onnxruntime-node';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { lmCodec } from '../src/lib/model/codec';
import { selfContrastData } from '../src/lib/contrast/pipeline';
import { evaluatePrompts } from '../src/lib/task/evaluate';
import { DPO_RUN_DEFAULTS, DpoRun } from '../src/lib/train/dpo-run';
import { encodeRecord } from '../src/lib/train/preference-data';
import { PAPER_FILTER } from '../src/lib/contrast/filter';
import { defaultEmbedder, loadDefaultLm, readSplit } from '../src/lib/task/node-lab.testutil';

const env = (k: string, d: string) => process.env[k] ?? d;
const POOL = Number(env('POOL', '2000'));
const R = Number(env('R', '32'));
const MS = env('MS', '1,8').split(',').map(Number);
const SEEDS = env('SEEDS', '1,2,3').split(',').map(Number);
const LR = Number(env('LR', '3e-5'));
const PROMPTS_PER_STEP = Number(env('PROMPTS_PER_STEP', '16'));
const EPOCHS = Number(env('EPOCHS', '1'));
const TEST = Number(env('TEST', '500'));
const BETA = Number(env('BETA', '0.1'));
const MAX_NEW_TOKENS = 96;

const started = Date.now();
const log = (msg: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${msg}`);

const lm = await loadDefaultLm();
const codec = lmCodec(lm);
const embed = await defaultEmbedder();
const pool = readSplit('pool').slice(0, POOL).map((r) => ({ prompt: r.prompt, target: r.completion }));
const test = readSplit('test').slice(0, TEST).map((r) => r.prompt);

async function accuracy(weights: Map<string, Float32Array>, temperature: number, seed: number): Promise<number> {
  const decoder = await DecoderSession.create(ort, lm.config, weights, 'cpu');
  const { accuracy: a } = await evaluatePrompts(decoder, codec, test, { sampling: { temperature, topP: 1, topK: 0 }, seed, maxNewTokens: MAX_NEW_TOKENS });
  await decoder.release();
  return a.accuracy;
}

// The samples are drawn once (R per prompt, T = 1); each M and seed selects its negatives from them.
const sampler = await DecoderSession.create(ort, lm.config, lm.weights, 'cpu');
const rows: { M: number; greedy: number[]; sampled: number[]; minutes: number[] }[] = [];
const sft = { M: 0, greedy: [] as number[], sampled: [] as number[], minutes: [] as number[] };
for (const seed of SEEDS) {
  sft.greedy.push(await accuracy(lm.weights, 0, seed));
  sft.sampled.push(await accuracy(lm.weights, 1, seed));
}
rows.push(sft);
log(`SFT: greedy ${sft.greedy.map((x) => x.toFixed(3)).join(' ')}, sampled ${sft.sampled.map((x) => x.toFixed(3)).join(' ')}`);

const byM = new Map(MS.map((M) => [M, { M, greedy: [] as number[], sampled: [] as number[], minutes: [] as number[] }]));
for (const seed of SEEDS) {
  // R responses per prompt at T = 1 (the paper: 32, and 64 for M = 16), drawn once per seed; each M selects from them (a = 25%).
  const t0 = Date.now();
  const data = await selfContrastData(sampler, codec, embed, pool, {
    samplesPerPrompt: R, sampling: { temperature: 1, topP: 1, topK: 0 }, maxNewTokens: MAX_NEW_TOKENS, seed,
  });
  const dataMinutes = (Date.now() - t0) / 60000;
  log(`seed ${seed}: ${pool.length} × ${R} samples embedded and ranked in ${(dataMinutes * 60).toFixed(0)} s`);
  for (const M of MS) {
    const row = byM.get(M)!;
    const t1 = Date.now();
    const groups = data.select({ ...PAPER_FILTER, m: M, seed, short: 'keep-fewer' }).map((r) => encodeRecord(codec, r));
    const run = await DpoRun.create(ort, 'cpu', { config: lm.config, weights: lm.weights, padTokenId: lm.padTokenId }, groups, {
      ...DPO_RUN_DEFAULTS, negatives: M, learningRate: LR, promptsPerStep: PROMPTS_PER_STEP, epochs: EPOCHS, seed,
      loss: { ...DPO_RUN_DEFAULTS.loss, beta: BETA }, maxRowsPerPass: 64,
    });
    while (run.stepsDone < run.totalSteps) {
      const s = await run.step();
      if (s.step % 25 === 0 || s.step === run.totalSteps) {
        log(`M=${M} seed ${seed} step ${s.step}/${run.totalSteps}: loss ${s.loss.toFixed(4)} acc ${s['rewards/accuracies'].toFixed(2)} margin ${s['rewards/margins'].toFixed(3)} (${s.seconds.toFixed(2)} s/step)`);
      }
    }
    const weights = await run.policyWeights();
    await run.release();
    row.greedy.push(await accuracy(weights, 0, seed));
    row.sampled.push(await accuracy(weights, 1, seed));
    row.minutes.push(dataMinutes + (Date.now() - t1) / 60000);
    log(`M=${M} seed ${seed}: ${groups.length} prompts, greedy ${row.greedy.at(-1)!.toFixed(3)}, sampled ${row.sampled.at(-1)!.toFixed(3)}`);
  }
}
rows.push(...byM.values());
await sampler.release();

const stats = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return `${(100 * mean).toFixed(1)} ± ${(100 * sd).toFixed(1)}`;
};
console.log(`\nBuilt-in task, held-out verifier accuracy (%) on ${test.length} test prompts, seeds ${SEEDS.join(',')};`);
console.log(`pool ${pool.length} prompts, R = ${R} samples (T = 1), a = ${PAPER_FILTER.a}%, β = ${BETA}, lr ${LR}, ${PROMPTS_PER_STEP} prompts/step, ${EPOCHS} epoch(s)\n`);
console.log('| model | greedy | sampled (T = 1) | minutes per run |');
console.log('|---|---|---|---|');
for (const r of rows) {
  const name = r.M === 0 ? 'SFT' : r.M === 1 ? 'DPO, M = 1' : `Self-Contrast, M = ${r.M}`;
  const minutes = r.minutes.length ? (r.minutes.reduce((a, b) => a + b, 0) / r.minutes.length).toFixed(1) : '–';
  console.log(`| ${name} | ${stats(r.greedy)} | ${stats(r.sampled)} | ${minutes} |`);
}
