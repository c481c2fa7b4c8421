// The used-by path as a person takes it, timed: headless Chromium, no debug
// hooks, only clicks and keys. Drop a 200-prompt chat-format SFT file, sample
// R = 32 with 64 new tokens, embed and score, move a% 25 → 50 → 25, export TRL
// JSONL. Prints each stage's time, the backend each stage chose and why, the
// slider's input-to-paint times, and the total (the goal: under 2 minutes).
//   npm run bench:flow   (PROMPTS, R, NEW_TOKENS override)
import { readFileSync } from 'node:fs';
import { openLab } from './browser';

const PROMPTS = Number(process.env.PROMPTS ?? 200);
const R = Number(process.env.R ?? 32);
const NEW_TOKENS = Number(process.env.NEW_TOKENS ?? 64);

// Chat-format rows of the built-in task (prompt → SFT target), as a user's file would hold them.
const pool = readFileSync('public/builtin/pool.jsonl', 'utf8').trim().split('\n').slice(0, PROMPTS).map((l) => JSON.parse(l) as { prompt: string; completion: string });
const file = pool.map((r) => JSON.stringify({ messages: [{ role: 'user', content: r.prompt }, { role: 'assistant', content: r.completion }] })).join('\n') + '\n';

const t = () => performance.now();
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const lab = await openLab({ debug: false });
const { page } = lab;
const started = t();
await page.getByTestId('backend-sample').and(page.locator('[data-measured="true"]')).waitFor({ timeout: 300_000 });
await page.getByTestId('backend-embed').and(page.locator('[data-measured="true"]')).waitFor({ timeout: 300_000 });
const ready = t();

const stages: [string, number][] = [];
let mark = t();
const stage = (name: string) => {
  const now = t();
  stages.push([name, now - mark]);
  mark = now;
};

// Drop the file on the page.
const dataTransfer = await page.evaluateHandle((text) => {
  const dt = new DataTransfer();
  dt.items.add(new File([text], 'sft-chat.jsonl', { type: 'application/jsonl' }));
  return dt;
}, file);
await page.dispatchEvent('body', 'drop', { dataTransfer });
await page.getByTestId('import-summary').and(page.locator(`[data-valid="${PROMPTS}"]`)).waitFor();
stage('import');

await page.getByLabel('R (samples per prompt)').fill(String(R));
await page.getByLabel('max new tokens').fill(String(NEW_TOKENS));
await page.getByRole('button', { name: new RegExp(`^Sample ${PROMPTS} prompts`) }).click();
await page.getByText(`${PROMPTS} of ${PROMPTS} prompts have samples.`).waitFor({ timeout: 1_200_000 });
stage(`sample ${PROMPTS} × ${R}`);

await page.getByRole('button', { name: new RegExp(`^Embed and score ${PROMPTS} prompts`) }).click();
await page.getByTestId('filter-counts').waitFor({ timeout: 1_200_000 });
stage(`embed ${PROMPTS * (R + 1)} texts, score`);

// a% 25 → 50 → 25 on the slider: time from the input event to the frame that shows the new counts.
// As source text: tsx's name helpers (__name) do not exist in the page.
const SLIDE = `(v) => {
  const slider = document.querySelector('input[aria-label="a percent"]');
  const counts = document.querySelector('[data-testid="filter-counts"]');
  const before = counts.textContent;
  const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  const t0 = performance.now();
  set.call(slider, String(v));
  slider.dispatchEvent(new Event('input', { bubbles: true }));
  return new Promise((resolve) => {
    const frame = () => (counts.textContent !== before ? requestAnimationFrame(() => resolve(performance.now() - t0)) : requestAnimationFrame(frame));
    requestAnimationFrame(frame);
  });
}`;
const slide = (value: number): Promise<number> => page.evaluate(`(${SLIDE})(${value})`);
const slider: number[] = [];
for (const v of [50, 25, 50, 25]) slider.push(await slide(v));
stage('a% 25 → 50 → 25 → 50 → 25');

const download = page.waitForEvent('download');
await page.getByRole('button', { name: /TRL pairwise JSONL/ }).click();
const pairs = readFileSync(await (await download).path(), 'utf8').trim().split('\n').filter(Boolean).length;
stage('export TRL JSONL');

const backends = await Promise.all(['sample', 'embed'].map(async (s) => `${s}: ${(await page.getByTestId(`backend-${s}`).innerText()).replace(/\s+/g, ' ').replace(/^Backend auto \(measured\) WebGPU WASM /, '')}`));
const counts = (await page.getByTestId('filter-counts').innerText()).replace(/\s+/g, ' ');
await lab.close();

const flow = stages.reduce((a, [, ms]) => a + ms, 0);
console.log(`page open → models loaded and every stage's backend measured: ${seconds(ready - started)}`);
for (const [name, ms] of stages) console.log(`  ${name.padEnd(34)} ${seconds(ms)}`);
console.log(`  ${'total (drop → export)'.padEnd(34)} ${seconds(flow)}  (goal < 120 s)`);
console.log(`slider input → paint: ${slider.map((ms) => `${ms.toFixed(0)} ms`).join(', ')} (goal < 100 ms)`);
console.log(`backends: ${backends.join('; ')}`);
console.log(`filter at a = 25%: ${counts}; exported ${pairs} TRL rows`);
