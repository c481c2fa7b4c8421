// The used-by path through the UI alone (no ?debug): what bench/flow.ts times, on a small file.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, dropFile } from './fixtures';

const pool = readFileSync('public/builtin/pool.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; completion: string });
const chatFile = (n: number) => pool.slice(0, n).map((r) => JSON.stringify({ messages: [{ role: 'user', content: r.prompt }, { role: 'assistant', content: r.completion }] })).join('\n') + '\n';

async function openAndDrop(page: Page, prompts: number, r: number, tokens: number) {
  await page.goto('/');
  await expect(page.getByTestId('backend-sample')).toHaveAttribute('data-measured', 'true', { timeout: 120_000 });
  await dropFile(page, 'sft-chat.jsonl', chatFile(prompts));
  await expect(page.getByTestId('import-summary')).toHaveAttribute('data-valid', String(prompts));
  await page.getByLabel('R (samples per prompt)').fill(String(r));
  await page.getByLabel('max new tokens').fill(String(tokens));
}

test('drop a chat file, sample with a stop string, embed, move a%, export: the TRL rows are the filter\'s pairs', async ({ page, consoleErrors }) => {
  test.setTimeout(240_000);
  await openAndDrop(page, 6, 8, 32);
  // A stop string ends each sample where it first appears, cut off (vLLM's stop): the working stays, the answer line goes.
  await page.getByLabel('stop strings').fill('["Answer"]');
  await page.getByRole('button', { name: /^Sample 6 prompts on wasm/ }).click();
  await expect(page.getByText('6 of 6 prompts have samples.')).toBeVisible({ timeout: 120_000 });
  await page.getByRole('button', { name: /^Embed and score 6 prompts/ }).click();
  const counts = page.getByTestId('filter-counts');
  await expect(counts).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('filter-rule')).toHaveAttribute('data-rule', 'reference');
  await page.getByLabel('a percent').fill('100');
  await page.getByLabel('negatives per prompt').fill('1');
  await expect.poll(async () => Number(await counts.getAttribute('data-negatives'))).toBeGreaterThan(0);
  const negatives = Number(await counts.getAttribute('data-negatives'));
  // A click on a histogram bar lists the samples in it, as text.
  await page.getByTestId('similarity-histogram').locator('.recharts-bar-rectangle path').last().click();
  await expect(page.getByTestId('bin-samples').locator('tbody tr').first()).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /TRL pairwise JSONL/ }).click();
  const rows = readFileSync(await (await download).path(), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(rows).toHaveLength(negatives);
  for (const row of rows) {
    // Conversational rows, as the input was: the prompt's messages, the SFT target as chosen, a self-sample as rejected.
    const source = pool.find((p) => p.prompt === row.prompt[0].content)!;
    expect(row.prompt).toEqual([{ role: 'user', content: source.prompt }]);
    expect(row.chosen).toEqual([{ role: 'assistant', content: source.completion }]);
    expect(row.rejected[0].role).toBe('assistant');
    expect(row.rejected[0].content).not.toBe(source.completion);
    expect(row.rejected[0].content).not.toContain('Answer');
  }
  expect(consoleErrors).toEqual([]);
});

test('WebGPU chosen by hand, then its device is destroyed mid-run: the lab says so, keeps what finished, and continues on WASM', async ({ page }) => {
  test.setTimeout(300_000);
  await openAndDrop(page, 24, 2, 4);
  // The LM worker's WebGPU device is destroyed at its next command once the test says so (a real loss, not a stub).
  const lm = page.workers().find((w) => w.url().includes('lm.worker'))!;
  await lm.evaluate(`(() => {
    const create = GPUDevice.prototype.createCommandEncoder;
    GPUDevice.prototype.createCommandEncoder = function (...args) { if (self.loseDeviceNow) this.destroy(); return create.apply(this, args); };
  })()`);
  await page.getByLabel('sampling backend').selectOption('webgpu');
  await page.getByRole('button', { name: /^Sample 24 prompts on webgpu/ }).click();
  // The first chunk of 8 prompts finishes on WebGPU; the device goes away while the next ones run.
  await expect(page.getByText('8 of 24 prompts have samples.')).toBeVisible({ timeout: 180_000 });
  await lm.evaluate('self.loseDeviceNow = true');
  const error = page.getByTestId('sampling-error');
  await expect(error).toBeVisible({ timeout: 120_000 });
  await expect(error).toContainText(/WebGPU/);
  const kept = Number((await error.innerText()).match(/(\d+) of 24 prompts sampled before it are kept/)![1]);
  expect([8, 16]).toContain(kept);
  await expect(page.getByText(`${kept} of 24 prompts have samples.`)).toBeVisible();
  await error.getByRole('button', { name: 'Continue on WASM' }).click();
  await expect(page.getByText('24 of 24 prompts have samples.')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('backend-sample')).toHaveAttribute('data-backend', 'wasm');
});

test('a prompt longer than the context is named at import, skipped when sampling, and left out of scoring', async ({ page, consoleErrors }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await expect(page.getByTestId('lm-info')).toHaveAttribute('data-status', 'ready');
  const long = { prompt: Array.from({ length: 400 }, (_, i) => `Ben has ${i} books and gives away ${i % 7}.`).join(' '), completion: 'The answer is 1.' };
  const text = [...pool.slice(0, 2), long].map((r) => JSON.stringify({ prompt: r.prompt, completion: r.completion })).join('\n') + '\n';
  await dropFile(page, 'with-a-long-prompt.jsonl', text);
  const tooLong = page.getByTestId('too-long');
  await expect(tooLong).toHaveAttribute('data-count', '1');
  await expect(tooLong).toContainText("longer than the model's context, 512 tokens");
  await page.getByLabel('R (samples per prompt)').fill('4');
  await page.getByLabel('max new tokens').fill('16');
  await page.getByRole('button', { name: /^Sample 3 prompts on wasm/ }).click();
  await expect(page.getByText('3 of 3 prompts have samples.')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('long-prompts')).toHaveAttribute('data-skipped', '1');
  await expect(page.getByRole('button', { name: /^Embed and score 2 prompts/ })).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test('embedding shows its progress and can be cancelled half-way at any backend speed; what was embedded is kept for the retry', async ({ page, consoleErrors }) => {
  test.setTimeout(240_000);
  // 8 prompts × 12 samples: more than two of the encoder's batches of 32 texts (the targets are embedded first, apart).
  await openAndDrop(page, 8, 12, 24);
  await page.getByRole('button', { name: /^Sample 8 prompts on wasm/ }).click();
  await expect(page.getByText('8 of 8 prompts have samples.')).toBeVisible({ timeout: 120_000 });
  await page.getByLabel('embedding backend').selectOption('webgpu');
  // The encoder is held at the samples' second batch's read-back until the Cancel has reached the worker, so the
  // cancel lands half-way however fast the GPU is; the worker also records the progress it reports.
  const embed = page.workers().find((w) => w.url().includes('embed.worker'))!;
  await embed.evaluate(`(() => {
    let open; const gate = new Promise((resolve) => { open = resolve; });
    self.openGate = () => open();
    self.sawCancel = false;
    self.addEventListener('message', (e) => { if (e.data && e.data.type === 'cancel') self.sawCancel = true; });
    self.reported = [];
    const post = self.postMessage.bind(self);
    self.postMessage = (reply, transfer) => {
      if (reply.type === 'progress' && reply.kind === 'embed') self.reported.push([reply.id, reply.progress.done, reply.progress.total]);
      return post(reply, transfer);
    };
    const mapAsync = GPUBuffer.prototype.mapAsync;
    GPUBuffer.prototype.mapAsync = function (...args) {
      return (self.reported.length === 2 ? gate : Promise.resolve()).then(() => mapAsync.apply(this, args));
    };
  })()`);
  await page.getByRole('button', { name: /^Embed and score 8 prompts/ }).click();
  const progress = page.getByTestId('scoring-progress');
  await expect(progress).toHaveAttribute('data-done', '32', { timeout: 120_000 });
  const total = Number(await progress.getAttribute('data-total'));
  expect(total).toBeGreaterThan(64);
  await progress.getByRole('button', { name: 'Cancel' }).click();
  await expect.poll(() => embed.evaluate('self.sawCancel')).toBe(true);
  await embed.evaluate('self.openGate()');
  await expect(progress).toBeHidden({ timeout: 120_000 });
  await expect(page.getByTestId('scoring-error')).toHaveCount(0);
  await expect(page.getByTestId('filter-counts')).toHaveCount(0);
  // The batch in flight when the Cancel came finishes; both batches are kept, so the retry embeds only the rest.
  await page.getByRole('button', { name: /^Embed and score 8 prompts/ }).click();
  await expect(page.getByTestId('filter-counts')).toBeVisible({ timeout: 120_000 });
  const reported = (await embed.evaluate('self.reported')) as [number, number, number][];
  const [targets, cancelled] = [reported[0]![0], reported[1]![0]];
  expect(reported.filter((r) => r[0] === targets)).toEqual([[targets, 8, 8]]);
  expect(reported.filter((r) => r[0] === cancelled)).toEqual([[cancelled, 32, total]]);
  const retry = reported.filter((r) => r[0] !== targets && r[0] !== cancelled);
  expect(new Set(retry.map((r) => r[0])).size).toBe(1);
  expect(retry.at(-1)).toEqual([retry[0]![0], total - 64, total - 64]);
  expect(consoleErrors).toEqual([]);
});
