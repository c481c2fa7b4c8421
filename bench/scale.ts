// The lab at real scale: a random-initialised SmolLM2-135M-shaped checkpoint
// (built here, seeded, no download) through the lab's own sampler and DpoRun on
// onnxruntime-node: sampling at R = 8 and 32, a full and a LoRA DPO step; time,
// session setup, peak memory (process RSS, each workload in its own process)
// and the lab's memory estimate beside each.
//   npm run bench:scale   (WORKLOADS=sample-8,sample-32,dpo-full,dpo-lora, LAYERS, STEPS, PROMPTS, M, LENGTH, TOKENS override)
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { estimateMemory, type Workload } from '../src/lib/model/memory';
import { ourTokensPerSecond } from '../src/lib/sample/throughput';
import { DpoRun, promptsPerPass } from '../src/lib/train/dpo-run';
import { DPO_CONFIG_DEFAULTS, type DpoConfig } from '../src/lib/train/dpo-config';
import { defaultLora } from '../src/lib/train/lora';
import { randomGroups, randomPrompt, smollm2Config, smollm2Weights } from './smollm2-shape';

const env = (k: string, d: string) => process.env[k] ?? d;
const LAYERS = Number(env('LAYERS', '30'));
const STEPS = Number(env('STEPS', '3'));
const PROMPTS = Number(env('PROMPTS', '1'));
const M = Number(env('M', '7'));
const LENGTH = Number(env('LENGTH', '128'));
const TOKENS = Number(env('TOKENS', '64'));
const PROMPT_TOKENS = 40;
const ALL = ['sample-8', 'sample-32', 'dpo-full', 'dpo-lora'] as const;
type WorkloadName = (typeof ALL)[number];
const WORKLOADS = env('WORKLOADS', ALL.join(',')).split(',') as WorkloadName[];

interface Result {
  workload: WorkloadName;
  setupSeconds: number;
  /** Tokens/s for sampling; seconds per optimizer step (mean of steps 2..) for DPO. */
  value: number;
  peakRssBytes: number;
  estimateBytes: number;
}

const GiB = 2 ** 30;
const config = smollm2Config(LAYERS);

function estimate(w: WorkloadName): number {
  const lora = defaultLora(config);
  const rows = PROMPTS * (1 + M);
  const sampleRows = w === 'sample-8' ? 8 : 32;
  const workload: Workload = { rows, length: LENGTH, sampleRows, sampleContext: PROMPT_TOKENS + TOKENS, lora };
  const e = estimateMemory(config, workload);
  return w.startsWith('sample') ? e.inferenceBytes : w === 'dpo-full' ? e.fullTrainingBytes : e.loraTrainingBytes;
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
    ...DPO_CONFIG_DEFAULTS, negatives_per_prompt: M, prompts_per_step: PROMPTS, rows_per_pass: PROMPTS * (1 + M), max_steps: STEPS, max_length: LENGTH,
    lora: w === 'dpo-lora' ? defaultLora(config) : null,
  };
  if (promptsPerPass(dpo) !== PROMPTS) throw new Error('one pass per step expected');
  const run = await DpoRun.create(ort, 'cpu', { config, weights, padTokenId: 0 }, randomGroups(PROMPTS * STEPS, M, LENGTH), dpo);
  const setupSeconds = (performance.now() - t0) / 1000;
  const logs = [];
  while (run.stepsDone < run.totalSteps) logs.push(await run.step());
  await run.release();
  const timed = logs.slice(1);
  return { workload: w, setupSeconds, value: timed.reduce((a, l) => a + l.seconds, 0) / timed.length, peakRssBytes: process.resourceUsage().maxRSS * 1024, estimateBytes: estimate(w) };
}

const one = process.argv[2] as WorkloadName | undefined;
if (one) {
  console.log(JSON.stringify(await measure(one)));
} else {
  console.log(`SmolLM2-135M shape (${LAYERS} layers, random init), onnxruntime-node cpu; DPO: ${PROMPTS} prompt(s) × (1 + ${M}) sequences × ${LENGTH} tokens per step, mean of steps 2..${STEPS}; sampling: ${TOKENS} new tokens after a ${PROMPT_TOKENS}-token prompt`);
  const rows: string[] = [];
  for (const w of WORKLOADS) {
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1], w], { encoding: 'utf8', env: process.env, maxBuffer: 1 << 24 });
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    if (child.status !== 0 || !line.startsWith('{')) {
      console.log(`${w}: failed (${child.stderr.trim().split('\n').slice(-3).join(' ')})`);
      continue;
    }
    const r = JSON.parse(line) as Result;
    const value = w.startsWith('sample') ? `${r.value.toFixed(0)} tok/s` : `${r.value.toFixed(2)} s/step`;
    const ratio = r.estimateBytes / r.peakRssBytes;
    rows.push(`| ${w} | ${value} | ${r.setupSeconds.toFixed(1)} s | ${(r.peakRssBytes / GiB).toFixed(2)} GiB | ${(r.estimateBytes / GiB).toFixed(2)} GiB (${(100 * ratio).toFixed(0)}%) |`);
    console.log(rows.at(-1));
  }
  console.log('\n| workload | speed | setup | peak RSS | estimate (of measured) |\n|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}
