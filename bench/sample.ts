// Tokens/s of our batched sampler vs @huggingface/transformers generate() on the
// same weights (models/lm and its onnx/model.onnx export), same EP, same batch:
// R = 32 samples of 64 new tokens for one prompt, temperature 1, top-p 1.
// On onnxruntime-node, then in Chromium on wasm, in one run. Both are warmed up
// with full-size rounds first, then measured in alternating rounds (medians).
//   npm run bench:sample            (R=, NEW_TOKENS=, WARMUPS=, ROUNDS= to change)
import * as ort from 'onnxruntime-node';
import { readFileSync, existsSync } from 'node:fs';
import { AutoModelForCausalLM, env, Tensor } from '@huggingface/transformers';
import { loadLm } from '../src/lib/model/load';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { ourTokensPerSecond, samplerRounds, transformersTokensPerSecond, type SamplerRounds } from '../src/lib/sample/throughput';
import { openLab } from './browser';

const R = Number(process.env.R ?? 32);
const NEW_TOKENS = Number(process.env.NEW_TOKENS ?? 64);
const WARMUPS = Number(process.env.WARMUPS ?? 3);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const prompt = JSON.parse(readFileSync('public/builtin/test.jsonl', 'utf8').split('\n')[0]).prompt as string;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const lm = await loadLm(async (n) => (existsSync(`models/lm/${n}`) ? new Uint8Array(readFileSync(`models/lm/${n}`)) : null));
const setup = { promptIds: lm.tokenizer.encode(lm.tokenizer.chatPrompt([{ role: 'user', content: prompt }])), samplesPerPrompt: R, newTokens: NEW_TOKENS, seed: 1 };

const ours = await DecoderSession.create(ort, lm.config, lm.weights, 'cpu');
env.localModelPath = 'models/';
env.allowRemoteModels = false;
const theirs = await AutoModelForCausalLM.from_pretrained('lm', { dtype: 'fp32', device: 'cpu' });
const node = await samplerRounds(
  () => ourTokensPerSecond(ours, setup, lm.padTokenId),
  () => transformersTokensPerSecond(theirs, Tensor, setup),
  WARMUPS, ROUNDS,
);
await ours.release();
await theirs.dispose();

const lab = await openLab();
await lab.page.getByTestId('lm-info').waitFor({ timeout: 60_000 });
const web = await lab.page.evaluate(
  (req) => window.labDebug!.generateBenchmark(req),
  { backend: 'wasm' as const, prompt, samplesPerPrompt: R, newTokens: NEW_TOKENS, warmups: WARMUPS, rounds: ROUNDS, transformers: { localModelPath: '/models/', modelId: 'lm' } },
);
await lab.close();

const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
const report = (name: string, r: { warmup: SamplerRounds; measured: SamplerRounds }) => {
  const [a, b] = [median(r.measured.ours), median(r.measured.transformers)];
  console.log(`  ${name.padEnd(24)} ours ${a.toFixed(0).padStart(6)} tok/s   transformers.js ${b.toFixed(0).padStart(6)} tok/s   ratio ${(a / b).toFixed(2)}x`);
  console.log(`  ${''.padEnd(24)} rounds: ours ${list(r.measured.ours)} | transformers.js ${list(r.measured.transformers)}`);
  console.log(`  ${''.padEnd(24)} warm-up: ours ${list(r.warmup.ours)} | transformers.js ${list(r.warmup.transformers)}`);
};
const params = [...lm.weights.values()].reduce((s, w) => s + w.length, 0) / 1e6;
console.log(`sampling, default LM (${params.toFixed(2)} M params), R=${R}, ${NEW_TOKENS} new tokens, prompt ${setup.promptIds.length} tokens; median of ${ROUNDS} rounds after ${WARMUPS} warm-up rounds`);
report('onnxruntime-node (cpu)', node);
report('chromium wasm', web);
