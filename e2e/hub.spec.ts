// Models by Hub id from a local server in the Hub's URL layout (e2e/hub-server.ts),
// the app pointed at it by its hubHost setting; and the same fixtures as dropped files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadLm } from '../src/lib/model/load';
import { referenceLogits } from '../src/lib/model/reference.testutil';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

const HUB = 'http://127.0.0.1:4180';
test.use({ allowedOrigins: [HUB] });

const LMS = ['lab-tiny/llama-sharded', 'lab-tiny/qwen2-bf16', 'lab-tiny/gpt2'];

async function open(page: Page) {
  await page.goto(`/?debug&hubHost=${encodeURIComponent(HUB)}`);
  await expect(page.getByTestId('lm-info')).toHaveAttribute('data-status', 'ready');
}

async function check(page: Page, id: string) {
  await page.getByLabel('Hub model id').fill(id);
  await page.getByRole('button', { name: 'Check size' }).click();
}

async function sampleTwo(page: Page) {
  return page.evaluate(() => window.labDebug!.sample({
    prompts: ['Ben has 32 books. He gives away 4. How many books does Ben have now?'], samplesPerPrompt: 2, temperature: 1, topP: 1, topK: 0,
    maxNewTokens: 8, seed: 1, backend: 'wasm', stop: [], longPrompts: 'skip',
  }));
}

const requests = async (): Promise<{ method: string; path: string; range: string | null; status: number }[]> => (await fetch(`${HUB}/__requests`)).json();

test('Hub ids (sharded Llama, BF16 Qwen2, GPT-2): size first, download, logits equal the reference, cached for next time', async ({ page, consoleErrors }) => {
  test.setTimeout(180_000);
  await open(page);
  for (const id of LMS) {
    await check(page, id);
    const plan = page.getByTestId('hub-plan');
    await expect(plan).toBeVisible();
    expect(Number(await plan.getAttribute('data-total'))).toBeGreaterThan(100_000);
    await expect(plan).toContainText('M parameters: download');
    await plan.getByRole('button', { name: 'Download and load' }).click();
    await expect(page.getByTestId('lm-info')).toContainText(`${HUB}/${id}@main`);
    await expect(page.getByTestId('lm-info')).toHaveAttribute('data-status', 'ready');
    const result = await sampleTwo(page);
    expect(result!.samples).toHaveLength(2);
    expect(result!.samples.every((s) => s.tokens.length > 0)).toBe(true);
    // The downloaded model's logits in the browser, on both backends, equal the float64 reference on the fixture's own files.
    const text = 'Ben has 32 books. He gives away 4.';
    const dir = `e2e/hub-fixtures/${id}`;
    const lm = await loadLm(async (f) => (existsSync(`${dir}/${f}`) ? new Uint8Array(readFileSync(`${dir}/${f}`)) : null));
    for (const backend of ['wasm', 'webgpu'] as const) {
      const got = await page.evaluate(([t, b]) => window.labDebug!.nextTokenLogits(t, b).then((r) => ({ ids: r.ids, logits: Array.from(r.logits) })), [text, backend] as const);
      expect(got.ids).toEqual(lm.tokenizer.encode(text));
      const T = got.ids.length;
      const reference = referenceLogits(lm.config, lm.weights, { ids: [got.ids], mask: [got.ids.map(() => 1)], positions: [got.ids.map((_, t) => t)] })[0][T - 1];
      expect(Math.max(...reference.map((r, v) => Math.abs(r - got.logits[v]))), `${id} on ${backend}`).toBeLessThan(1e-3);
    }
  }
  // Everything is in the browser's cache now: the plan says so, and loading downloads nothing.
  const before = (await requests()).filter((r) => r.method === 'GET' && r.path.includes('llama-sharded')).length;
  await check(page, LMS[0]);
  const plan = page.getByTestId('hub-plan');
  await expect(plan).toContainText('already in this browser');
  expect(await plan.getAttribute('data-cached')).toBe(await plan.getAttribute('data-total'));
  await plan.getByRole('button', { name: 'Download and load' }).click();
  await expect(page.getByTestId('lm-info')).toContainText(`${HUB}/${LMS[0]}@main`);
  const after = (await requests()).filter((r) => r.method === 'GET' && r.path.includes('llama-sharded')).length;
  // Optional files the repository does not have are asked for again; no file that exists is fetched twice.
  const refetched = (await requests()).filter((r) => r.method === 'GET' && r.path.includes('llama-sharded') && r.status === 200).map((r) => r.path);
  expect(new Set(refetched).size).toBe(refetched.length);
  expect(after - before).toBeLessThanOrEqual(1);

  // One place clears every download: the next plan finds only the metadata it just read (config.json, the shard index), no weights.
  await page.getByRole('button', { name: 'clear downloaded models' }).click();
  await expect(page.getByTestId('clear-downloads')).toHaveAttribute('data-state', 'cleared');
  await check(page, LMS[0]);
  const cleared = page.getByTestId('hub-plan');
  await expect(cleared).toBeVisible();
  expect(Number(await cleared.getAttribute('data-cached'))).toBeLessThan(Number(await cleared.getAttribute('data-total')) / 10);
  expect(consoleErrors).toEqual([]);
});

test('a download cut off half-way is named, keeps the loaded model, and resumes with a Range request', async ({ page, consoleErrors }) => {
  test.setTimeout(120_000);
  await open(page);
  await check(page, 'lab-tiny/flaky-llama');
  await page.getByTestId('hub-plan').getByRole('button', { name: 'Download and load' }).click();
  await expect(page.getByRole('alert')).toContainText(/received \d+ of \d+ bytes \(truncated download\)/);
  await expect(page.getByTestId('lm-info')).toContainText('/models/lm/');
  await page.getByTestId('hub-plan').getByRole('button', { name: 'Download and load' }).click();
  await expect(page.getByTestId('lm-info')).toContainText(`${HUB}/lab-tiny/flaky-llama@main`);
  await expect(page.getByTestId('lm-info')).toHaveAttribute('data-status', 'ready');
  const resumed = (await requests()).filter((r) => r.path.endsWith('flaky-llama/resolve/main/model-00001-of-00002.safetensors') && r.range);
  expect(resumed).toHaveLength(1);
  expect(resumed[0].status).toBe(206);
  expect(Number(resumed[0].range!.match(/bytes=(\d+)-/)![1])).toBeGreaterThan(0);
  expect(consoleErrors).toEqual([]);
});

test('a missing repository, an unsupported architecture and a malformed id are named; the loaded model stays', async ({ page, consoleErrors }) => {
  await open(page);
  const picker = page.getByTestId('hub-picker');
  await check(page, 'lab-tiny/no-such-model');
  await expect(picker.getByRole('alert')).toContainText('lab-tiny/no-such-model: config.json is missing');
  await check(page, 'lab-tiny/bert-unsupported');
  await expect(picker.getByRole('alert')).toContainText('model_type "bert" is not supported; supported: llama, mistral, qwen2, gpt2');
  await check(page, 'not a model id');
  await expect(picker.getByRole('alert')).toContainText('"not a model id" is not a Hub model id');
  await expect(page.getByTestId('lm-info')).toContainText('/models/lm/');
  await expect(page.getByTestId('lm-info')).toHaveAttribute('data-status', 'ready');
  expect(consoleErrors).toEqual([]);
});

test('an embedding model by Hub id and as a dropped folder (transformers.js layout) embeds as the shipped files do', async ({ page, consoleErrors }) => {
  await open(page);
  await expect(page.getByTestId('embedder-info')).toHaveAttribute('data-status', 'ready');
  const texts = ['Ben has 28 books.', 'I cannot help with that.'];
  const local = await page.evaluate((t) => window.labDebug!.embedTexts(t, 'wasm'), texts);
  await page.getByLabel('Hub embedding model id').fill('lab-tiny/embed');
  await page.getByRole('button', { name: 'Load encoder' }).click();
  await expect(page.getByTestId('embedder-info')).toContainText(`${HUB}/lab-tiny/embed@main`);
  await expect(page.getByTestId('embedder-info')).toHaveAttribute('data-status', 'ready');
  const hub = await page.evaluate((t) => window.labDebug!.embedTexts(t, 'wasm'), texts);
  expect(hub.computed).toBe(2); // a different source: nothing reused from the local model's cache
  const a = Array.from(local.vectors);
  const b = Array.from(hub.vectors);
  expect(Math.max(...a.map((x, i) => Math.abs(x - b[i])))).toBeLessThan(1e-5);
  expect((await requests()).some((r) => r.path === '/lab-tiny/embed/resolve/main/onnx/model.onnx' && r.status === 200)).toBe(true);

  // The same encoder as a dropped folder.
  await page.getByLabel('encoder folder').setInputFiles('models/embed');
  await expect(page.getByTestId('embedder-info')).toContainText('embed/');
  await expect(page.getByTestId('embedder-info')).toHaveAttribute('data-status', 'ready');
  const dropped = await page.evaluate((t) => window.labDebug!.embedTexts(t, 'wasm'), texts);
  expect(Math.max(...Array.from(dropped.vectors).map((x, i) => Math.abs(x - a[i])))).toBeLessThan(1e-5);

  // A model whose sentence-transformers pooling config says CLS (as UAE-Large-V1's does) is pooled by CLS:
  // its vectors are the normalised first-token states, which transformers.js computes here in Node as the reference.
  await page.getByLabel('Hub embedding model id').fill('lab-tiny/embed-cls');
  await page.getByRole('button', { name: 'Load encoder' }).click();
  await expect(page.getByTestId('embedder-info')).toContainText(`${HUB}/lab-tiny/embed-cls@main`);
  await expect(page.getByTestId('embedder-info')).toHaveAttribute('data-pooling', 'cls');
  await expect(page.getByTestId('embedder-info')).toContainText("CLS pooling (the model's 1_Pooling/config.json)");
  const cls = Array.from((await page.evaluate((t) => window.labDebug!.embedTexts(t, 'wasm'), texts)).vectors);
  const { env, pipeline } = await import('@huggingface/transformers');
  env.localModelPath = 'models/';
  env.allowRemoteModels = false;
  const extractor = await pipeline('feature-extraction', 'embed', { dtype: 'fp32', device: 'cpu' });
  const reference = Array.from((await extractor(texts, { pooling: 'cls', normalize: true })).data as Float32Array);
  expect(Math.max(...cls.map((x, i) => Math.abs(x - reference[i])))).toBeLessThan(1e-4);
  expect(Math.max(...cls.map((x, i) => Math.abs(x - a[i])))).toBeGreaterThan(1e-2); // not the mean-pooled vectors
  // The setting overrides the model: mean pooling gives the shipped vectors again.
  await page.getByLabel('embedding pooling').selectOption('mean');
  await expect(page.getByTestId('embedder-info')).toHaveAttribute('data-pooling', 'mean');
  const mean = Array.from((await page.evaluate((t) => window.labDebug!.embedTexts(t, 'wasm'), texts)).vectors);
  expect(Math.max(...mean.map((x, i) => Math.abs(x - a[i])))).toBeLessThan(1e-5);
  expect(consoleErrors).toEqual([]);
});

test('the same fixtures as dropped model files load and sample', async ({ page, consoleErrors }) => {
  await open(page);
  for (const id of LMS) {
    const dir = `e2e/hub-fixtures/${id}`;
    await page.getByLabel('model files').setInputFiles(readdirSync(dir).map((f) => `${dir}/${f}`));
    await expect(page.getByTestId('lm-info')).toContainText('config.json');
    await expect(page.getByTestId('lm-info')).toHaveAttribute('data-status', 'ready');
    expect((await sampleTwo(page))!.samples).toHaveLength(2);
  }
  // A whole folder, as the folder picker gives it (paths under the folder's name).
  await page.getByLabel('model folder').setInputFiles('e2e/hub-fixtures/lab-tiny/llama-sharded');
  await expect(page.getByTestId('lm-info')).toContainText('from llama-sharded/');
  await expect(page.getByTestId('lm-info')).toHaveAttribute('data-status', 'ready');
  expect(consoleErrors).toEqual([]);
});

test('a settings link reproduces the experiment in a fresh profile, models included; an invalid value is said on the page', async ({ page, consoleErrors }) => {
  const link = `/?hubHost=${encodeURIComponent(HUB)}&lm=lab-tiny%2Fllama-sharded&embedder=lab-tiny%2Fembed&samplesPerPrompt=12&a=50&m=2.5`;
  await page.goto(link);
  await expect(page.getByTestId('lm-info')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('lm-info')).toContainText(`${HUB}/lab-tiny/llama-sharded@main`);
  await expect(page.getByTestId('embedder-info')).toContainText(`${HUB}/lab-tiny/embed@main`);
  await expect(page.getByLabel('R (samples per prompt)')).toHaveValue('12');
  await expect(page.getByTestId('link-notes')).toContainText("The link's m=2.5 is not a valid value");
  await expect(page.getByLabel('negatives per prompt')).toHaveCount(0); // the filter shows after scoring; M stays the default
  const url = new URL(page.url());
  expect(url.searchParams.get('lm')).toBe('lab-tiny/llama-sharded');
  expect(url.searchParams.get('a')).toBe('50');
  expect(url.searchParams.get('m')).toBeNull();
  // A field cleared by hand is shown as invalid and never becomes the setting.
  await page.getByLabel('R (samples per prompt)').fill('');
  await expect(page.getByLabel('R (samples per prompt)')).toHaveAttribute('aria-invalid', 'true');
  expect(new URL(page.url()).searchParams.get('samplesPerPrompt')).toBe('12');
  expect(consoleErrors).toEqual([]);
});
