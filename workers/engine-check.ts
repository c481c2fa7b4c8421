// Engine checks on one backend. engineCheck trains the tiny attention model a
// few steps (on WASM with the update apart) and reports the losses, final parameters, where state lived, and
// which nodes ORT placed on the CPU instead of the requested EP. opCoverage runs
// every op case with its gradient in one graph.
import type { Backend, EngineCheckResult, OpCoverageResult } from '../src/protocol';
import { buildOpCoverage } from '../src/lib/onnx/op-coverage';
import { buildTrainStep } from '../src/lib/onnx/train-step';
import { batchTensors, createSession, readFloats, TrainSession, type OrtApi } from '../src/lib/onnx/runtime';
import { tinyAttention } from '../src/lib/onnx/tiny-models';
import { parseNodePlacement } from '../src/lib/onnx/placement';
import { captureOrtLog } from './ort-log';

export async function engineCheck(ort: OrtApi, ep: Backend, steps: number, seed: number, lr: number, onStep: (step: number, loss: number) => void): Promise<EngineCheckResult> {
  const task = tinyAttention(seed);
  // WASM with the update apart, as models of 16M+ parameters train there (separateUpdatePays), in slices
  // small enough to cut parameters; the app's default model trains fused, which the DPO e2e tests cover.
  const graph = buildTrainStep({ ...task.spec, separateUpdate: ep === 'wasm' });
  const { value: session, lines } = await captureOrtLog(() =>
    TrainSession.create(ort, graph, ep, task.init, {}, { session: { logSeverityLevel: 0, logVerbosityLevel: 0 }, updateSlice: 7 }),
  );
  try {
    const batch = batchTensors(ort, task.batch);
    const losses: number[] = [];
    const locations: Record<string, string>[] = [];
    let t0 = performance.now();
    for (let s = 1; s <= steps; s++) {
      const loss = (await session.step(batch, lr, s)).loss[0];
      losses.push(loss);
      locations.push(session.locations());
      onStep(s, loss);
      if (s === 1) t0 = performance.now(); // step 1 uploads state and warms kernels
    }
    const msPerStep = steps > 1 ? (performance.now() - t0) / (steps - 1) : performance.now() - t0;
    const params = Object.fromEntries(Object.entries(await session.parameters()).map(([n, d]) => [n, Array.from(d)]));
    return { backend: ep, losses, params, locations, msPerStep, placement: parseNodePlacement(lines) };
  } finally {
    await session.release();
  }
}

export async function opCoverage(ort: OrtApi, ep: Backend): Promise<OpCoverageResult> {
  const coverage = buildOpCoverage();
  const { value: session, lines } = await captureOrtLog(() =>
    createSession(ort, coverage.model, ep, { logSeverityLevel: 0, logVerbosityLevel: 0 }),
  );
  try {
    const out = await session.run(batchTensors(ort, coverage.feeds));
    const outputs: Record<string, number[]> = {};
    for (const name of coverage.outputs) outputs[name] = Array.from(await readFloats(out[name]));
    return { backend: ep, outputs, placement: parseNodePlacement(lines) };
  } finally {
    await session.release();
  }
}
