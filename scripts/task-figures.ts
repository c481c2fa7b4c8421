// Recomputes the figures the shipped models' cards state about the built-in
// task (src/lib/task/figures.ts): the default LM samples R = 32 responses at
// T = 1 for the first PROMPTS pool prompts, the default encoder embeds them as
// the lab does (transformers.js), the verifier labels them; plus the LM's greedy
// accuracy on the validation and test splits. Writes models/task-figures.json
// and the "Figures" section of models/lm/README.md and models/embed/README.md.
// Run: npm run figures:task   (PROMPTS, R, SEED override)
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { lmCodec } from '../src/lib/model/codec';
import { selfContrastData } from '../src/lib/contrast/pipeline';
import { evaluatePrompts } from '../src/lib/task/evaluate';
import { verify } from '../src/lib/task/builtin';
import { taskFigures } from '../src/lib/task/figures';
import { defaultEmbedder, loadDefaultLm, readSplit } from '../src/lib/task/node-lab.testutil';

const PROMPTS = Number(process.env.PROMPTS ?? 200);
const R = Number(process.env.R ?? 32);
const SEED = Number(process.env.SEED ?? 1);
const MAX_NEW_TOKENS = 96;
const started = Date.now();
const log = (msg: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${msg}`);

const lm = await loadDefaultLm();
const codec = lmCodec(lm);
const decoder = await DecoderSession.create(ort, lm.config, lm.weights, 'cpu');
const greedy = async (split: 'validation' | 'test') => {
  const prompts = readSplit(split).map((r) => r.prompt);
  const { accuracy } = await evaluatePrompts(decoder, codec, prompts, { sampling: { temperature: 0, topP: 1, topK: 0 }, seed: SEED, maxNewTokens: MAX_NEW_TOKENS });
  log(`greedy accuracy on ${split}: ${(100 * accuracy.accuracy).toFixed(1)}% of ${prompts.length}`);
  return { prompts: prompts.length, accuracy: accuracy.accuracy, arithmetic: accuracy.byKind.arithmetic.correct / accuracy.byKind.arithmetic.total };
};
const validation = await greedy('validation');
const test = await greedy('test');

const pool = readSplit('pool').slice(0, PROMPTS).map((r) => ({ prompt: r.prompt, target: r.completion }));
const data = await selfContrastData(decoder, codec, await defaultEmbedder(), pool, {
  samplesPerPrompt: R, sampling: { temperature: 1, topP: 1, topK: 0 }, maxNewTokens: MAX_NEW_TOKENS, seed: SEED,
});
await decoder.release();
const { table, rankings } = data.table();
const correct = new Uint8Array(table.similarity.length);
data.samples.forEach((texts, p) => texts.forEach((text, j) => (correct[table.offsets[p] + j] = verify(pool[p].prompt, text) ? 1 : 0)));
const figures = taskFigures(table, rankings.reference, correct, SEED);
log(JSON.stringify(figures));

const result = { command: 'npm run figures:task', seed: SEED, greedy: { validation, test }, pool: figures };
writeFileSync('models/task-figures.json', JSON.stringify(result, null, 2) + '\n');

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const sampling = `the first ${figures.prompts} pool prompts × R = ${figures.samplesPerPrompt} samples at T = 1.0 (seed ${SEED})`;
const lmFigures = `- Greedy verifier accuracy: validation ${pct(validation.accuracy)} (${validation.prompts} prompts), held-out test ${pct(test.accuracy)} (${test.prompts} prompts; arithmetic ${pct(test.arithmetic)}).
- Diversity, ${sampling}: median ${figures.distinctMedian} distinct texts per prompt (10th percentile ${figures.distinctP10}); ${pct(figures.sampleAccuracy)} of samples correct; ${pct(figures.pairsAtM8)} of prompts give pairs at a = 25%, M = 8 (reference rule).`;
const embedFigures = `- On ${sampling} of the default LM: AUC of cosine(sample, SFT target) separating verifier-correct from wrong samples **${figures.auc.toFixed(3)}**.
- Data accuracy (share of selected negatives the verifier calls wrong; reference rule, M = 1) by a%: ${figures.dataAccuracy.map((d) => `${d.a}%: ${pct(d.accuracy)}`).join(', ')}.
- The same with a perfect encoder (every wrong sample below every right one; the rule still takes its K least similar texts, so a prompt with fewer wrong texts than K gives right answers as negatives): ${figures.dataAccuracyCeiling.map((d) => `${d.a}%: ${pct(d.accuracy)}`).join(', ')}.`;
for (const [file, body] of [['models/lm/README.md', lmFigures], ['models/embed/README.md', embedFigures]] as const) {
  const card = readFileSync(file, 'utf8');
  const section = `## Figures on the built-in task (\`npm run figures:task\`, models/task-figures.json)\n${body}\n`;
  const at = card.indexOf('## Figures on the built-in task');
  writeFileSync(file, at < 0 ? `${card.trimEnd()}\n\n${section}` : card.slice(0, at) + section);
}
log('wrote models/task-figures.json and the Figures sections of both model cards');
