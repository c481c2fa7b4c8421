import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures';
import type { SampleRequest, SampleResult } from '../src/protocol';

const prompts = readFileSync('public/builtin/test.jsonl', 'utf8').trim().split('\n').slice(0, 2).map((l) => JSON.parse(l).prompt as string);

async function sample(page: import('@playwright/test').Page, request: SampleRequest): Promise<SampleResult> {
  const result = await page.evaluate(async (req) => await window.labDebug!.sample(req).catch((e: Error) => e.message), request);
  expect(typeof result, String(result)).toBe('object');
  return result as SampleResult;
}

test('the default LM samples in the LM worker, with the same tokens for the same seed on WebGPU and WASM', async ({ page, consoleErrors }) => {
  test.setTimeout(300_000);
  await page.goto('/?debug');
  await expect(page.getByTestId('lm-info')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('backend-report')).toHaveAttribute('data-chosen', 'webgpu');

  // SwiftShader WebGPU is slow: a small request, the same on both backends.
  const request: SampleRequest = { prompts, samplesPerPrompt: 3, temperature: 1, topP: 1, topK: 0, maxNewTokens: 16, seed: 7, backend: 'wasm', stop: [], longPrompts: 'skip' };
  const wasm = await sample(page, request);
  const wasmAgain = await sample(page, request);
  const webgpu = await sample(page, { ...request, backend: 'webgpu' });

  expect(wasm.samples).toHaveLength(prompts.length * 3);
  expect(wasmAgain.samples.map((s) => s.tokens)).toEqual(wasm.samples.map((s) => s.tokens));
  const same = webgpu.samples.filter((s, i) => JSON.stringify(s.tokens) === JSON.stringify(wasm.samples[i].tokens)).length;
  const maxLogprobDiff = Math.max(...webgpu.samples.map((s, i) => (JSON.stringify(s.tokens) === JSON.stringify(wasm.samples[i].tokens) ? Math.abs(s.logprob - wasm.samples[i].logprob) : 0)));
  console.log(`webgpu vs wasm, seed 7: ${same}/${wasm.samples.length} samples token-identical; max |Δ logprob| on those ${maxLogprobDiff.toExponential(2)}; wasm ${wasm.tokensPerSecond.toFixed(0)} tok/s, webgpu ${webgpu.tokensPerSecond.toFixed(0)} tok/s`);
  // A token can differ only where the two float paths straddle a sampling boundary.
  expect(same).toBeGreaterThanOrEqual(wasm.samples.length - 1);
  expect(maxLogprobDiff).toBeLessThan(5e-3); // sums of up to 16 float32 log-probs from different kernels
  for (const s of wasm.samples) expect(typeof s.text).toBe('string');
  expect(consoleErrors).toEqual([]);
});
