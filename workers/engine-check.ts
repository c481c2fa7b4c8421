// Trains the tiny attention model for a few steps on one backend, reporting the
// losses, final parameters, where state lived, and which nodes ORT placed on
// the CPU instead of the requested EP.
import type { Backend, EngineCheckResult } from '../src/protocol';
import { buildTrainStep } from '../src/lib/onnx/train-step';
import { batchTensors, TrainSession, type OrtApi } from '../src/lib/onnx/runtime';
import { tinyAttention } from '../src/lib/onnx/tiny-models';
import { parseNodePlacement } from '../src/lib/onnx/placement';
import { captureOrtLog } from './ort-log';

export async function engineCheck(ort: OrtApi, ep: Backend, steps: number, seed: number, lr: number, onStep: (step: number, loss: number) => void): Promise<EngineCheckResult> {
  const task = tinyAttention(seed);
  const graph = buildTrainStep(task.spec);
  const { value: session, lines } = await captureOrtLog(() =>
    TrainSession.create(ort, graph, ep, task.init, {}, { logSeverityLevel: 0, logVerbosityLevel: 0 }),
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
