// Time per train step (forward + backward + AdamW, one ONNX graph) of the tiny
// causal attention model: onnxruntime-node vs Chromium on wasm, in one run.
//   npm run bench:train-step   (builds the app first)
import * as ort from 'onnxruntime-node';
import type { EngineCheckResult } from '../src/protocol';
import { buildTrainStep } from '../src/lib/onnx/train-step';
import { batchTensors, TrainSession } from '../src/lib/onnx/runtime';
import { tinyAttention, TINY_ATTENTION } from '../src/lib/onnx/tiny-models';
import { openLab } from './browser';

const STEPS = Number(process.env.STEPS ?? 50);

async function nodeMsPerStep(): Promise<number> {
  const task = tinyAttention(1);
  const session = await TrainSession.create(ort, buildTrainStep(task.spec), 'cpu', task.init);
  const batch = batchTensors(ort, task.batch);
  await session.step(batch, 0.02, 1);
  const t0 = performance.now();
  for (let s = 2; s <= STEPS; s++) await session.step(batch, 0.02, s);
  const ms = (performance.now() - t0) / (STEPS - 1);
  await session.release();
  return ms;
}

const node = await nodeMsPerStep();
const lab = await openLab();
const wasm = await lab.page.evaluate(async (steps) => (await window.lab!.getState().runEngineCheck('wasm', steps)) as EngineCheckResult, STEPS);
await lab.close();

const { B, T, C, H, V } = TINY_ATTENTION;
console.log(`train step, tiny attention (B=${B} T=${T} C=${C} H=${H} V=${V}), mean of steps 2..${STEPS}`);
console.log(`  onnxruntime-node (cpu)   ${node.toFixed(3)} ms/step`);
console.log(`  chromium wasm            ${wasm.msPerStep.toFixed(3)} ms/step`);
console.log(`  wasm / node              ${(wasm.msPerStep / node).toFixed(2)}x`);
