// The backend probe: a tiny graph, softmax(x · W + b), that every execution
// provider must compute identically. The app runs it on webgpu and wasm at start.
import { Graph } from './graph';
import { add, matmul, softmax } from './ops';
import { encodeModel } from './model-proto';
import { createRng, randomNormalArray } from '../random';

export const PROBE_SHAPE = { batch: 4, features: 16, classes: 8 } as const;

export interface ProbeCase {
  model: Uint8Array;
  inputName: string;
  outputName: string;
  input: Float32Array; // [batch, features]
  inputDims: number[];
}

export function buildProbeCase(seed = 1): ProbeCase {
  const { batch, features, classes } = PROBE_SHAPE;
  const rng = createRng(seed);
  const g = new Graph('probe');
  const x = g.input('x', 'float32', ['batch', features]); // [B, F]
  const w = g.initializer('W', 'float32', [features, classes], randomNormalArray(rng, features * classes, 0.5));
  const b = g.initializer('b', 'float32', [classes], randomNormalArray(rng, classes, 0.1));
  g.output(softmax(add(matmul(x, w), b), -1), 'probs'); // [B, K]
  return {
    model: encodeModel(g.toModel()),
    inputName: 'x',
    outputName: 'probs',
    input: randomNormalArray(rng, batch * features),
    inputDims: [batch, features],
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
