// The Experiments step through the UI alone (no ?debug): the built-in task in one click, a tiny grid run from the
// page, a reload mid-grid that resumes without redoing finished cells, a CSV whose rows are the cells, and the
// implicit reward's probes (reward accuracy on self-sample pairs, best-of-k) equal to onnxruntime-node's.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import { test, expect, dropFile } from './fixtures';
import { defaultEmbedder, loadDefaultLm, readSplit } from '../src/lib/task/node-lab.testutil';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { lmCodec } from '../src/lib/model/codec';
import { selfContrastData } from '../src/lib/contrast/pipeline';
import { cellData, poolSampling } from '../src/lib/experiments/grid';
import { cellDpoConfig, trainAndEvaluate, verifierAccuracy } from '../src/lib/experiments/cell-run';
import { verify } from '../src/lib/task/builtin';
import { generate } from '../src/lib/sample/generate';
import { rewardProbes } from '../src/lib/experiments/reward-probes';
import type { LabSettings } from '../src/lib/settings';

type StoredGrid = {
  status: string; settings: LabSettings; metric: string; finishedAt: Record<string, number>;
  results: {
    cell: { method: 'sft' | 'self-contrast'; m: number; a: number; seed: number }; accuracy: number; sampledAccuracy?: number; prompts: number; steps: number; finalLoss: number;
    weightChange?: number; selfPairRewards?: { accuracy: number; margin: number }; bestOfAccuracy?: number;
  }[];
  probes?: { samples: number; prompts: number; pairs: number; randomPick: number; anyRight: number; seconds: number };
};

/** A value the page keeps beside its session (the grid, its pool's samples), as last stored: what a reload resumes. */
const stored = <T>(page: Page, key: string): Promise<T | null> => page.evaluate((k) => new Promise((resolve, reject) => {
  const req = indexedDB.open('self-contrast-lab', 1);
  req.onerror = () => reject(req.error);
  req.onsuccess = () => {
    const get = req.result.transaction('session', 'readonly').objectStore('session').get(k);
    get.onerror = () => reject(get.error);
    get.onsuccess = () => resolve(get.result ?? null);
  };
}), key);
const storedGrid = (page: Page) => stored<StoredGrid>(page, 'experiment');

test('built-in task in one click; a 2-cell grid runs from the page, resumes after a reload without redoing a cell, exports its cells and probes the trained cell\'s implicit reward', async ({ page, consoleErrors }) => {
  test.setTimeout(600_000);
  // The training and sampling settings as a link (tiny: short answers, two optimizer steps); the grid from its fields.
  await page.goto('/?trainBackend=wasm&sampleBackend=wasm&embedBackend=wasm&maxNewTokens=48&promptsPerStep=4&maxSteps=2&gridEvalSampled=2&gridRewardSamples=4');
  await expect(page.getByTestId('backend-sample')).toHaveAttribute('data-measured', 'true', { timeout: 120_000 });
  await expect(page.getByTestId('experiments-needs-task')).toBeVisible();
  await page.getByTestId('builtin-task').getByRole('button', { name: 'Use the built-in task' }).click();
  const poolRows = readFileSync('public/builtin/pool.jsonl', 'utf8').trim().split('\n').length;
  await expect(page.getByTestId('import-summary')).toHaveAttribute('data-valid', String(poolRows));

  const step = page.locator('#step-experiments');
  await step.getByRole('button', { name: 'Quick' }).click();
  // Quick carries the control; this test's two cells are SFT and Self-Contrast (the control runs in the test below).
  const control = step.getByRole('checkbox', { name: /^SFT on the pool targets/ });
  await expect(control).toBeChecked();
  await control.uncheck();
  await step.getByLabel('M values').fill('1');
  await step.getByLabel('pool prompts').fill('16');
  await step.getByLabel('test prompts').fill('16');
  await expect(step.getByTestId('grid-plan')).toHaveAttribute('data-cells', '2');
  await expect(page).toHaveURL(/gridMs=1/);
  await step.getByRole('button', { name: 'Run 2 cells' }).click();
  await expect(step.getByTestId('grid-progress')).toBeVisible();

  // SFT first (evaluation only); reload while the Self-Contrast cell samples its pool.
  const sft = step.locator('tr[data-cell="sft/seed1"]');
  await expect(sft).not.toHaveAttribute('data-finished', '', { timeout: 300_000 });
  await expect.poll(async () => (await storedGrid(page))?.results.length).toBe(1);
  const sftFinished = await sft.getAttribute('data-finished');
  await page.reload();
  await expect(step.getByTestId('grid-results')).toHaveAttribute('data-status', 'paused');
  await expect(page.getByTestId('import-summary')).toHaveAttribute('data-valid', String(poolRows));
  await step.getByRole('button', { name: /^Resume the grid \(1 of 2 cells done\)/ }).click();
  await expect(step.getByTestId('grid-results')).toHaveAttribute('data-status', 'done', { timeout: 480_000 });
  await expect(sft).toHaveAttribute('data-finished', sftFinished!);

  // The table and the paper's figures, drawn from the finished cells.
  await expect(step.getByTestId('grid-table').locator('tbody tr')).toHaveCount(2);
  // Greedy and, as the authors evaluate, 2 samples per test prompt at T = 1.
  await expect(step.getByTestId('grid-table').locator('thead')).toContainText('T = 1 accuracy, mean ± sd (%)');
  // The trained cell's implicit reward, probed on 4 T = 1 samples of the loaded model per test prompt.
  await expect(step.getByTestId('grid-table').locator('thead')).toContainText('best-of-4 by reward, mean ± sd (%)');
  await expect(step.getByTestId('grid-probes')).toContainText('4 T = 1 samples of the loaded model per test prompt');
  for (const fig of ['grid-fig4', 'grid-fig5', 'grid-fig6']) await expect(step.getByTestId(fig).locator('.recharts-wrapper > svg.recharts-surface')).toBeVisible();

  const grid = (await storedGrid(page))!;
  expect(grid.status).toBe('done');
  expect(grid.results.map((r) => `${r.cell.method}/${r.cell.m}`)).toEqual(['sft/0', 'self-contrast/1']);
  expect(grid.results[1].steps).toBe(2);
  expect(grid.results[1].weightChange).toBeGreaterThan(0);
  expect(grid.results.every((r) => r.sampledAccuracy! >= 0 && r.sampledAccuracy! <= 1)).toBe(true);
  expect(grid.probes).toMatchObject({ samples: 4, prompts: 16 });
  expect(grid.probes!.pairs).toBeGreaterThan(0);
  // SFT trains nothing, so it has no reward to probe.
  expect(grid.results[0].bestOfAccuracy).toBeUndefined();
  expect(grid.results[1].bestOfAccuracy).toBeGreaterThanOrEqual(0);
  expect(grid.results[1].selfPairRewards!.accuracy).toBeGreaterThanOrEqual(0);
  const csvDownload = page.waitForEvent('download');
  await step.getByRole('button', { name: /Download CSV/ }).click();
  const [header, ...lines] = readFileSync(await (await csvDownload).path(), 'utf8').trim().split('\n');
  const columns = header.split(',');
  const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i], v])));
  expect(rows).toHaveLength(grid.results.length);
  rows.forEach((row, i) => {
    const r = grid.results[i];
    expect(row).toMatchObject({ method: r.cell.method, M: String(r.cell.m), a: String(r.cell.a), seed: String(r.cell.seed), steps: String(r.steps), prompts: String(r.prompts) });
    expect(Number(row.accuracy)).toBe(r.accuracy);
    expect(Number(row.sampled_accuracy)).toBe(r.sampledAccuracy);
    expect(row.weight_change).toBe(r.weightChange === undefined ? '' : String(r.weightChange));
    expect(row.best_of_accuracy).toBe(r.bestOfAccuracy === undefined ? '' : String(r.bestOfAccuracy));
    expect(row.self_pair_accuracy).toBe(r.selfPairRewards === undefined ? '' : String(r.selfPairRewards.accuracy));
  });
  const svgDownload = page.waitForEvent('download');
  await step.getByTestId('grid-fig6').getByRole('button', { name: 'SVG' }).click();
  expect(readFileSync(await (await svgDownload).path(), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(consoleErrors).toEqual([]);

  // The same grid on onnxruntime-node through the same runner pieces: the same samples (so the same pairs) and the
  // same accuracies as the page's WASM run.
  const pool = (await stored<{ samples: string[][]; similarity: number[]; probeSamples: string[][] }>(page, 'experiment-pool'))!;
  const lm = await loadDefaultLm();
  const rows16 = readSplit('pool').slice(0, 16).map((r) => ({ prompt: r.prompt, target: r.completion }));
  const sampler = await DecoderSession.create(ort, lm.config, lm.weights, 'cpu');
  const data = await selfContrastData(sampler, lmCodec(lm), await defaultEmbedder(), rows16, {
    samplesPerPrompt: 32, sampling: { temperature: 1, topP: 1, topK: 0 }, maxNewTokens: grid.settings.maxNewTokens, seed: grid.settings.seed,
  });
  await sampler.release();
  expect(data.samples).toEqual(pool.samples);
  expect(Math.max(...Array.from(data.similarity, (x, i) => Math.abs(x - pool.similarity[i])))).toBeLessThan(1e-4);
  const verdicts = data.samples.map((texts, p) => texts.map((t) => verify(rows16[p].prompt, t) === true));
  const [sftCell, scCell] = grid.results;
  const records = cellData(scCell.cell, poolSampling(rows16, data, (p, j) => verdicts[p][j])).records;
  expect(records.length).toBe(scCell.prompts);
  const evalPrompts = readSplit('test').slice(0, 16).map((r) => r.prompt);
  // The reward probes: the same 4 draws per test prompt (seed + 1), so the same pairs and candidates.
  const probeSampler = await DecoderSession.create(ort, lm.config, lm.weights, 'cpu');
  const codec = lmCodec(lm);
  const drawn = await generate(probeSampler, evalPrompts.map((p) => codec.encodePrompt(p)), {
    samplesPerPrompt: 4, maxNewTokens: grid.settings.maxNewTokens, sampling: { temperature: 1, topP: 1, topK: 0 }, seed: grid.settings.seed + 1,
    eosTokenIds: codec.eosTokenIds, padTokenId: codec.padTokenId, maxBatchRows: 64,
  });
  await probeSampler.release();
  const probeSamples: string[][] = evalPrompts.map(() => []);
  for (const s of drawn) probeSamples[s.promptIndex][s.sampleIndex] = codec.decode(s.tokens);
  expect(probeSamples).toEqual(pool.probeSamples);
  const probes = rewardProbes(evalPrompts, probeSamples, (p, j) => verify(evalPrompts[p], probeSamples[p][j]) === true, grid.settings.seed);
  expect(probes.pairs.length).toBe(grid.probes!.pairs);
  const opts = {
    evalPrompts, maxNewTokens: grid.settings.maxNewTokens, sampledSamplesPerPrompt: grid.settings.gridEvalSampled,
    probes,
  };
  // The SFT model's T = 1 samples are the same random draws on WASM and node, so the same share is right; on the
  // built-in task (right or wrong) the mean grade is the accuracy.
  expect(await verifierAccuracy(ort, 'cpu', lm, lm.weights, opts)).toEqual({ greedy: sftCell.accuracy, greedyGrade: sftCell.accuracy, sampled: sftCell.sampledAccuracy });
  const node = await trainAndEvaluate(ort, 'cpu', lm, records, cellDpoConfig(grid.settings, scCell.cell, [], lm.config.maxPositions), opts);
  expect(node.steps).toBe(scCell.steps);
  expect(node.finalLoss).toBeCloseTo(scCell.finalLoss, 4);
  expect(node.accuracy).toBe(scCell.accuracy);
  // WASM's and node's log-probs agree to float error: at most one near-tied pair or pick could fall the other way.
  expect(Math.abs(node.selfPairRewards!.accuracy - scCell.selfPairRewards!.accuracy)).toBeLessThanOrEqual(1 / probes.pairs.length + 1e-12);
  expect(Math.abs(node.bestOfAccuracy! - scCell.bestOfAccuracy!)).toBeLessThanOrEqual(1 / 16 + 1e-12);
});

test('a file of your own has no verifier: the grid says so, leaves out what needs one, and scores cells by reward accuracy on held-out pairs', async ({ page, consoleErrors }) => {
  test.setTimeout(300_000);
  await page.goto('/?trainBackend=wasm&sampleBackend=wasm&embedBackend=wasm&maxNewTokens=16&promptsPerStep=4&maxSteps=2&gridMethods=self-contrast&gridMs=1&gridPrompts=16&gridEvalPrompts=8');
  await expect(page.getByTestId('backend-sample')).toHaveAttribute('data-measured', 'true', { timeout: 120_000 });
  const own = Array.from({ length: 24 }, (_, i) => JSON.stringify({ prompt: `Tell me one thing about the number ${i + 3}.`, completion: `${i + 3} is a number after ${i + 2}.` })).join('\n') + '\n';
  await dropFile(page, 'own.jsonl', own);
  await expect(page.getByTestId('import-summary')).toHaveAttribute('data-valid', '24');
  const step = page.locator('#step-experiments');
  await expect(step.getByTestId('experiments-no-verifier')).toBeVisible();
  await expect(step.getByRole('checkbox', { name: /^SFT \(the loaded model\)/ })).toBeDisabled();
  // The SFT-on-targets control needs no verifier (it is scored like any cell, by reward accuracy): it stays available.
  await expect(step.getByTestId('grid-plan')).toHaveAttribute('data-cells', '1');
  const control = step.getByRole('checkbox', { name: /^SFT on the pool targets/ });
  await expect(control).toBeEnabled();
  await control.check();
  await expect(page).toHaveURL(/gridMethods=[^&]*sft-targets/);
  await expect(step.getByTestId('grid-plan')).toHaveAttribute('data-cells', '2');
  await step.getByRole('button', { name: 'Run 2 cells', exact: true }).click();
  await expect(step.getByTestId('grid-results')).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  await expect(step.getByTestId('grid-table')).toContainText('reward accuracy, mean ± sd');
  await expect(step.getByTestId('grid-table')).toContainText('SFT on the pool targets (control)');
  const grid = (await storedGrid(page))!;
  expect(grid.metric).toBe('reward');
  expect(grid.results.map((r) => r.cell.method)).toEqual(['sft-targets', 'self-contrast']);
  for (const r of grid.results) {
    expect(r.steps).toBe(2);
    expect(r.accuracy).toBeGreaterThanOrEqual(0);
    expect(r.accuracy).toBeLessThanOrEqual(1);
  }
  // The control trains on the same prompts as Self-Contrast at M = 1, with TRL's "sft" loss: the chosen responses' NLL.
  expect(grid.results[0].prompts).toBe(grid.results[1].prompts);
  expect(grid.results[0].finalLoss).toBeGreaterThan(0);
  expect(consoleErrors).toEqual([]);
});
