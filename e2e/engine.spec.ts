import * as ort from 'onnxruntime-node';
import { test, expect } from './fixtures';
import type { Backend, EngineCheckResult, OpCoverageResult } from '../src/protocol';
import { buildOpCoverage } from '../src/lib/onnx/op-coverage';
import { buildTrainStep } from '../src/lib/onnx/train-step';
import { batchTensors, TrainSession } from '../src/lib/onnx/runtime';
import { tinyAttention } from '../src/lib/onnx/tiny-models';

const STEPS = 5;
const LR = 0.02; // the lr the store's engine check uses

/** The same 5 steps on onnxruntime-node: the reference for both browser backends. */
async function referenceParams(): Promise<Record<string, Float32Array>> {
  const task = tinyAttention(1);
  const session = await TrainSession.create(ort, buildTrainStep(task.spec), 'cpu', task.init);
  const batch = batchTensors(ort, task.batch);
  for (let s = 1; s <= STEPS; s++) await session.step(batch, LR, s);
  const params = await session.parameters();
  await session.release();
  return params;
}

// Integer index plumbing (int64 Unsqueeze/Cast of token ids) has no WebGPU kernel;
// ORT keeps those few tiny nodes on the CPU. No float compute may fall back.
const INDEX_OPS = new Set(['Unsqueeze', 'Cast', 'Squeeze', 'Shape', 'Reshape']);

for (const backend of ['webgpu', 'wasm'] as Backend[]) {
  test(`the train-step graph trains on ${backend} and matches onnxruntime-node to 1e-4`, async ({ page, consoleErrors }) => {
    await page.goto('/?debug');
    await expect(page.getByTestId('backend-report')).toHaveAttribute('data-chosen', 'webgpu');
    const result = await page.evaluate(
      async ([b, steps]) => (await window.lab!.getState().runEngineCheck(b, steps)) ?? window.lab!.getState().engine.error,
      [backend, STEPS] as const,
    );
    expect(typeof result, String(result)).toBe('object');
    const r = result as EngineCheckResult;
    expect(r.backend).toBe(backend);
    expect(r.losses).toHaveLength(STEPS);
    expect(r.losses[STEPS - 1]).toBeLessThan(r.losses[0]);

    const reference = await referenceParams();
    let worst = 0;
    for (const [name, ref] of Object.entries(reference)) {
      const got = r.params[name];
      expect(got, name).toHaveLength(ref.length);
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
    }
    console.log(`${backend}: max |Δparam| vs onnxruntime-node after ${STEPS} steps = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4);

    if (backend === 'webgpu') {
      // Parameters and moments stayed on the GPU from step 1 on.
      for (const locations of r.locations) {
        expect(Object.values(locations).every((l) => l === 'gpu-buffer'), JSON.stringify(locations)).toBe(true);
      }
      expect(r.placement.counts.JsExecutionProvider).toBeGreaterThan(100);
      const fellBack = r.placement.cpuNodes.filter((n) => !INDEX_OPS.has(n.opType));
      expect(fellBack).toEqual([]);
    } else {
      for (const locations of r.locations) expect(Object.values(locations).every((l) => l === 'cpu')).toBe(true);
    }
    await expect(page.getByTestId('engine-result')).toHaveAttribute('data-backend', backend);
    expect(consoleErrors).toEqual([]);
  });
}

test('every op the engine emits, with its gradient, runs on WebGPU and matches onnxruntime-node', async ({ page, consoleErrors }) => {
  await page.goto('/?debug');
  await expect(page.getByTestId('backend-report')).toHaveAttribute('data-chosen', 'webgpu');
  const result = await page.evaluate(async () => (await window.lab!.getState().runOpCoverage('webgpu')) ?? window.lab!.getState().engine.error);
  expect(typeof result, String(result)).toBe('object');
  const r = result as OpCoverageResult;

  const coverage = buildOpCoverage();
  const session = await ort.InferenceSession.create(coverage.model);
  const reference = await session.run(batchTensors(ort, coverage.feeds));
  let worst = 0;
  let where = '';
  for (const name of coverage.outputs) {
    const ref = reference[name].data as Float32Array;
    const got = r.outputs[name];
    expect(got, name).toHaveLength(ref.length);
    ref.forEach((v, i) => {
      const err = Math.abs(got[i] - v) / (1e-4 + 1e-4 * Math.abs(v));
      if (err > worst) [worst, where] = [err, `${name}[${i}]: webgpu ${got[i]} vs node ${v}`];
    });
  }
  console.log(`op coverage: worst |webgpu − node| / (1e-4 + 1e-4·|node|) = ${worst.toFixed(3)} at ${where}`);
  console.log(`op coverage placement: ${JSON.stringify(r.placement.counts)}; CPU nodes: ${r.placement.cpuNodes.map((n) => n.opType).join(', ')}`);
  expect(worst, where).toBeLessThanOrEqual(1);
  const fellBack = r.placement.cpuNodes.filter((n) => !INDEX_OPS.has(n.opType));
  expect(fellBack).toEqual([]);
  await expect(page.getByTestId('op-coverage')).toContainText('JsExecutionProvider');
  expect(consoleErrors).toEqual([]);
});
