// The lab at real scale: a random-initialised SmolLM2-135M-shaped checkpoint
// (built here, seeded, no download) through the lab's own sampler and DpoRun on
// onnxruntime-node: sampling at R = 8 and 32, a full and a LoRA DPO step; time,
// session setup, peak memory (process RSS, each workload in its own process)
// and the lab's memory estimate beside each. Then the same checkpoint in the
// app in headless Chromium on WASM, loaded by Hub id from the local Hub stand-in
// (e2e/hub-server.ts): sampling R = 32 and LoRA and full DPO steps through the UI's store,
// with the renderer's peak RSS (VmHWM; the workers live in it) beside the estimate.
// dpo-full-lm-head is full DPO with the LM head's logits recomputed in the backward pass (lm_head_checkpointing).
// dpo-full-gc is full DPO with V8's garbage collected after every step (node --expose-gc; no app can do this): what
// of the peak is JavaScript garbage — earlier runs' outputs, which onnxruntime's JS bindings hand over as copies.
//   npm run bench:scale   (builds the app first; WORKLOADS=sample-8,sample-32,dpo-full,dpo-full-lm-head,dpo-full-gc,dpo-lora,browser-sample-32,browser-lora,browser-full,
//                          LAYERS, STEPS, WARMUP, PROMPTS, PER_PASS, M, LENGTH, TOKENS, CHECKPOINTING=none|lm-head|layers override)
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { weightSpecs } from '../src/lib/model/config';
import { writeSafetensors } from '../src/lib/model/safetensors';
import { runWorkload } from '../src/lib/train/dpo-run';
import { createRng } from '../src/lib/random';
import * as ort from 'onnxruntime-node';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { inferenceWeights } from '../src/lib/model/graphs';
import { estimateMemory, wasmTrainingBytes, type Workload } from '../src/lib/model/memory';
import { ourTokensPerSecond } from '../src/lib/sample/throughput';
import { DpoRun, promptsPerPass } from '../src/lib/train/dpo-run';
import { DPO_CONFIG_DEFAULTS, type DpoConfig } from '../src/lib/train/dpo-config';
import { defaultLora } from '../src/lib/train/lora';
import type { Checkpointing } from '../src/lib/train/dpo';
import { randomGroups, randomPrompt, smollm2Config, smollm2ConfigJson, smollm2Weights } from './smollm2-shape';

const env = (k: string, d: string) => process.env[k] ?? d;
const LAYERS = Number(env('LAYERS', '30'));
const STEPS = Number(env('STEPS', '4'));
/**
 * DPO steps left out of the mean: step 1 builds the arena, and through step 2 onnxruntime's arena and glibc still
 * grow (in node step 2's gradient run faults in more memory than later ones; docs/performance.md).
 */
const WARMUP = Number(env('WARMUP', '2'));
if (STEPS <= WARMUP) throw new Error(`STEPS (${STEPS}) must exceed WARMUP (${WARMUP})`);
const PROMPTS = Number(env('PROMPTS', '1'));
/** Prompts per forward/backward pass (a divisor of PROMPTS; the rest of a step accumulates). */
const PER_PASS = Number(env('PER_PASS', String(PROMPTS)));
if (PROMPTS % PER_PASS !== 0) throw new Error(`PER_PASS (${PER_PASS}) must divide PROMPTS (${PROMPTS})`);
const M = Number(env('M', '7'));
const LENGTH = Number(env('LENGTH', '128'));
const TOKENS = Number(env('TOKENS', '64'));
/** What node's DPO workloads recompute (dpo-full-lm-head: the LM head whatever this says); 0 and 1 are accepted for none and layers. */
const CHECKPOINTING = ({ 0: 'none', 1: 'layers' }[env('CHECKPOINTING', 'none')] ?? env('CHECKPOINTING', 'none')) as Checkpointing;
if (!['none', 'lm-head', 'layers'].includes(CHECKPOINTING)) throw new Error(`CHECKPOINTING must be none, lm-head or layers, not ${CHECKPOINTING}`);
const checkpointingOf = (w: WorkloadName): Checkpointing => (w === 'dpo-full-lm-head' ? 'lm-head' : CHECKPOINTING);
const PROMPT_TOKENS = 40;
const ALL = ['sample-8', 'sample-32', 'dpo-full', 'dpo-full-lm-head', 'dpo-full-gc', 'dpo-lora', 'browser-sample-32', 'browser-lora', 'browser-full'] as const;
type WorkloadName = (typeof ALL)[number];
const WORKLOADS = env('WORKLOADS', ALL.join(',')).split(',') as WorkloadName[];

interface Result {
  workload: WorkloadName;
  setupSeconds: number;
  /** Tokens/s for sampling; seconds per optimizer step (mean of the steps after WARMUP) for DPO. */
  value: number;
  peakRssBytes: number;
  estimateBytes: number;
}

const GiB = 2 ** 30;
const config = smollm2Config(LAYERS);

function estimate(w: WorkloadName): number {
  const lora = defaultLora(config);
  const rows = PER_PASS * (1 + M);
  const sampleRows = w === 'sample-8' ? 8 : 32;
  const workload: Workload = { rows, length: LENGTH, sampleRows, sampleContext: PROMPT_TOKENS + TOKENS, sampleWeights: inferenceWeights('cpu'), lora, checkpointing: checkpointingOf(w) };
  const e = estimateMemory(config, workload);
  return w.startsWith('sample') ? e.inferenceBytes : w.startsWith('dpo-full') ? e.fullTrainingBytes : e.loraTrainingBytes;
}

/** Seconds per optimizer step after WARMUP steps, the reference scoring left out; every step's time goes to stderr. */
function meanStepSeconds(w: WorkloadName, logs: readonly { seconds: number; referenceSeconds: number }[]): number {
  const own = logs.map((l) => l.seconds - l.referenceSeconds);
  console.error(`${w}: reference ${logs.map((l) => l.referenceSeconds.toFixed(2)).join(', ')} s`);
  console.error(`${w}: steps ${own.map((s) => s.toFixed(2)).join(', ')} s (reference scoring left out)`);
  const timed = own.slice(WARMUP);
  return timed.reduce((a, s) => a + s, 0) / timed.length;
}

async function measure(w: WorkloadName): Promise<Result> {
  const weights = smollm2Weights(config);
  const t0 = performance.now();
  if (w.startsWith('sample')) {
    const R = w === 'sample-8' ? 8 : 32;
    const decoder = await DecoderSession.create(ort, config, weights, 'cpu');
    const setupSeconds = (performance.now() - t0) / 1000;
    const setup = { promptIds: randomPrompt(PROMPT_TOKENS), samplesPerPrompt: R, seed: 1 };
    await ourTokensPerSecond(decoder, { ...setup, newTokens: 4 }, 0);
    const value = await ourTokensPerSecond(decoder, { ...setup, newTokens: TOKENS }, 0);
    await decoder.release();
    return { workload: w, setupSeconds, value, peakRssBytes: process.resourceUsage().maxRSS * 1024, estimateBytes: estimate(w) };
  }
  const dpo: DpoConfig = {
    ...DPO_CONFIG_DEFAULTS, negatives_per_prompt: M, prompts_per_step: PROMPTS, rows_per_pass: PER_PASS * (1 + M), max_steps: STEPS, max_length: LENGTH,
    lora: w === 'dpo-lora' ? defaultLora(config) : null, gradient_checkpointing: checkpointingOf(w) === 'layers', lm_head_checkpointing: checkpointingOf(w) === 'lm-head',
  };
  if (promptsPerPass(dpo) !== PER_PASS) throw new Error(`${PER_PASS} prompts per pass expected, the config gives ${promptsPerPass(dpo)}`);
  const run = await DpoRun.create(ort, 'cpu', { config, weights, padTokenId: 0 }, randomGroups(PROMPTS * STEPS, M, LENGTH), dpo);
  const setupSeconds = (performance.now() - t0) / 1000;
  console.error(`${w}: peak RSS after setup (reference log-probs, sessions) ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(2)} GiB, now ${(process.memoryUsage().rss / GiB).toFixed(2)} GiB`);
  const logs = [];
  const collect = w === 'dpo-full-gc' ? (globalThis as { gc?: () => void }).gc : () => {};
  if (!collect) throw new Error(`${w} needs node --expose-gc`);
  while (run.stepsDone < run.totalSteps) {
    logs.push(await run.step());
    collect();
    console.error(`${w}: after step ${run.stepsDone}: RSS ${(process.memoryUsage().rss / GiB).toFixed(2)} GiB, peak so far ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(2)} GiB`);
  }
  await run.release();
  return { workload: w, setupSeconds, value: meanStepSeconds(w, logs), peakRssBytes: process.resourceUsage().maxRSS * 1024, estimateBytes: estimate(w) };
}

// ---- in the browser ----

const HUB_PORT = 4180;
const REPO = `lab-bench/smollm2-135m-shape-${LAYERS}`;

/** The checkpoint in the Hub's layout, with the shipped tokenizer (its ids fit any vocabulary this size). */
function writeHubModel(): void {
  const dir = `e2e/hub-fixtures/${REPO}`;
  if (existsSync(`${dir}/model.safetensors`)) return;
  mkdirSync(dir, { recursive: true });
  const weights = smollm2Weights(config);
  writeFileSync(`${dir}/model.safetensors`, writeSafetensors(weightSpecs(config).map((s) => ({ name: s.name, shape: s.shape, data: weights.get(s.name)! })), { format: 'pt' }));
  writeFileSync(`${dir}/config.json`, JSON.stringify(smollm2ConfigJson(LAYERS), null, 2));
  writeFileSync(`${dir}/generation_config.json`, JSON.stringify({ eos_token_id: 2, pad_token_id: 0 }));
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(`models/lm/${f}`, `${dir}/${f}`);
}

/** Peak resident memory of the browser's renderer processes (the page and its workers), from /proc. */
function rendererPeakBytes(): number {
  let peak = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) peak = Math.max(peak, Number(hwm[1]) * 1024);
    } catch {
      // the process ended
    }
  }
  return peak;
}

/** Text of about `tokens` tokens under the shipped tokenizer: seeded random words, so every text differs. */
function words(codec: { encodePrompt(text: string): ArrayLike<number> }, tokens: number, seed: number): string {
  const vocabulary = (
    'apple river seven books gives away twelve market price sum left total each more then half three nine bus stop ' +
    'garden eggs basket coins saves spends week day hours miles train bakes cakes shares friends boxes pencils'
  ).split(' ');
  const rng = createRng(seed);
  let text = '';
  while (codec.encodePrompt(text).length < tokens) text += `${vocabulary[Math.floor(rng() * vocabulary.length)]} `;
  return text.trim();
}

async function inBrowser(w: WorkloadName): Promise<Result> {
  // Imported here, not above: the Node workloads feed token ids and their peak RSS should carry neither the browser
  // driver nor the tokenizer library (a noticeable share of RSS on import).
  const [{ openLab }, { loadLm }, { lmCodec }, { encodeRecord }] = await Promise.all([
    import('./browser'), import('../src/lib/model/load'), import('../src/lib/model/codec'), import('../src/lib/train/preference-data'),
  ]);
  writeHubModel();
  const lm = await loadLm(async (n) => (existsSync(`models/lm/${n}`) ? new Uint8Array(readFileSync(`models/lm/${n}`)) : null));
  const codec = lmCodec(lm);
  const hub = spawn(process.execPath, [...process.execArgv, 'e2e/hub-server.ts', String(HUB_PORT)], { stdio: 'ignore' });
  try {
    const t0 = performance.now();
    const lab = await openLab({ query: `hubHost=${encodeURIComponent(`http://127.0.0.1:${HUB_PORT}`)}&lm=${encodeURIComponent(REPO)}` });
    const { page } = lab;
    try {
      await page.getByTestId('lm-info').and(page.locator('[data-status="ready"]')).waitFor({ timeout: 900_000 });
      const setupSeconds = (performance.now() - t0) / 1000;
      await page.getByTestId('embedder-info').and(page.locator('[data-status="ready"]')).waitFor({ timeout: 300_000 });
      const lora = defaultLora(config);
      if (w === 'browser-sample-32') {
        const request = (tokens: number) => JSON.stringify({
          prompts: [words(codec, PROMPT_TOKENS, 1)], samplesPerPrompt: 32, temperature: 1, topP: 1, topK: 0, maxNewTokens: tokens, seed: 1, backend: 'wasm', stop: [], longPrompts: 'skip',
        });
        // Strings, not functions: tsx would inject helpers the page does not have.
        await page.evaluate(`window.labDebug.sample(${request(4)})`);
        const r = await page.evaluate(`(async () => { const t = performance.now(); const r = await window.labDebug.sample(${request(TOKENS)});
          return { seconds: (performance.now() - t) / 1000, tokens: r.samples.reduce((a, s) => a + s.tokens.length, 0) }; })()`) as { seconds: number; tokens: number };
        const estimate = estimateMemory(config, { rows: 8, length: LENGTH, sampleRows: 32, sampleContext: PROMPT_TOKENS + TOKENS, lora }).inferenceBytes;
        return { workload: w, setupSeconds, value: r.tokens / r.seconds, peakRssBytes: rendererPeakBytes(), estimateBytes: estimate };
      }
      // DPO (LoRA, or every weight): each prompt with its target and M + 1 distinct samples (the reference filter at a = 100% keeps M).
      const half = LENGTH / 2;
      const rows = Array.from({ length: Math.max(3, PROMPTS * STEPS) }, (_, p) => ({
        prompt: words(codec, half, 100 + p), target: words(codec, half, 200 + p), outputs: Array.from({ length: M + 1 }, (_, k) => words(codec, half, 300 + 10 * p + k)),
      }));
      const run = await page.evaluate(`(async () => {
        const lab = window.lab.getState();
        lab.setSettings(${JSON.stringify({ a: 100, m: M, promptsPerStep: PROMPTS, rowsPerPass: PER_PASS * (1 + M), maxSteps: STEPS, heldOut: 0, evalPrompts: 0, loraRank: w === 'browser-full' ? 0 : lora.r, loraAlpha: lora.lora_alpha })});
        await lab.importFile(new File([${JSON.stringify(rows.map((r) => JSON.stringify(r)).join('\n') + '\n')}], 'bench.jsonl'));
        await window.lab.getState().scoreSamples('wasm');
        await window.lab.getState().startTraining('wasm');
        const s = window.lab.getState();
        return { history: s.training.history, error: s.training.error, notice: s.training.notice, config: s.runs.find((r) => r.runId === s.training.runId).config };
      })()`) as { history: { seconds: number; referenceSeconds: number }[]; error: string | null; notice: string | null; config: DpoConfig };
      if (run.error || run.history.length !== STEPS) throw new Error(`browser run did not finish: ${run.error ?? `${run.history.length} of ${STEPS} steps`}`);
      const groups = rows.map((r) => encodeRecord(codec, { prompt: r.prompt, chosen: r.target, rejected: r.outputs.slice(0, M) }));
      // The config the run trained with: the worker's memory plan may have changed rows per pass or checkpointing.
      const workload = runWorkload(run.config, lora, groups);
      const sized = estimateMemory(config, { ...workload, sampleRows: 32, sampleContext: PROMPT_TOKENS + TOKENS });
      // In the renderer: the worker's loaded weights, and WASM's heap with its copy of each run's inputs.
      const estimate = wasmTrainingBytes(sized, w === 'browser-full' ? 'full' : 'lora');
      console.error(`${w}: ${workload.rows} rows × ${workload.length} tokens per pass${run.notice ? `; ${run.notice}` : ''}`);
      return { workload: w, setupSeconds, value: meanStepSeconds(w, run.history), peakRssBytes: rendererPeakBytes(), estimateBytes: estimate };
    } finally {
      await lab.close();
    }
  } finally {
    hub.kill();
  }
}

const one = process.argv[2] as WorkloadName | undefined;
if (one) {
  console.log(JSON.stringify(one.startsWith('browser') ? await inBrowser(one) : await measure(one)));
} else {
  console.log(`SmolLM2-135M shape (${LAYERS} layers, random init), onnxruntime-node cpu; DPO: ${PROMPTS} prompt(s) × (1 + ${M}) sequences × ${LENGTH} tokens per step (${PER_PASS} prompt(s) a pass), mean of steps ${WARMUP + 1}..${STEPS}; sampling: ${TOKENS} new tokens after a ${PROMPT_TOKENS}-token prompt`);
  const rows: string[] = [];
  for (const w of WORKLOADS) {
    const child = spawnSync(process.execPath, [...process.execArgv, ...(w === 'dpo-full-gc' ? ['--expose-gc'] : []), process.argv[1], w], { encoding: 'utf8', env: process.env, maxBuffer: 1 << 24 });
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    if (child.status !== 0 || !line.startsWith('{')) {
      console.log(`${w}: failed (${child.stderr.trim().split("\n").slice(-8).join(' ')})`);
      continue;
    }
    const r = JSON.parse(line) as Result;
    for (const note of child.stderr.split('\n').filter((l) => l.startsWith(`${w}:`))) console.log(note);
    const value = w.includes('sample') ? `${r.value.toFixed(0)} tok/s` : `${r.value.toFixed(2)} s/step`;
    const ratio = r.estimateBytes / r.peakRssBytes;
    rows.push(`| ${w} | ${value} | ${r.setupSeconds.toFixed(1)} s | ${(r.peakRssBytes / GiB).toFixed(2)} GiB | ${(r.estimateBytes / GiB).toFixed(2)} GiB (${(100 * ratio).toFixed(0)}%) |`);
    console.log(rows.at(-1));
  }
  console.log('\n| workload | speed | setup | peak RSS (browser: renderer) | estimate (of measured) |\n|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}
