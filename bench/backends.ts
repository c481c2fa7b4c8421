// The lab's own sampling and DPO step on each execution provider, in one run:
// onnxruntime-node CPU, onnxruntime-web's wasm (the browser's binary, run in
// Node) and ORT's WebGPU EP (Dawn; here on SwiftShader, on a real GPU through
// its Vulkan driver). The same graphs, sampler and DpoRun the app runs; the
// numbers say which backend wins for which model size.
//   npm run bench:backends
//   MODELS=default,smollm2-135m EPS=cpu,wasm,webgpu R=32 TOKENS=64 STEPS=3 PROMPTS=8 M=8
// SwiftShader here: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import * as ortNode from 'onnxruntime-node';
import { loadLm } from '../src/lib/model/load';
import { lmCodec } from '../src/lib/model/codec';
import type { LmConfig } from '../src/lib/model/config';
import { randomGroups, randomPrompt, smollm2Config, smollm2Weights } from './smollm2-shape';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { ourTokensPerSecond } from '../src/lib/sample/throughput';
import { DpoRun } from '../src/lib/train/dpo-run';
import { DPO_CONFIG_DEFAULTS } from '../src/lib/train/dpo-config';
import { encodeRecord, type PreferenceGroup } from '../src/lib/train/preference-data';
import type { ExecutionProvider, OrtApi } from '../src/lib/onnx/runtime';

const env = (k: string, d: string) => process.env[k] ?? d;
const MODELS = env('MODELS', 'default').split(',');
const EPS = env('EPS', 'cpu,wasm,webgpu').split(',') as ExecutionProvider[];
const R = Number(env('R', '32'));
const TOKENS = Number(env('TOKENS', '64'));
const STEPS = Number(env('STEPS', '3'));
const PROMPTS = Number(env('PROMPTS', '8'));
const M = Number(env('M', '8'));
const LENGTH = Number(env('LENGTH', '128'));

// The browser's wasm threads rule (workers/ort-web.ts): extra threads from four cores.
const cores = os.availableParallelism();
const wasmThreads = cores >= 4 ? Math.min(4, Math.floor(cores / 2)) : 1;

async function ortFor(ep: ExecutionProvider): Promise<OrtApi> {
  if (ep !== 'wasm') return ortNode;
  const web = await import('onnxruntime-web');
  web.env.wasm.numThreads = wasmThreads;
  return web;
}

interface Model {
  name: string;
  config: LmConfig;
  weights: Map<string, Float32Array>;
  padTokenId: number;
  promptIds: number[];
  groups: PreferenceGroup[];
}

function smollm2(): Model {
  const config = smollm2Config();
  return {
    name: 'SmolLM2-135M shape (random init)', config, weights: smollm2Weights(config), padTokenId: 0, promptIds: randomPrompt(40),
    groups: randomGroups(PROMPTS * STEPS, M, LENGTH),
  };
}

async function defaultModel(): Promise<Model> {
  // Read directly (not through node-lab.testutil): this script is also bundled to run where transformers.js is absent.
  const lm = await loadLm(async (n) => (existsSync(`models/lm/${n}`) ? new Uint8Array(readFileSync(`models/lm/${n}`)) : null));
  const codec = lmCodec(lm);
  const pool = readFileSync('public/builtin/pool.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; completion: string });
  // Negatives: other prompts' targets (realistic lengths; this measures speed, not learning).
  const groups = pool.slice(0, PROMPTS * STEPS).map((r, i) => encodeRecord(codec, { prompt: r.prompt, chosen: r.completion, rejected: Array.from({ length: M }, (_, k) => pool[(i + 1 + k) % pool.length].completion) }));
  return { name: 'default LM (0.92 M)', config: lm.config, weights: lm.weights, padTokenId: lm.padTokenId, promptIds: codec.encodePrompt(pool[0].prompt), groups };
}

async function sampling(ort: OrtApi, ep: ExecutionProvider, m: Model): Promise<number> {
  const decoder = await DecoderSession.create(ort, m.config, m.weights, ep);
  try {
    const setup = { promptIds: m.promptIds, samplesPerPrompt: R, seed: 1 };
    await ourTokensPerSecond(decoder, { ...setup, newTokens: 4 }, m.padTokenId);
    return await ourTokensPerSecond(decoder, { ...setup, newTokens: TOKENS }, m.padTokenId);
  } finally {
    await decoder.release();
  }
}

async function dpoStep(ort: OrtApi, ep: ExecutionProvider, m: Model): Promise<{ ms: number; tokensPerSecond: number }> {
  const run = await DpoRun.create(ort, ep, { config: m.config, weights: m.weights, padTokenId: m.padTokenId }, m.groups, {
    ...DPO_CONFIG_DEFAULTS, negatives_per_prompt: M, prompts_per_step: PROMPTS, max_steps: STEPS, max_length: LENGTH,
  });
  try {
    const logs = [];
    while (run.stepsDone < run.totalSteps) logs.push(await run.step());
    const timed = logs.slice(1); // step 1 compiles kernels and uploads weights
    const seconds = timed.reduce((a, l) => a + l.seconds - l.referenceSeconds, 0);
    return { ms: (1000 * seconds) / timed.length, tokensPerSecond: timed.reduce((a, l) => a + l.tokens, 0) / seconds };
  } finally {
    await run.release();
  }
}

const rows: string[] = [];
console.log(`${cores} cores; wasm threads ${wasmThreads}; R = ${R}, ${TOKENS} new tokens; DPO ${PROMPTS} prompts × (1 + ${M}) sequences ≤ ${LENGTH} tokens per step, mean of steps 2..${STEPS}`);
for (const name of MODELS) {
  const model = name === 'smollm2-135m' ? smollm2() : await defaultModel();
  for (const ep of EPS) {
    const ort = await ortFor(ep);
    let sample: string;
    let step: string;
    try {
      sample = `${(await sampling(ort, ep, model)).toFixed(0)} tok/s`;
    } catch (e) {
      sample = `failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    }
    console.log(`${model.name} on ${ep}: sampling ${sample}`);
    try {
      const s = await dpoStep(ort, ep, model);
      step = `${s.ms.toFixed(0)} ms (${s.tokensPerSecond.toFixed(0)} tok/s)`;
    } catch (e) {
      step = `failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    }
    console.log(`${model.name} on ${ep}: DPO step ${step}`);
    rows.push(`| ${model.name} | ${ep === 'cpu' ? 'onnxruntime-node cpu' : ep === 'wasm' ? `onnxruntime-web wasm (${wasmThreads} thr.)` : 'ORT WebGPU EP'} | ${sample} | ${step} |`);
  }
}
console.log('\n| model | backend | sampling | DPO step |\n|---|---|---|---|');
for (const r of rows) console.log(r);
