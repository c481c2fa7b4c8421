// DPO optimizer-step throughput on the shipped default model: pairs/s and
// tokens/s per step, onnxruntime-node vs Chromium on wasm through the lab's
// own path (import → score → filter → train in the LM worker), same data, one run.
//   npm run bench:dpo-step   (builds the app first; STEPS, PROMPTS_PER_STEP, M override)
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { loadDefaultLm, readSplit } from '../src/lib/task/node-lab.testutil';
import { lmCodec } from '../src/lib/model/codec';
import { DpoRun, type DpoStepLog } from '../src/lib/train/dpo-run';
import { DPO_CONFIG_DEFAULTS } from '../src/lib/train/dpo-config';
import { encodeRecord } from '../src/lib/train/preference-data';
import { openLab } from './browser';

const STEPS = Number(process.env.STEPS ?? 6);
const PROMPTS_PER_STEP = Number(process.env.PROMPTS_PER_STEP ?? 8);
const M = Number(process.env.M ?? 8);
const ROWS_PER_PASS = DPO_CONFIG_DEFAULTS.rows_per_pass;

// Prompts with their SFT targets; as negatives, targets of other prompts of the same
// kind (realistic lengths and vocabulary; the bench measures speed, not learning).
const pool = readSplit('pool');
const kinds = readFileSync('public/builtin/pool.jsonl', 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind);
const rows = pool.slice(0, PROMPTS_PER_STEP * STEPS).map((r, i) => {
  const others = pool.map((o, j) => ({ o, j })).filter(({ j }) => j !== i && kinds[j] === kinds[i] && pool[j].completion !== r.completion);
  // M + 1 samples: the reference filter never pools the most similar distinct one, so M remain at a = 100%.
  return { prompt: r.prompt, target: r.completion, outputs: others.slice(0, M + 1).map(({ o }) => o.completion) };
});

const summarize = (logs: DpoStepLog[]) => {
  const timed = logs.slice(1); // step 1 compiles kernels and uploads weights
  const seconds = timed.reduce((a, l) => a + l.seconds - l.referenceSeconds, 0);
  const tokens = timed.reduce((a, l) => a + l.tokens, 0);
  return { msPerStep: (1000 * seconds) / timed.length, pairsPerSecond: (timed.length * PROMPTS_PER_STEP * M) / seconds, tokensPerSecond: tokens / seconds };
};

const lm = await loadDefaultLm();
const codec = lmCodec(lm);
const groups = rows.map((r) => encodeRecord(codec, { prompt: r.prompt, chosen: r.target, rejected: r.outputs.slice(0, M) }));
const run = await DpoRun.create(ort, 'cpu', { config: lm.config, weights: lm.weights, padTokenId: lm.padTokenId }, groups, {
  ...DPO_CONFIG_DEFAULTS, negatives_per_prompt: M, prompts_per_step: PROMPTS_PER_STEP, max_steps: STEPS,
});
const nodeLogs: DpoStepLog[] = [];
while (run.stepsDone < run.totalSteps) nodeLogs.push(await run.step());
await run.release();
const node = summarize(nodeLogs);

const lab = await openLab();
const { page } = lab;
await page.getByTestId('lm-info').and(page.locator('[data-status="ready"]')).waitFor({ timeout: 120_000 });
await page.getByTestId('embedder-info').and(page.locator('[data-status="ready"]')).waitFor({ timeout: 120_000 });
await page.evaluate(async (text) => {
  const lab = window.lab!.getState();
  lab.setSettings({ a: 100, m: Number(text.m), promptsPerStep: Number(text.pps), maxSteps: Number(text.steps), heldOut: 0, evalPrompts: 0 });
  await lab.importFile(new File([text.jsonl], 'bench.jsonl'));
  await window.lab!.getState().scoreSamples('wasm');
  await window.lab!.getState().startTraining('wasm');
}, { jsonl: rows.map((r) => JSON.stringify(r)).join('\n') + '\n', m: M, pps: PROMPTS_PER_STEP, steps: STEPS });
const browserLogs = await page.evaluate(() => window.lab!.getState().training.history);
const error = await page.evaluate(() => window.lab!.getState().training.error);
await lab.close();
if (error || browserLogs.length !== STEPS) throw new Error(`browser run did not finish: ${error ?? `${browserLogs.length} of ${STEPS} steps`}`);
const wasm = summarize(browserLogs);

const params = [...lm.weights.values()].reduce((a, w) => a + w.length, 0);
console.log(`DPO optimizer step, default model (${(params / 1e6).toFixed(2)} M parameters), ` +
  `${PROMPTS_PER_STEP} prompts × (1 + ${M}) sequences per step, ≤ ${ROWS_PER_PASS} sequences per pass; mean of steps 2..${STEPS}`);
for (const [name, r] of [['onnxruntime-node (cpu)', node], ['chromium wasm', wasm]] as const) {
  console.log(`  ${name.padEnd(24)} ${r.msPerStep.toFixed(0).padStart(6)} ms/step  ${r.pairsPerSecond.toFixed(1).padStart(7)} pairs/s  ${r.tokensPerSecond.toFixed(0).padStart(7)} tokens/s`);
}
console.log(`  wasm / node              ${(wasm.msPerStep / node.msPerStep).toFixed(2)}x time per step`);
