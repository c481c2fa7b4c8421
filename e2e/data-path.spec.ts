import { readFileSync } from 'node:fs';
import { test, expect, dropFile, storedSession } from './fixtures';
import { importLargeJsonl } from './large-import';

const builtin = readFileSync('public/builtin/test.jsonl', 'utf8').trim().split('\n').slice(0, 3);
const file = [builtin[0], '{"prompt": "no target here"}', builtin[1], builtin[2]].join('\n') + '\n';

test('drop a JSONL file, sample, score, move a%, and export what the filter kept', async ({ page, consoleErrors }) => {
  test.setTimeout(240_000);
  await page.goto('/?debug');
  await expect(page.getByTestId('lm-info')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('embedder-info')).toHaveAttribute('data-status', 'ready');

  // Drag and drop onto the page, as a person would.
  await dropFile(page, 'sft.jsonl', file);
  const summary = page.getByTestId('import-summary');
  await expect(summary).toHaveAttribute('data-valid', '3');
  await expect(summary).toHaveAttribute('data-errors', '1');
  await expect(page.getByTestId('import-errors')).toContainText('line 2, (line): no known format');

  // Sample on wasm (SwiftShader WebGPU is too slow for R = 8 here), small settings.
  await page.evaluate(() => window.lab!.getState().setSettings({ samplesPerPrompt: 8, maxNewTokens: 48, seed: 3 }));
  await page.evaluate(() => window.lab!.getState().sampleDataset('wasm'));
  await expect(page.getByText('3 of 3 prompts have samples.')).toBeVisible();
  await expect(page.getByTestId('prompt-strip').locator('.cell.done')).toHaveCount(3);

  await page.getByRole('button', { name: /Embed and score 3 prompts/ }).click();
  const counts = page.getByTestId('filter-counts');
  await expect(counts).toBeVisible();
  const poolAt = async () => Number(await counts.getAttribute('data-pool'));
  const before = await poolAt();
  await page.getByLabel('a percent').fill('100');
  await expect.poll(poolAt).toBeGreaterThan(before);
  await page.getByLabel('negatives per prompt').fill('2');
  // Samples identical to the target never count (a refusal prompt's samples may all be the target):
  // prompts left with fewer than 2 candidates are skipped, the rest give exactly 2 negatives.
  await expect.poll(async () => 2 * (3 - Number(await counts.getAttribute('data-short'))) - Number(await counts.getAttribute('data-negatives'))).toBe(0);
  const negatives = Number(await counts.getAttribute('data-negatives'));
  expect(negatives).toBeGreaterThan(0);

  // The per-prompt view lists samples as text with their fate.
  await expect(page.getByTestId('prompt-view')).toContainText('Target:');
  await expect(page.getByTestId('prompt-view').locator('tbody tr')).toHaveCount(8);

  // The built-in task has a verifier, so the data-accuracy chart is drawn.
  await expect(page.getByTestId('data-accuracy-chart')).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /TRL pairwise JSONL/ }).click();
  const rows = readFileSync(await (await download).path(), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(rows).toHaveLength(negatives);
  const state = await page.evaluate(() => {
    const d = window.lab!.getState().data;
    return { rows: d.rows.map((r) => ({ prompt: r.prompt, target: r.target })), samples: d.samples, negatives: Array.from(d.filter!.negatives), offsets: Array.from(d.scored!.table.offsets) };
  });
  // Each exported row: chosen = that prompt's SFT target, rejected = a negative the filter kept, never the target.
  rows.forEach((row, k) => {
    const p = state.rows.findIndex((r) => r.prompt === row.prompt);
    expect(row.chosen).toBe(state.rows[p].target);
    const neg = state.negatives[k];
    expect(row.rejected).toBe(state.samples[p]![neg - state.offsets[p]]);
    expect(row.rejected.trim()).not.toBe(row.chosen.trim());
  });

  const settingsDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Settings record' }).click();
  const record = JSON.parse(readFileSync(await (await settingsDownload).path(), 'utf8'));
  expect(record.settings).toMatchObject({ a: 100, m: 2, samplesPerPrompt: 8, maxNewTokens: 48, seed: 3 });
  expect(record.counts).toMatchObject({ prompts: 3, pairs: negatives });
  expect(consoleErrors).toEqual([]);
});

test('a reload restores the session; "New session" clears it', async ({ page, consoleErrors }) => {
  test.setTimeout(240_000);
  await page.goto('/?debug');
  await expect(page.getByTestId('embedder-info')).toHaveAttribute('data-status', 'ready');
  await page.evaluate(async (text) => {
    const lab = window.lab!.getState();
    await lab.importFile(new File([text], 'sft.jsonl'));
    lab.setSettings({ samplesPerPrompt: 4, maxNewTokens: 32, a: 50, m: 1 });
    await window.lab!.getState().sampleDataset('wasm');
    await window.lab!.getState().scoreSamples('wasm');
  }, file);
  const counts = page.getByTestId('filter-counts');
  await expect(counts).toBeVisible();
  const before = { pool: await counts.getAttribute('data-pool'), negatives: await counts.getAttribute('data-negatives') };
  await expect.poll(async () => {
    const stored = await storedSession(page);
    return stored?.data.scored != null && stored.settings.m === 1;
  }).toBe(true);

  await page.reload();
  await expect(page.getByTestId('import-summary')).toHaveAttribute('data-valid', '3');
  await expect(page.getByText('3 of 3 prompts have samples.')).toBeVisible();
  await expect(counts).toHaveAttribute('data-pool', before.pool!);
  await expect(counts).toHaveAttribute('data-negatives', before.negatives!);
  await expect(page.getByLabel('negatives per prompt')).toHaveValue('1');

  await page.getByRole('button', { name: 'New session' }).click();
  await expect(page.getByTestId('import-summary')).toHaveCount(0);
  await expect.poll(async () => (await storedSession(page))?.data.rows.length ?? 0).toBe(0);
  await page.reload();
  await expect(page.getByTestId('lm-info')).toBeVisible();
  await expect(page.getByTestId('import-summary')).toHaveCount(0);
  expect(consoleErrors).toEqual([]);
});

// Its speed and the page thread's longest gap are figures of `npm run bench:import`, not assertions: load changes them.
test('a 100 MB JSONL file imports in the worker, with progress drawn on the page while it runs', async ({ page, consoleErrors }) => {
  test.setTimeout(240_000);
  await page.goto('/?debug');
  await expect(page.getByTestId('lm-info')).toBeVisible();
  const r = await page.evaluate(importLargeJsonl, 100);
  console.log(`100 MB import: ${r.mb.toFixed(0)} MB, ${r.rows} rows in ${(r.ms / 1000).toFixed(1)} s; longest page-thread gap ${r.maxGap.toFixed(0)} ms; progress shown on ${r.progressSeen} ticks`);
  expect(r.rows).toBe(r.lines);
  expect(r.errors).toBe(0);
  expect(r.progressSeen).toBeGreaterThan(0);
  expect(consoleErrors).toEqual([]);
});
