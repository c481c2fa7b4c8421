// Finite-difference gradient check used by the tests: the graph's gradient
// (float32, onnxruntime-node) against central differences of the same function
// built again in float64 and evaluated by onnxruntime-node.
import { Graph, type Value } from './graph';
import type { Dim } from './model-proto';
import { constant, mul, sumAll } from './ops';
import { gradients } from './autodiff';
import { encodeModel } from './model-proto';
import { createRng, randomNormalArray } from '../random';
import type { OrtApi } from './runtime';

export interface GradInput {
  name: string;
  shape: number[];
  /** Fixed values; random normal when absent. */
  data?: number[];
  /** Integer inputs (indices) are fed as int64 and get no gradient. */
  int?: boolean;
  /** A float input the function uses without differentiating (a condition, say). */
  noGrad?: boolean;
  /** The dims the graph declares, when some should be symbolic ("batch"); `shape` is the data's. */
  dims?: Dim[];
}

export interface GradCheckResult {
  /** Largest |analytic − numeric| / (atol + rtol·|numeric|); ≤ 1 passes. */
  worst: number;
  where: string;
  checked: number;
}

export interface GradCheckOptions {
  atol?: number;
  rtol?: number;
  h?: number;
  seed?: number;
  /** The float64 function, when an op has no float64 kernel on ORT's CPU (Erf). */
  reference64?: (xs: Value[]) => Value;
  /** Check at most this many elements of each input (chosen by the seed); all when absent. */
  samplesPerInput?: number;
  /** The output's shape at run time, when the graph declares it symbolically. */
  outputShape?: number[];
  /** Differentiate with activation checkpointing (the graph's checkpoint segments rebuilt). */
  recompute?: boolean;
}

function buildLoss(dtype: 'float32' | 'float64', inputs: GradInput[], build: (xs: Value[]) => Value, seed: number, outputShape?: number[]) {
  const g = new Graph(`gradcheck_${dtype}`);
  const xs = inputs.map((i) => g.input(i.name, i.int ? 'int64' : dtype, i.dims ?? i.shape));
  const y = build(xs);
  const dims = outputShape ?? (y.shape as number[]);
  if (dims.some((d) => typeof d !== 'number')) throw new Error('gradCheck: a symbolic output shape needs outputShape');
  // Random output weights make every output element matter to the scalar loss.
  const w = randomNormalArray(createRng(seed + 1000), dims.reduce((a, b) => a * b, 1));
  const loss = sumAll(mul(y, constant(g, dtype, dims, dtype === 'float32' ? w : Float64Array.from(w), 'fd_weights')));
  return { g, xs, loss };
}

export async function gradCheck(
  ort: OrtApi,
  inputs: GradInput[],
  build: (xs: Value[]) => Value,
  options: GradCheckOptions = {},
): Promise<GradCheckResult> {
  const { atol = 1e-4, rtol = 1e-3, h = 1e-4, seed = 7 } = options;
  const rng = createRng(seed);
  const values = inputs.map((i) => {
    const n = i.shape.reduce((a, b) => a * b, 1);
    return i.data ? Float64Array.from(i.data) : Float64Array.from(randomNormalArray(rng, n));
  });
  const feed = (dtype: 'float32' | 'float64', vals: Float64Array[]) =>
    Object.fromEntries(
      inputs.map((inp, k) => {
        const t = inp.int
          ? new ort.Tensor('int64', BigInt64Array.from(vals[k], (v) => BigInt(v)), inp.shape)
          : dtype === 'float32'
            ? new ort.Tensor('float32', Float32Array.from(vals[k]), inp.shape)
            : new ort.Tensor('float64', Float64Array.from(vals[k]), inp.shape);
        return [inp.name, t];
      }),
    );

  const f32 = buildLoss('float32', inputs, build, seed, options.outputShape);
  const wrt = f32.xs.filter((_, k) => !inputs[k].int && !inputs[k].noGrad);
  const grads = gradients(f32.loss, wrt, { recompute: options.recompute });
  grads.forEach((gv, k) => f32.g.output(gv, `grad_${wrt[k].name}`));
  f32.g.output(f32.loss, 'loss');
  const analytic = await (await ort.InferenceSession.create(encodeModel(f32.g.toModel()))).run(feed('float32', values));

  const f64 = buildLoss('float64', inputs, options.reference64 ?? build, seed, options.outputShape);
  f64.g.output(f64.loss, 'loss');
  // No fusions: ORT fuses some patterns (x·sigmoid(x) → QuickGelu) into float32-only kernels.
  const session64 = await ort.InferenceSession.create(encodeModel(f64.g.toModel()), { graphOptimizationLevel: 'disabled' });
  const lossAt = async (vals: Float64Array[]): Promise<number> => Number((await session64.run(feed('float64', vals))).loss.data[0]);

  let worst = 0;
  let where = '';
  let checked = 0;
  for (let k = 0; k < inputs.length; k++) {
    if (inputs[k].int || inputs[k].noGrad) continue;
    const a = analytic[`grad_${inputs[k].name}`].data as Float32Array;
    const n = values[k].length;
    const picks = options.samplesPerInput && options.samplesPerInput < n
      ? Array.from({ length: options.samplesPerInput }, () => Math.floor(rng() * n))
      : Array.from({ length: n }, (_, i) => i);
    for (const i of picks) {
      const plus = values.map((v) => Float64Array.from(v));
      const minus = values.map((v) => Float64Array.from(v));
      plus[k][i] += h;
      minus[k][i] -= h;
      const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * h);
      const err = Math.abs(a[i] - numeric) / (atol + rtol * Math.abs(numeric));
      checked++;
      if (err > worst) {
        worst = err;
        where = `${inputs[k].name}[${i}]: analytic ${a[i]} vs numeric ${numeric}`;
      }
    }
  }
  return { worst, where, checked };
}
