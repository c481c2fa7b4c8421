// DPO from the UI on the shipped default model: train on wasm with charts and
// the runs table, pause, reload, resume from the OPFS checkpoint, export the
// trained model and load the download back; a few steps on WebGPU match wasm.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import type { LabSettings } from '../src/lib/settings';
import { test, expect, dropFile, storedSession } from './fixtures';

const pool = readFileSync('public/builtin/pool.jsonl', 'utf8').trim().split('\n');

async function preparePreferenceData(page: Page, lines: string[], settings: Partial<LabSettings>) {
  await page.goto('/?debug');
  await expect(page.getByTestId('lm-info')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('embedder-info')).toHaveAttribute('data-status', 'ready');
  await dropFile(page, 'pool.jsonl', lines.join('\n') + '\n');
  await expect(page.getByTestId('import-summary')).toHaveAttribute('data-valid', String(lines.length));
  await page.evaluate((s) => window.lab!.getState().setSettings(s), {
    samplesPerPrompt: 8, maxNewTokens: 48, seed: 3, a: 100, m: 2, shortPrompts: 'keep-fewer' as const, ...settings,
  });
  // Sampling on wasm: SwiftShader WebGPU is too slow for R = 8 here.
  await page.evaluate(() => window.lab!.getState().sampleDataset('wasm'));
  await page.getByRole('button', { name: /Embed and score/ }).click();
  // The encoder runs on WebGPU here (SwiftShader): allow it time on a busy machine.
  await expect(page.getByTestId('train-plan')).toBeVisible({ timeout: 180_000 });
}

test('DPO with RPO on wasm: charts, pause, reload resumes from the checkpoint, export loads back', async ({ page, consoleErrors }) => {
  test.setTimeout(300_000);
  await preparePreferenceData(page, pool.slice(0, 12), { promptsPerStep: 2, epochs: 10, heldOut: 20, evalPrompts: 8, checkpointEvery: 2, lr: 1e-3 });
  const plan = Number(await page.getByTestId('train-plan').getAttribute('data-steps'));
  expect(plan).toBeGreaterThanOrEqual(30);
  await page.getByLabel('RPO α (0 = off)').fill('0.5');

  await page.getByLabel('training backend').selectOption('wasm');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const status = page.getByTestId('train-status');
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 120_000 }).toBeGreaterThanOrEqual(3);
  await page.getByRole('button', { name: 'Pause' }).click();
  const runs = page.getByTestId('runs-table');
  const run = runs.locator('tbody tr[data-run^="run-"]');
  await expect(run).toHaveAttribute('data-status', 'paused');
  await expect(page.getByTestId('loss-chart')).toContainText('nll_loss');
  await expect(page.getByTestId('rewards-chart')).toBeVisible();
  // The SFT reference was evaluated first, on the same held-out task prompts.
  await expect(runs.locator('tr[data-run="sft"] [data-testid="greedy"]')).toHaveText(/%$/);
  const runId = (await run.getAttribute('data-run'))!;
  // The step in flight when Pause was pressed finishes and is saved: the chart shows the checkpoint.
  const pausedAt = await page.evaluate((id) => window.lab!.getState().checkpoints.find((c) => c.runId === id)!.step, runId);
  expect(pausedAt).toBeGreaterThanOrEqual(3);
  expect(await page.evaluate(() => window.lab!.getState().training.history.at(-1)!.step)).toBe(pausedAt);

  // The session is written to IndexedDB in coalesced batches: reload once it holds the paused run.
  await expect.poll(async () => (await storedSession(page))?.runs.find((r) => r.runId === runId)?.status).toBe('paused');
  await page.reload();
  await expect(page.getByTestId('lm-info')).toHaveAttribute('data-status', 'ready');
  const resume = page.getByRole('button', { name: new RegExp(`^Resume .* from step ${pausedAt} of ${plan}$`) });
  await expect(resume).toBeVisible();
  // A resumed run trains on with the config in its checkpoint and the data it started with, whatever the settings
  // say now: another a%, M, held-out share and seed select other pairs, which the run must not see.
  await page.evaluate(() => window.lab!.getState().setSettings({ promptsPerStep: 3, lr: 5e-2, a: 60, m: 1, heldOut: 40, seed: 9, checkpointEvery: 1, rpoAlpha: 0 }));
  await page.getByLabel('training backend').selectOption('wasm');
  await resume.click();
  await expect(page.getByTestId('runs-table').locator(`tr[data-run="${runId}"]`)).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  const history = await page.evaluate(() => window.lab!.getState().training.history.map((h) => [h.step, h.nll_loss]));
  expect(history.map(([step]) => step)).toEqual(Array.from({ length: plan }, (_, i) => i + 1));
  // RPO stays on after the resume: TRL's nll_loss is logged at every step.
  expect(history.every(([, nll]) => nll! > 0)).toBe(true);
  // After training, the run is evaluated on the same prompts as the SFT reference.
  await expect.poll(() => page.evaluate((id) => window.lab!.getState().runs.find((r) => r.runId === id)!.evaluation !== null, runId)).toBe(true);
  const evaluation = await page.evaluate((id) => window.lab!.getState().runs.find((r) => r.runId === id)!.evaluation!, runId);
  expect(evaluation.taskPrompts).toBe(8);
  expect(evaluation.greedy).not.toBeNull();
  expect(evaluation.pairs).toBeGreaterThan(0);
  expect(evaluation.rewardAccuracy).not.toBeNull();
  // The run keeps what it was evaluated on: changing M, β and the held-out share afterwards changes nothing about it.
  await page.evaluate(() => window.lab!.getState().setSettings({ heldOut: 50, m: 1, beta: 0.5 }));
  await page.evaluate((id) => window.lab!.getState().evaluateRun(id, 'wasm'), runId);
  const again = await page.evaluate((id) => window.lab!.getState().runs.find((r) => r.runId === id)!.evaluation!, runId);
  expect(again.pairs).toBe(evaluation.pairs);
  expect(again.rewardAccuracy).toBeCloseTo(evaluation.rewardAccuracy!, 6);
  await page.evaluate(() => window.lab!.getState().setSettings({ heldOut: 20, m: 2, beta: 0.1, lr: 5e-2 }));

  // Export, then load the download back as the lab's model: it is the trained policy. The settings changed
  // since the run (lr): the export carries the run's own config, in TRL's names.
  const download = page.waitForEvent('download');
  await page.getByTestId('runs-table').getByRole('button', { name: 'Download model (safetensors)' }).click();
  const path = await (await download).path();
  const { readZip } = await import('../src/lib/data/zip');
  const exported = await readZip(new Uint8Array(readFileSync(path)));
  const runConfig = JSON.parse(new TextDecoder().decode(exported.find((f) => f.name === `${runId}/dpo_config.json`)!.data));
  expect(runConfig.trl).toMatchObject({ learning_rate: 1e-3, beta: 0.1, loss_type: 'sigmoid', rpo_alpha: 0.5 });
  expect(runConfig.self_contrast).toMatchObject({ negatives_per_prompt: 2, prompts_per_step: 2 });
  expect(await page.evaluate((id) => window.lab!.getState().runs.find((r) => r.runId === id)!.config!.learning_rate, runId)).toBe(1e-3);
  await page.getByLabel('model files').setInputFiles({ name: `${runId}.zip`, mimeType: 'application/zip', buffer: readFileSync(path) });
  await expect(page.getByTestId('lm-info')).toContainText(`${runId}.zip`);
  await expect(page.getByTestId('lm-info')).toHaveAttribute('data-status', 'ready');
  await page.evaluate(() => window.lab!.getState().evaluateRun(null, 'wasm'));
  const asReference = await page.evaluate(() => window.lab!.getState().runs.find((r) => r.runId === null)!.evaluation!);
  // Same prompts, same seed, same weights: the loaded export scores exactly as the trained run did.
  expect(asReference.greedy).toBe(evaluation.greedy);
  expect(asReference.sampled).toBe(evaluation.sampled);
  expect(consoleErrors).toEqual([]);
});

test('a few DPO steps on WebGPU match the same steps on wasm, and with gradient checkpointing on', async ({ page, consoleErrors }) => {
  // A SwiftShader DPO step costs tens of seconds, growing with the sequences' length: the pool's shortest rows and
  // short samples keep three runs' six WebGPU steps well inside the limit on a busy machine.
  test.setTimeout(600_000);
  const byLength = pool.map((line) => { const r = JSON.parse(line) as { prompt: string; completion: string }; return { line, length: r.prompt.length + r.completion.length }; });
  const shortest = byLength.sort((x, y) => x.length - y.length).slice(0, 12).map((r) => r.line);
  await preparePreferenceData(page, shortest, { promptsPerStep: 2, maxSteps: 2, heldOut: 0, evalPrompts: 0, checkpointEvery: 100, lr: 1e-3, rowsPerPass: 6, maxNewTokens: 16 });
  expect(await page.evaluate(() => window.lab!.getState().backend.report!.chosen)).toBe('webgpu');
  await expect(page.getByTestId('train-plan')).toHaveAttribute('data-steps', '2');
  const train = async (backend: 'webgpu' | 'wasm') => {
    await page.evaluate((b) => window.lab!.getState().startTraining(b), backend);
    return page.evaluate(() => {
      const s = window.lab!.getState();
      return { history: s.training.history, status: s.runs.at(-1)!.status, error: s.training.error, checkpointing: s.runs.at(-1)!.config!.gradient_checkpointing };
    });
  };
  const gpu = await train('webgpu');
  expect(gpu.error).toBeNull();
  expect(gpu.status).toBe('done');
  const cpu = await train('wasm');
  expect(cpu.status).toBe('done');
  expect(gpu.history).toHaveLength(2);
  // Step 1 starts at the reference: the loss is log 2 and every reward exactly 0 on both (TRL's step-1 log).
  expect(gpu.history[0].loss).toBeCloseTo(Math.log(2), 5);
  for (const first of [gpu.history[0], cpu.history[0]]) {
    for (const name of ['rewards/chosen', 'rewards/rejected', 'rewards/margins', 'rewards/accuracies'] as const) expect(first[name], name).toBe(0);
  }
  for (let k = 0; k < 2; k++) {
    for (const name of ['loss', 'rewards/margins', 'logps/chosen', 'logps/rejected', 'grad_norm'] as const) {
      expect(Math.abs(gpu.history[k][name] - cpu.history[k][name]), `${name} at step ${k + 1}`).toBeLessThan(2e-3 * Math.max(1, Math.abs(cpu.history[k][name])));
    }
  }
  // Each layer rebuilt in the backward pass (gated Where copies on the WebGPU EP): the same steps.
  await page.evaluate(() => window.lab!.getState().setSettings({ gradientCheckpointing: 'on' }));
  const rebuilt = await train('webgpu');
  expect(rebuilt.error).toBeNull();
  expect([gpu.checkpointing, rebuilt.checkpointing]).toEqual([false, true]);
  for (const name of ['rewards/chosen', 'rewards/rejected', 'rewards/margins', 'rewards/accuracies'] as const) expect(rebuilt.history[0][name], name).toBe(0);
  for (let k = 0; k < 2; k++) {
    for (const name of ['loss', 'rewards/margins', 'logps/chosen', 'logps/rejected', 'grad_norm'] as const) {
      expect(Math.abs(rebuilt.history[k][name] - gpu.history[k][name]), `checkpointed ${name} at step ${k + 1}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(gpu.history[k][name])));
    }
  }
  expect(consoleErrors).toEqual([]);
});

test('a checkpoint the browser storage cannot hold: the run trains on in memory, says so, and its model exports; a pause says it cannot resume', async ({ page, consoleErrors }) => {
  test.setTimeout(360_000);
  await preparePreferenceData(page, pool.slice(0, 8), { promptsPerStep: 2, maxSteps: 3, heldOut: 0, evalPrompts: 0, checkpointEvery: 1, lr: 1e-3 });
  // The browser's own quota, lowered through DevTools to less than one checkpoint (the default model's weights and
  // both AdamW moments, 11 MiB): what a full disk, or an incognito window's in-memory storage at 135M, does.
  const { usage } = await page.evaluate(() => navigator.storage.estimate());
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: (usage ?? 0) + 2 ** 20 });
  await page.getByLabel('training backend').selectOption('wasm');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const run = page.getByTestId('runs-table').locator('tbody tr[data-run^="run-"]');
  await expect(run).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('checkpoint-failure')).toContainText(/the checkpoint after step 3 \(\d+ MiB\) was not saved: .*Training goes on in memory: export the model before leaving the page/);
  expect(await page.evaluate(() => window.lab!.getState().training.history.map((h) => h.step))).toEqual([1, 2, 3]);
  expect(await page.evaluate(() => window.lab!.getState().checkpoints)).toEqual([]);
  // The trained policy lives on in the worker: the model downloads.
  const download = page.waitForEvent('download');
  await page.getByTestId('runs-table').getByRole('button', { name: 'Download model (safetensors)' }).click();
  const { readZip } = await import('../src/lib/data/zip');
  const files = await readZip(new Uint8Array(readFileSync(await (await download).path())));
  expect(files.map((f) => f.name.split('/')[1])).toEqual(expect.arrayContaining(['model.safetensors', 'config.json', 'dpo_config.json']));
  // A pause keeps nothing to resume from: said, not shown as a paused run.
  await page.evaluate(() => window.lab!.getState().setSettings({ maxSteps: 200, checkpointEvery: 1000 }));
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const second = page.getByTestId('runs-table').locator('tbody tr[data-run^="run-"]').nth(1);
  await expect.poll(async () => Number(await page.getByTestId('train-status').getAttribute('data-step')), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
  await page.getByRole('button', { name: 'Pause' }).click();
  // The pause lands after the step in flight, which a busy machine can stretch past the default minute.
  await expect(second).toHaveAttribute('data-status', 'failed', { timeout: 120_000 });
  await expect(second).toContainText(/paused after step \d+, but its checkpoint did not fit this browser's storage: the run cannot be resumed/);
  await expect(page.getByRole('button', { name: /^Resume/ })).toHaveCount(0);
  expect(consoleErrors).toEqual([]);
});

test('on auto, one timed DPO step decides the backend; Stop and discard forgets a run and its checkpoint; Delete removes a finished one', async ({ page, consoleErrors }) => {
  test.setTimeout(300_000);
  await preparePreferenceData(page, pool.slice(0, 8), { promptsPerStep: 2, epochs: 20, checkpointEvery: 1, evalPrompts: 4, heldOut: 0 });
  await expect(page.getByLabel('training backend')).toHaveValue('auto');
  await expect(page.getByTestId('backend-train')).toHaveAttribute('data-measured', 'false');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  // The run waits for the measurement, then trains on the backend it picked, and says it was measured.
  const status = page.getByTestId('train-status');
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 180_000 }).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('backend-train')).toHaveAttribute('data-measured', 'true');
  const timings = await page.evaluate(() => window.lab!.getState().backend.timings.train);
  expect(timings.wasm?.ok).toBe(true);
  const runs = page.getByTestId('runs-table');
  const discarded = (await runs.locator('tbody tr[data-run^="run-"]').first().getAttribute('data-run'))!;

  await page.getByRole('button', { name: 'Stop and discard' }).click();
  await expect(runs.locator(`tr[data-run="${discarded}"]`)).toHaveAttribute('data-status', 'stopped');
  await expect.poll(() => page.evaluate((id) => window.lab!.getState().checkpoints.some((c) => c.runId === id), discarded)).toBe(false);
  await expect(page.getByRole('button', { name: /^Resume / })).toHaveCount(0);

  // A short run to the end, then Delete: its row and its checkpoint go.
  await page.evaluate(() => window.lab!.getState().setSettings({ maxSteps: 2 }));
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const finished = runs.locator('tbody tr[data-run^="run-"][data-status="done"]');
  await expect(finished).toHaveCount(1, { timeout: 180_000 });
  const doneId = (await finished.getAttribute('data-run'))!;
  expect(await page.evaluate((id) => window.lab!.getState().checkpoints.some((c) => c.runId === id), doneId)).toBe(true);
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'idle', { timeout: 120_000 });
  await runs.locator(`tr[data-run="${doneId}"]`).getByRole('button', { name: 'Delete' }).click();
  await expect(runs.locator(`tr[data-run="${doneId}"]`)).toHaveCount(0);
  await expect.poll(() => page.evaluate((id) => window.lab!.getState().checkpoints.some((c) => c.runId === id), doneId)).toBe(false);
  expect(consoleErrors).toEqual([]);
});
