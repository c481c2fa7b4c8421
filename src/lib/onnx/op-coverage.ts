// One graph holding every op case and its gradient (op-cases.ts), so a single
// session shows which ops an execution provider runs and whether its numbers
// match another provider's.
import { Graph, type Value } from './graph';
import { add, constant, mul, sumAll } from './ops';
import { gradients } from './autodiff';
import { encodeModel } from './model-proto';
import { OP_CASES } from './op-cases';
import { createRng, randomNormalArray } from '../random';
import type { HostBatchTensor } from './runtime';

export interface OpCoverageGraph {
  model: Uint8Array;
  feeds: Record<string, HostBatchTensor>;
  /** `loss`, then `grad.<input>` for every differentiable input. */
  outputs: string[];
}

export function buildOpCoverage(seed = 11): OpCoverageGraph {
  const rng = createRng(seed);
  const g = new Graph('op_coverage');
  const feeds: Record<string, HostBatchTensor> = {};
  const wrt: Value[] = [];
  let loss: Value | null = null;
  OP_CASES.forEach((c, i) => {
    const xs = c.inputs.map((inp) => {
      const name = `c${i}_${inp.name}`;
      const n = inp.shape.reduce((a, b) => a * b, 1);
      const values = inp.data ?? Array.from(randomNormalArray(rng, n));
      feeds[name] = inp.int
        ? { type: 'int64', data: BigInt64Array.from(values, (v) => BigInt(v)), dims: inp.shape }
        : { type: 'float32', data: Float32Array.from(values), dims: inp.shape };
      const x = g.input(name, inp.int ? 'int64' : 'float32', inp.shape);
      if (!inp.int && !inp.noGrad) wrt.push(x);
      return x;
    });
    const y = c.f(xs);
    const dims = y.shape as number[];
    const w = constant(g, 'float32', dims, randomNormalArray(rng, dims.reduce((a, b) => a * b, 1)), `w${i}`);
    const term = sumAll(mul(y, w));
    loss = loss ? add(loss, term) : term;
  });
  const grads = gradients(loss!, wrt);
  g.output(loss!, 'loss');
  grads.forEach((d, k) => g.output(d, `grad.${wrt[k].name}`));
  return { model: encodeModel(g.toModel()), feeds, outputs: ['loss', ...wrt.map((x) => `grad.${x.name}`)] };
}
