// Tokens/s of our batched sampler vs @huggingface/transformers generate() on the
// same weights (models/lm and its onnx/model.onnx export), same EP, same batch:
// R = 32 samples of 64 new tokens for one prompt, temperature 1, top-p 1.
// On onnxruntime-node, then in Chromium on wasm, in one run.
//   npm run bench:sample
import * as ort from 'onnxruntime-node';
import { readFileSync, existsSync } from 'node:fs';
import { AutoModelForCausalLM, env, Tensor } from '@huggingface/transformers';
import type { GenerateBenchmarkResult } from '../src/protocol';
import { loadLm } from '../src/lib/model/load';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { ourTokensPerSecond, transformersTokensPerSecond } from '../src/lib/sample/throughput';
import { openLab } from './browser';

const R = Number(process.env.R ?? 32);
const NEW_TOKENS = Number(process.env.NEW_TOKENS ?? 64);
const REPEATS = 3;
const prompt = JSON.parse(readFileSync('public/builtin/test.jsonl', 'utf8').split('\n')[0]).prompt as string;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const lm = await loadLm(async (n) => (existsSync(`models/lm/${n}`) ? new Uint8Array(readFileSync(`models/lm/${n}`)) : null));
const setup = { promptIds: lm.tokenizer.encode(lm.tokenizer.chatPrompt([{ role: 'user', content: prompt }])), samplesPerPrompt: R, newTokens: NEW_TOKENS, seed: 1 };
const warm = { ...setup, newTokens: 2 };

const ours = await DecoderSession.create(ort, lm.config, lm.weights, 'cpu');
await ourTokensPerSecond(ours, warm, lm.padTokenId);
const oursNode: number[] = [];
for (let i = 0; i < REPEATS; i++) oursNode.push(await ourTokensPerSecond(ours, setup, lm.padTokenId));
await ours.release();

env.localModelPath = 'models/';
env.allowRemoteModels = false;
const theirs = await AutoModelForCausalLM.from_pretrained('lm', { dtype: 'fp32', device: 'cpu' });
await transformersTokensPerSecond(theirs, Tensor, warm);
const theirsNode: number[] = [];
for (let i = 0; i < REPEATS; i++) theirsNode.push(await transformersTokensPerSecond(theirs, Tensor, setup));
await theirs.dispose();

const lab = await openLab();
await lab.page.getByTestId('lm-info').waitFor({ timeout: 60_000 });
const web: GenerateBenchmarkResult[] = [];
for (let i = 0; i < REPEATS; i++) {
  web.push(await lab.page.evaluate(
    (req) => window.lab!.getState().runGenerateBenchmark(req),
    { backend: 'wasm' as const, prompt, samplesPerPrompt: R, newTokens: NEW_TOKENS, transformers: { localModelPath: '/models/', modelId: 'lm' } },
  ));
}
await lab.close();

const row = (name: string, a: number, b: number) => console.log(`  ${name.padEnd(26)} ours ${a.toFixed(0).padStart(6)} tok/s   transformers.js ${b.toFixed(0).padStart(6)} tok/s   ratio ${(a / b).toFixed(2)}x`);
console.log(`sampling, default LM (${(lm.weights.size && [...lm.weights.values()].reduce((s, w) => s + w.length, 0) / 1e6).toFixed(2)} M params), R=${R}, ${NEW_TOKENS} new tokens, prompt ${setup.promptIds.length} tokens; median of ${REPEATS}`);
row('onnxruntime-node (cpu)', median(oursNode), median(theirsNode));
row('chromium wasm', median(web.map((w) => w.oursTokensPerSecond)), median(web.map((w) => w.transformersTokensPerSecond)));
