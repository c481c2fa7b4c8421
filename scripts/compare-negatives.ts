// The paper's comparison on the built-in task, with the reference filter rule
// (THUDM/Self-Contrast lastdedup-p; prompts whose pool is short of M give no
// pairs): the SFT model vs DPO with M = 1 vs Self-Contrast with M = 8 and 16
// negatives, 3 seeds each, same prompts per optimizer step for every M. R = 64
// samples are drawn once per seed; M ≤ 8 selects from the first 32 of them (a
// draw of R = 32), M = 16 from all 64, as the paper. Prints held-out verifier
// accuracy (greedy and sampled) as mean ± sd, and the data accuracy of the
// selected negatives against a% (paper Fig. 5), written to docs/ as JSON and SVG.
// Run: npx tsx scripts/compare-negatives.ts   (POOL, R, R_SMALL, MS, SEEDS, LR, PROMPTS_PER_STEP, EPOCHS, TEST override)
import * as ort from 'onnxruntime-node';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { lmCodec } from '../src/lib/model/codec';
import { selfContrastData } from '../src/lib/contrast/pipeline';
import { evaluatePrompts } from '../src/lib/task/evaluate';
import { DpoRun } from '../src/lib/train/dpo-run';
import { dpoConfigFrom } from '../src/lib/train/dpo-config';
import { DEFAULT_SETTINGS } from '../src/lib/settings';
import { encodeRecord } from '../src/lib/train/preference-data';
import { writeFileSync } from 'node:fs';
import { dataAccuracyCurve, PAPER_FILTER } from '../src/lib/contrast/filter';
import { verify } from '../src/lib/task/builtin';
import { defaultEmbedder, loadDefaultLm, readSplit } from '../src/lib/task/node-lab.testutil';

const env = (k: string, d: string) => process.env[k] ?? d;
const POOL = Number(env('POOL', '2000'));
const R = Number(env('R', '64'));
const R_SMALL = Number(env('R_SMALL', '32'));
const MS = env('MS', '1,8,16').split(',').map(Number);
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
const rows: { M: number; greedy: number[]; sampled: number[]; minutes: number[]; prompts: number[] }[] = [];
const sft = { M: 0, greedy: [] as number[], sampled: [] as number[], minutes: [] as number[], prompts: [] as number[] };
for (const seed of SEEDS) {
  sft.greedy.push(await accuracy(lm.weights, 0, seed));
  sft.sampled.push(await accuracy(lm.weights, 1, seed));
}
rows.push(sft);
log(`SFT: greedy ${sft.greedy.map((x) => x.toFixed(3)).join(' ')}, sampled ${sft.sampled.map((x) => x.toFixed(3)).join(' ')}`);

const byM = new Map(MS.map((M) => [M, { M, greedy: [] as number[], sampled: [] as number[], minutes: [] as number[], prompts: [] as number[] }]));
const A_VALUES = Array.from({ length: 20 }, (_, i) => 5 * (i + 1));
const curves: { seed: number; samples: number; points: { a: number; accuracy: number; negatives: number; promptsM8: number }[] }[] = [];
for (const seed of SEEDS) {
  // R responses per prompt at T = 1 (the paper: 32, and 64 for M = 16), drawn once per seed; each M selects from them (a = 25%).
  const t0 = Date.now();
  const data = await selfContrastData(sampler, codec, embed, pool, {
    samplesPerPrompt: R, sampling: { temperature: 1, topP: 1, topK: 0 }, maxNewTokens: MAX_NEW_TOKENS, seed,
  });
  const dataMinutes = (Date.now() - t0) / 60000;
  log(`seed ${seed}: ${pool.length} × ${R} samples embedded and ranked in ${(dataMinutes * 60).toFixed(0)} s`);
  // Fig. 5: share of the selected negatives (M = 1, R = 32) that the verifier rejects, for each a%.
  const { table, rankings } = data.table(R_SMALL);
  const correct = new Uint8Array(table.similarity.length);
  data.samples.forEach((texts, p) => texts.slice(0, R_SMALL).forEach((text, j) => (correct[table.offsets[p] + j] = verify(pool[p].prompt, text) ? 1 : 0)));
  const m1 = dataAccuracyCurve(table, rankings.reference, correct, { ...PAPER_FILTER, m: 1, seed }, A_VALUES);
  const m8 = dataAccuracyCurve(table, rankings.reference, correct, { ...PAPER_FILTER, m: 8, seed }, A_VALUES);
  curves.push({ seed, samples: R_SMALL, points: m1.map((c, i) => ({ ...c, promptsM8: m8[i].negatives / 8 })) });
  log(`seed ${seed}: data accuracy (M = 1) ${m1.map((c) => `${c.a}%: ${(100 * c.accuracy).toFixed(1)}`).join(', ')}`);
  for (const M of MS) {
    const row = byM.get(M)!;
    const t1 = Date.now();
    const records = data.select({ ...PAPER_FILTER, m: M, seed }, M > 8 ? R : Math.min(R, R_SMALL));
    row.prompts.push(records.length);
    if (records.length < PROMPTS_PER_STEP) {
      log(`M=${M} seed ${seed}: only ${records.length} prompts have ${M} negatives; not trained`);
      continue;
    }
    const groups = records.map((r) => encodeRecord(codec, r));
    // The config the lab's Train button builds from its default settings, with this run's M, seed and knobs.
    const settings = { ...DEFAULT_SETTINGS, m: M, seed, lr: LR, promptsPerStep: PROMPTS_PER_STEP, epochs: EPOCHS, beta: BETA };
    const config = dpoConfigFrom(settings, [], lm.config.maxPositions);
    const run = await DpoRun.create(ort, 'cpu', { config: lm.config, weights: lm.weights, padTokenId: lm.padTokenId }, groups, config);
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
console.log(`pool ${pool.length} prompts, R = ${R_SMALL} samples (${R} for M > 8, T = 1), reference filter rule, a = ${PAPER_FILTER.a}%, β = ${BETA}, lr ${LR}, ${PROMPTS_PER_STEP} prompts/step, ${EPOCHS} epoch(s)\n`);
console.log('| model | prompts with M negatives | greedy | sampled (T = 1) | minutes per run |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  const name = r.M === 0 ? 'SFT' : r.M === 1 ? 'DPO, M = 1' : `Self-Contrast, M = ${r.M}`;
  const minutes = r.minutes.length ? (r.minutes.reduce((a, b) => a + b, 0) / r.minutes.length).toFixed(1) : '–';
  const prompts = r.prompts.length ? (r.prompts.reduce((a, b) => a + b, 0) / r.prompts.length).toFixed(0) : '–';
  console.log(`| ${name} | ${prompts} | ${r.greedy.length ? stats(r.greedy) : '–'} | ${r.sampled.length ? stats(r.sampled) : '–'} | ${minutes} |`);
}

// Fig. 5 as data and as a picture: mean over seeds of the negatives' data accuracy per a%.
const meanCurve = A_VALUES.map((a, i) => ({
  a,
  accuracy: curves.reduce((s, c) => s + c.points[i].accuracy, 0) / curves.length,
  promptsM8: curves.reduce((s, c) => s + c.points[i].promptsM8, 0) / curves.length,
}));
console.log('\n| a% | data accuracy of negatives (M = 1) | prompts with 8 negatives |\n|---|---|---|');
for (const c of meanCurve) console.log(`| ${c.a} | ${(100 * c.accuracy).toFixed(1)} | ${c.promptsM8.toFixed(0)} of ${pool.length} |`);
writeFileSync('docs/compare-negatives.json', JSON.stringify({ settings: { POOL, R, R_SMALL, MS, SEEDS, LR, PROMPTS_PER_STEP, EPOCHS, TEST, BETA }, rows, curves }, null, 2) + '\n');
writeFileSync('docs/fig5-data-accuracy.svg', fig5Svg(meanCurve, pool.length));

function fig5Svg(points: { a: number; accuracy: number; promptsM8: number }[], prompts: number): string {
  const [W, H, L, B] = [520, 300, 56, 44];
  const x = (a: number) => L + ((W - L - 16) * a) / 100;
  const y = (v: number) => H - B - (H - B - 24) * v;
  const line = (f: (p: (typeof points)[number]) => number) => points.filter((p) => Number.isFinite(f(p))).map((p) => `${x(p.a).toFixed(1)},${y(f(p)).toFixed(1)}`).join(' ');
  const ticks = [0, 25, 50, 75, 100];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="16" text-anchor="middle">Data accuracy of selected negatives vs a% (built-in task, reference rule)</text>
${ticks.map((t) => `<line x1="${x(t)}" x2="${x(t)}" y1="${y(0)}" y2="${y(1)}" stroke="#ddd"/><text x="${x(t)}" y="${H - B + 16}" text-anchor="middle">${t}</text>`).join('\n')}
${ticks.map((t) => `<line x1="${L}" x2="${x(100)}" y1="${y(t / 100)}" y2="${y(t / 100)}" stroke="#ddd"/><text x="${L - 6}" y="${y(t / 100) + 4}" text-anchor="end">${t}%</text>`).join('\n')}
<text x="${W / 2}" y="${H - 8}" text-anchor="middle">a% (least-similar share eligible as negatives)</text>
<polyline fill="none" stroke="#2c3e50" stroke-width="2" points="${line((p) => p.accuracy)}"/>
<polyline fill="none" stroke="#c0392b" stroke-width="2" stroke-dasharray="5 3" points="${line((p) => p.promptsM8 / prompts)}"/>
<text x="${x(100) - 4}" y="${y(0.12)}" text-anchor="end" fill="#2c3e50">— negatives really wrong (verifier), M = 1</text>
<text x="${x(100) - 4}" y="${y(0.05)}" text-anchor="end" fill="#c0392b">- - share of prompts with 8 negatives</text>
</svg>
`;
}
