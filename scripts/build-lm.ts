// Builds the lab's default LM and its data from nothing but this repository:
//   1. the built-in task splits → public/builtin/*.jsonl
//   2. a byte-level BPE tokenizer trained on the SFT split → models/lm/tokenizer.json
//   3. a small Llama-architecture model SFT-trained with the project's own
//      train-step graphs on onnxruntime-node → models/lm/model.safetensors
//   4. its model card with the measured held-out accuracy → models/lm/README.md
//   5. onnx/model.onnx, the same model for transformers.js (scripts/export-onnx.ts)
// Run: npm run build:lm  (STEPS, SEED, EVAL_EVERY override the defaults)
//   STOP=target (default, the shipped model): stop once greedy accuracy on EVAL_PROMPTS=200 validation
//   prompts reaches TARGET=0.5. STOP=plateau: train until EVAL_PROMPTS validation accuracy has made no new
//   best for PATIENCE evaluations (or the schedule ends) and keep the best checkpoint — how far SFT goes.
//   OUT=models/lm chooses where the model is written.
//   TASK=add-each trains on the graded task beside the built-in one (src/lib/task/add-each.ts, issue #29 P18) and
//   leaves public/builtin/ alone; its splits are regenerated from the seed wherever they are needed.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { generateTask, TASK_VERSION, type TaskKind, type TaskRow } from '../src/lib/task/builtin';
import { ADD_EACH_WORDING_COUNTS, generateAddEachTask } from '../src/lib/task/add-each';
import { tokenizerJson, trainBpe } from '../src/lib/model/bpe-train';
import { LmTokenizer } from '../src/lib/model/tokenizer';
import { parseConfig, weightSpecs } from '../src/lib/model/config';
import { randomWeights } from '../src/lib/model/random-init';
import { writeSafetensors } from '../src/lib/model/safetensors';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { buildTrainStep } from '../src/lib/onnx/train-step';
import { batchTensors, TrainSession } from '../src/lib/onnx/runtime';
import { packSequences, sequenceFeeds, type TokenizedPair } from '../src/lib/train/batches';
import { learningRate } from '../src/lib/train/schedule';
import { sftTrainStep } from '../src/lib/train/sft';
import { checkpointChoice } from '../src/lib/train/checkpoint-choice';
import { evaluatePrompts } from '../src/lib/task/evaluate';
import { lmCodec } from '../src/lib/model/codec';
import { createRng } from '../src/lib/random';
import { exportForTransformersJs } from './export-onnx';

const OUT = process.env.OUT ?? 'models/lm';
const TASK = (process.env.TASK ?? 'builtin') as 'builtin' | 'add-each';
if (TASK !== 'builtin' && TASK !== 'add-each') throw new Error(`TASK must be builtin or add-each, not ${TASK}`);
const SEED = Number(process.env.SEED ?? 1);
const STEPS = Number(process.env.STEPS ?? 4000);
const EVAL_EVERY = Number(process.env.EVAL_EVERY ?? 250);
const STOP = (process.env.STOP ?? 'target') as 'target' | 'plateau';
if (STOP !== 'target' && STOP !== 'plateau') throw new Error(`STOP must be target or plateau, not ${STOP}`);
const TARGET_ACCURACY = Number(process.env.TARGET ?? 0.5);
const PATIENCE = Number(process.env.PATIENCE ?? 6);
const EVAL_PROMPTS = Number(process.env.EVAL_PROMPTS ?? 200);
// The width; heads stay 32 wide with two query heads per key-value head, the SwiGLU layer three times the width.
const HIDDEN = Number(process.env.HIDDEN ?? 128);
if (!Number.isInteger(HIDDEN / 64) || HIDDEN <= 0) throw new Error(`HIDDEN must be a positive multiple of 64, not ${process.env.HIDDEN}`);
const BATCH = 32;
const PEAK_LR = 3e-3;
const VOCAB = 1024;
const MAX_NEW_TOKENS = 96;
const SPECIAL = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
const QUALITY_SUBSET = 50;
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const started = Date.now();
const log = (msg: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${msg}`);

// 1. data
const task: Record<'train' | 'pool' | 'validation' | 'test', TaskRow[]> = TASK === 'add-each' ? generateAddEachTask(SEED) : generateTask(SEED);
if (TASK === 'builtin') {
  mkdirSync('public/builtin', { recursive: true });
  const jsonl = (rows: TaskRow[]) => rows.map((r) => JSON.stringify({ prompt: r.prompt, completion: r.completion, kind: r.kind })).join('\n') + '\n';
  writeFileSync('public/builtin/sft-train.jsonl', jsonl(task.train));
  writeFileSync('public/builtin/pool.jsonl', jsonl(task.pool));
  writeFileSync('public/builtin/validation.jsonl', jsonl(task.validation));
  writeFileSync('public/builtin/test.jsonl', jsonl(task.test));
}
log(`task ${TASK === 'add-each' ? 'add-each' : `v${TASK_VERSION}`}: ${task.train.length} train, ${task.pool.length} pool, ${task.validation.length} validation, ${task.test.length} test`);
// The kinds the evaluation splits hold, in the order the card's table shows them.
const KIND_NAMES: [TaskKind, string][] = [['arithmetic', 'arithmetic'], ['harmful', 'refuse harmful'], ['benign', 'answer benign'], ['add-each', 'add each (all items right)']];
const kinds = KIND_NAMES.filter(([k]) => task.test.some((r) => r.kind === k));

// 2. tokenizer
const bpe = trainBpe(task.train.slice(0, 6000).flatMap((r) => [r.prompt, r.completion]), VOCAB, SPECIAL);
const tokJson = tokenizerJson(bpe, SPECIAL);
const tokConfig = {
  tokenizer_class: 'PreTrainedTokenizerFast', model_max_length: 512, clean_up_tokenization_spaces: false,
  bos_token: null, eos_token: '<|im_end|>', pad_token: '<|endoftext|>', unk_token: null, chat_template: CHATML_TEMPLATE,
};
const tokenizer = LmTokenizer.fromJson(tokJson, tokConfig);
const eos = tokenizer.eosTokenId!;
const pad = tokenizer.padTokenId!;
log(`tokenizer: ${Object.keys(bpe.vocab).length} tokens, ${bpe.merges.length} merges`);

// 3. model
const configJson = {
  architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: VOCAB, hidden_size: HIDDEN, intermediate_size: 3 * HIDDEN,
  num_hidden_layers: 4, num_attention_heads: HIDDEN / 32, num_key_value_heads: HIDDEN / 64, max_position_embeddings: 512, rms_norm_eps: 1e-5,
  rope_theta: 10000, tie_word_embeddings: true, hidden_act: 'silu', attention_bias: false, mlp_bias: false,
  bos_token_id: null, eos_token_id: eos, pad_token_id: pad, torch_dtype: 'float32',
};
const cfg = parseConfig(configJson);
const codec = lmCodec({ tokenizer, eosTokenIds: [eos], padTokenId: pad });
const pairs: TokenizedPair[] = task.train.map((r) => ({ prompt: codec.encodePrompt(r.prompt), response: codec.encodeResponse(r.completion) }));
const tokensPerRow = pairs.reduce((a, p) => a + p.prompt.length + p.response.length, 0) / pairs.length;
log(`tokenized: mean ${tokensPerRow.toFixed(1)} tokens per example, max ${Math.max(...pairs.map((p) => p.prompt.length + p.response.length))}`);

const init = randomWeights(cfg, SEED, 0.02);
const specs = weightSpecs(cfg);
const paramCount = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
const session = await TrainSession.create(
  ort,
  buildTrainStep(sftTrainStep(cfg, { weightDecay: 0.01, maxGradNorm: 1 })),
  'cpu',
  Object.fromEntries(specs.map((s) => [s.name, { data: init.get(s.name)!, dims: s.shape }])),
);
log(`model: ${(paramCount / 1e6).toFixed(2)} M parameters`);

// Checkpoints are judged on the validation split, never on the test split.
const evalPrompts = task.validation.slice(0, EVAL_PROMPTS).map((r) => r.prompt);
async function accuracyOf(weights: Map<string, Float32Array>, prompts: string[], temperature: number) {
  const decoder = await DecoderSession.create(ort, cfg, weights, 'cpu');
  const result = await evaluatePrompts(decoder, codec, prompts, { sampling: { temperature, topP: 1, topK: 0 }, seed: SEED, maxNewTokens: MAX_NEW_TOKENS });
  await decoder.release();
  return result.accuracy;
}

// What the checkpoint rule reads: the mean grade on the graded task (whole answers come right long after items do).
const CHECKPOINT_METRIC = TASK === 'add-each' ? 'mean grade' : 'accuracy';
const rng = createRng(SEED + 1);
const curve: { step: number; loss: number; accuracy: number; grade?: number }[] = [];
let lossSum = 0;
let lossCount = 0;
const choice = checkpointChoice<Map<string, Float32Array>>(STOP === 'target' ? { kind: 'target', accuracy: TARGET_ACCURACY } : { kind: 'plateau', patience: PATIENCE });
const schedule = { kind: 'cosine' as const, warmupSteps: 100, totalSteps: STEPS, minRatio: 0.1 };
for (let step = 1; step <= STEPS; step++) {
  const rows = Array.from({ length: BATCH }, () => pairs[Math.floor(rng() * pairs.length)]);
  const out = await session.step(batchTensors(ort, sequenceFeeds(packSequences(rows, pad))), learningRate(PEAK_LR, step, schedule), step);
  lossSum += out.loss[0];
  lossCount++;
  if (step % EVAL_EVERY === 0 || step === STEPS) {
    const weights = new Map(Object.entries(await session.parameters()));
    const acc = await accuracyOf(weights, evalPrompts, 0);
    curve.push({ step, loss: lossSum / lossCount, accuracy: acc.accuracy, ...(TASK === 'add-each' ? { grade: acc.grade } : {}) });
    log(`step ${step}: loss ${(lossSum / lossCount).toFixed(4)}, greedy accuracy on ${evalPrompts.length} validation prompts ${(100 * acc.accuracy).toFixed(0)}% (${kinds.map(([k, name]) => `${name} ${acc.byKind[k].correct}/${acc.byKind[k].total}`).join(', ')}), grade ${(100 * acc.grade).toFixed(1)}%`);
    lossSum = 0;
    lossCount = 0;
    // The mean grade: the accuracy on the built-in task; on the graded one it rises before whole answers come right.
    if (choice.observe({ step, accuracy: acc.grade, weights })) break;
  }
}
await session.release();
const chosen = choice.kept;
// The rule stopped it when training ended before the schedule did.
const ruleStopped = curve.at(-1)!.step < STEPS;
const trainSeconds = (Date.now() - started) / 1000;

// 4. final measurement on the whole held-out split, then the files
const testPrompts = task.test.map((r) => r.prompt);
const greedy = await accuracyOf(chosen!.weights, testPrompts, 0);
// The shipped-model test re-measures this subset in CI (models.test.ts).
const subset = await accuracyOf(chosen!.weights, testPrompts.slice(0, QUALITY_SUBSET), 0);
const sampled = await accuracyOf(chosen!.weights, testPrompts, 1);
log(`checkpoint at step ${chosen!.step}: held-out greedy ${(100 * greedy.accuracy).toFixed(1)}% (grade ${(100 * greedy.grade).toFixed(1)}%), sampled (T=1) ${(100 * sampled.accuracy).toFixed(1)}% (grade ${(100 * sampled.grade).toFixed(1)}%)`);

mkdirSync(OUT, { recursive: true });
writeFileSync(`${OUT}/config.json`, JSON.stringify(configJson, null, 2) + '\n');
writeFileSync(`${OUT}/generation_config.json`, JSON.stringify({ eos_token_id: eos, pad_token_id: pad, do_sample: true, temperature: 1.0, top_p: 1.0, max_new_tokens: MAX_NEW_TOKENS }, null, 2) + '\n');
writeFileSync(`${OUT}/tokenizer.json`, JSON.stringify(tokJson));
writeFileSync(`${OUT}/tokenizer_config.json`, JSON.stringify(tokConfig, null, 2) + '\n');
writeFileSync(`${OUT}/model.safetensors`, writeSafetensors(specs.map((s) => ({ name: s.name, shape: s.shape, data: chosen!.weights.get(s.name)! })), { format: 'pt' }));
const pct = (a: { correct: number; total: number }) => `${a.correct}/${a.total} (${((100 * a.correct) / a.total).toFixed(1)}%)`;
const quality = {
  step: chosen!.step, greedy: greedy.accuracy, sampled: sampled.accuracy, greedyGrade: greedy.grade, sampledGrade: sampled.grade, byKindGreedy: greedy.byKind, byKindSampled: sampled.byKind,
  [`greedyFirst${QUALITY_SUBSET}`]: subset.accuracy, trainSeconds: Math.round(trainSeconds), curve,
};
writeFileSync(`${OUT}/quality.json`, JSON.stringify(quality, null, 2) + '\n');
writeFileSync(`${OUT}/README.md`, `# self-contrast-lab/${OUT === 'models/lm' ? 'default-lm' : OUT.split('/').at(-1)}

${OUT === 'models/lm' ? "The lab's default causal LM" : 'A causal LM'}: a ${(paramCount / 1e6).toFixed(2)} M-parameter Llama-architecture model (${configJson.num_hidden_layers} layers, hidden ${configJson.hidden_size},
${configJson.num_attention_heads} query / ${configJson.num_key_value_heads} key-value heads, SwiGLU ${configJson.intermediate_size}, RoPE, tied embeddings) with a ${VOCAB}-token byte-level BPE and a ChatML chat
template. Made by \`npm run build:lm\` (scripts/build-lm.ts) from this repository alone; every file here is its output.

## Data
${TASK === 'add-each' ? `The graded task beside the built-in one (src/lib/task/add-each.ts, seed ${SEED}): ${task.train.length} SFT examples — "add (or
subtract) n to each number" over five to seven two-digit numbers; the target states each item and its result in one of
${ADD_EACH_WORDING_COUNTS.intros * ADD_EACH_WORDING_COUNTS.forms * ADD_EACH_WORDING_COUNTS.separators * 2 * ADD_EACH_WORDING_COUNTS.closings} wordings drawn per row (opening, item form, separator, a final "and" or not, closing; no wording holds a digit). A response's
grade is the share of items right; the verifier's verdict is "every item right". Self-Contrast pool: ${task.pool.length} prompts;
validation: ${task.validation.length}; held-out test: ${task.test.length} (regenerated from the seed; no prompt in two splits).`
  : `The built-in task, version ${TASK_VERSION} (src/lib/task/, seed ${SEED}): ${task.train.length} SFT examples — multi-step arithmetic
word problems whose target shows its working and ends on the answer, requests that should be refused, and benign
requests that should be answered. Each target is one of many correct phrasings drawn per row (four layouts of the
working, several wordings of each step, opening and closing; many refusal and answer wordings), so a right answer is
not the target word for word. Self-Contrast pool: ${task.pool.length} prompts; validation: ${task.validation.length}; held-out test:
${task.test.length} (public/builtin/; no prompt in two splits).`}

## Objective and training
Supervised fine-tuning from random init: mean negative log-likelihood of the response tokens (chat-formatted, ending
in <|im_end|>), trained with the project's own train-step ONNX graph (forward, backward, AdamW in one graph) on
onnxruntime-node. Batch ${BATCH}, AdamW (β 0.9/0.999, weight decay 0.01, clip 1.0), lr ${PEAK_LR} cosine with 100 warmup
steps over a ${STEPS}-step schedule. ${STOP === 'target'
  ? `Training stops once greedy ${CHECKPOINT_METRIC} on ${evalPrompts.length} validation prompts reaches ${Number((100 * TARGET_ACCURACY).toPrecision(6))}%${TASK === 'add-each' ? '' : `, so that the SFT
model is moderate and alignment has room to show gains`}: stopped at step ${chosen!.step} (${(100 * chosen!.accuracy).toFixed(1)}%)${chosen!.accuracy >= TARGET_ACCURACY ? '' : ', the end of the schedule, short of the target'}.`
  : `Trained to its plateau: training stops once greedy ${CHECKPOINT_METRIC} on ${evalPrompts.length} validation prompts has made no new best for
${PATIENCE} evaluations in a row (or the schedule ends), and the best checkpoint is kept: step ${chosen!.step} (${TASK === 'add-each' ? 'mean grade ' : ''}${(100 * chosen!.accuracy).toFixed(1)}%) of
${curve.at(-1)!.step} trained; ${ruleStopped ? 'the plateau rule stopped it' : `the schedule ended first (${curve.filter((c) => c.step > chosen!.step).length} evaluations after the best)`}.`}
Build time on this machine (2 cores): ${Math.round(trainSeconds)} s for training and checkpoint evaluation.

## Quality (verifier accuracy on all ${task.test.length} held-out prompts, max ${MAX_NEW_TOKENS} new tokens)
| decoding | all |${kinds.length > 1 ? kinds.map(([, name]) => ` ${name} |`).join('') : ''} mean grade |
| --- | --- |${kinds.length > 1 ? kinds.map(() => ' --- |').join('') : ''} --- |
| greedy | ${pct(greedy)} |${kinds.length > 1 ? kinds.map(([k]) => ` ${pct(greedy.byKind[k])} |`).join('') : ''} ${(100 * greedy.grade).toFixed(1)}% |
| sampled, T = 1.0, top-p 1.0, seed ${SEED} | ${pct(sampled)} |${kinds.length > 1 ? kinds.map(([k]) => ` ${pct(sampled.byKind[k])} |`).join('') : ''} ${(100 * sampled.grade).toFixed(1)}% |

Greedy accuracy on the first ${QUALITY_SUBSET} held-out prompts${OUT === 'models/lm' ? ' (re-checked by the test suite)' : ''}: ${(100 * subset.accuracy).toFixed(1)}%.

Training curve (loss averaged since the previous evaluation; greedy accuracy on ${evalPrompts.length} validation prompts):
${curve.map((c) => `- step ${c.step}: loss ${c.loss.toFixed(4)}, accuracy ${(100 * c.accuracy).toFixed(0)}%${c.grade === undefined ? '' : `, mean grade ${(100 * c.grade).toFixed(1)}%`}`).join('\n')}
`);
log(`wrote ${OUT}, and ${await exportForTransformersJs(OUT)} for transformers.js`);
