// One small case per gradient rule: shared by the finite-difference tests and
// by the op-coverage graph the browser runs on WebGPU and WASM.
import type { Value } from './graph';
import type { GradInput } from './gradcheck';
import * as op from './ops';

const positive = (n: number, from = 0.5) => Array.from({ length: n }, (_, i) => from + 0.37 * i);
const awayFromZero = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1) * (0.2 + 0.13 * i));

export interface OpCase {
  rule: string;
  name: string;
  inputs: GradInput[];
  f: (xs: Value[]) => Value;
  f64?: (xs: Value[]) => Value;
}

/** erf by its Maclaurin series in float64 (ORT's CPU has no float64 Erf); 40 terms suffice for |x| < 3. */
function erfSeries(x: Value): Value {
  let sum: Value | null = null;
  let factorial = 1;
  for (let n = 0; n < 40; n++) {
    if (n > 0) factorial *= n;
    const coef = ((n % 2 ? -1 : 1) * 2) / (Math.sqrt(Math.PI) * factorial * (2 * n + 1));
    const term = op.mul(op.pow(x, 2 * n + 1), coef);
    sum = sum ? op.add(sum, term) : term;
  }
  return sum!;
}

export const OP_CASES: OpCase[] = [
  { rule: 'Add', name: 'row broadcast', inputs: [{ name: 'x', shape: [2, 3] }, { name: 'b', shape: [3] }], f: ([x, b]) => op.add(x, b) },
  { rule: 'Add', name: 'column broadcast', inputs: [{ name: 'x', shape: [2, 3] }, { name: 'y', shape: [2, 1] }], f: ([x, y]) => op.add(x, y) },
  { rule: 'Sub', name: 'broadcast', inputs: [{ name: 'x', shape: [2, 3] }, { name: 'y', shape: [1, 3] }], f: ([x, y]) => op.sub(x, y) },
  { rule: 'Mul', name: 'broadcast', inputs: [{ name: 'x', shape: [2, 3] }, { name: 'y', shape: [3] }], f: ([x, y]) => op.mul(x, y) },
  { rule: 'Div', name: 'broadcast', inputs: [{ name: 'x', shape: [2, 3] }, { name: 'y', shape: [3], data: positive(3) }], f: ([x, y]) => op.div(x, y) },
  { rule: 'Pow', name: 'square', inputs: [{ name: 'x', shape: [2, 3] }], f: ([x]) => op.pow(x, 2) },
  { rule: 'Pow', name: 'cube', inputs: [{ name: 'x', shape: [2, 3] }], f: ([x]) => op.pow(x, 3) },
  { rule: 'Pow', name: 'square root power', inputs: [{ name: 'x', shape: [4], data: positive(4) }], f: ([x]) => op.pow(x, 0.5) },
  { rule: 'Neg', name: '', inputs: [{ name: 'x', shape: [5] }], f: ([x]) => op.neg(x) },
  { rule: 'Sqrt', name: '', inputs: [{ name: 'x', shape: [5], data: positive(5) }], f: ([x]) => op.sqrt(x) },
  { rule: 'Reciprocal', name: '', inputs: [{ name: 'x', shape: [5], data: positive(5) }], f: ([x]) => op.reciprocal(x) },
  { rule: 'Exp', name: '', inputs: [{ name: 'x', shape: [5] }], f: ([x]) => op.exp(x) },
  { rule: 'Log', name: '', inputs: [{ name: 'x', shape: [5], data: positive(5) }], f: ([x]) => op.log(x) },
  { rule: 'Tanh', name: '', inputs: [{ name: 'x', shape: [5] }], f: ([x]) => op.tanh(x) },
  { rule: 'Sigmoid', name: '', inputs: [{ name: 'x', shape: [5] }], f: ([x]) => op.sigmoid(x) },
  { rule: 'Sigmoid', name: 'SiLU, σ recomputed in the backward pass', inputs: [{ name: 'x', shape: [2, 5] }], f: ([x]) => {
    const s = op.sigmoid(x);
    x.graph.recomputed.add(s.name);
    return op.mul(x, s);
  } },
  { rule: 'Erf', name: '', inputs: [{ name: 'x', shape: [5] }], f: ([x]) => op.erf(x), f64: ([x]) => erfSeries(x) },
  { rule: 'Relu', name: '', inputs: [{ name: 'x', shape: [6], data: awayFromZero(6) }], f: ([x]) => op.relu(x) },
  { rule: 'Clip', name: '', inputs: [{ name: 'x', shape: [6], data: [-2, -0.5, 0.1, 0.6, 1.7, 3] }], f: ([x]) => op.clip(x, -1, 1.5) },
  {
    rule: 'Where', name: 'broadcast branches',
    inputs: [{ name: 'c', shape: [2, 3], data: [1, -1, 1, -1, -1, 1], noGrad: true }, { name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }],
    f: ([c, a, b]) => op.where(op.greater(c, op.mul(c, 0)), a, b),
  },
  { rule: 'Cast', name: 'float to float', inputs: [{ name: 'x', shape: [4] }], f: ([x]) => op.mul(op.cast(x, x.dtype), x) },
  { rule: 'Expand', name: '', inputs: [{ name: 'x', shape: [3, 1] }], f: ([x]) => op.expand(x, [2, 3, 4]) },
  { rule: 'Softmax', name: 'last axis', inputs: [{ name: 'x', shape: [2, 5] }], f: ([x]) => op.softmax(x, -1) },
  { rule: 'Softmax', name: 'first axis', inputs: [{ name: 'x', shape: [3, 2] }], f: ([x]) => op.softmax(x, 0) },
  { rule: 'ReduceMax', name: 'log-softmax composite', inputs: [{ name: 'x', shape: [2, 5] }], f: ([x]) => op.logSoftmax(x, -1) },
  { rule: 'ReduceSum', name: 'keepdims', inputs: [{ name: 'x', shape: [2, 3, 4] }], f: ([x]) => op.reduceSum(x, [1], true) },
  { rule: 'ReduceSum', name: 'dropped dims', inputs: [{ name: 'x', shape: [2, 3, 4] }], f: ([x]) => op.reduceSum(x, [0, 2], false) },
  { rule: 'ReduceMean', name: '', inputs: [{ name: 'x', shape: [2, 3, 4] }], f: ([x]) => op.reduceMean(x, [-1], false) },
  // Reductions whose gradient elementwise ops read: broadcast there instead of expanded (autodiff).
  { rule: 'ReduceSum', name: 'read by Mul and Add', inputs: [{ name: 'x', shape: [2, 3, 4] }], f: ([x]) => op.mul(x, op.reduceSum(x, [-1], true)) },
  { rule: 'ReduceMean', name: 'read by Sub', inputs: [{ name: 'x', shape: [2, 3, 4] }], f: ([x]) => op.mul(x, op.sub(x, op.reduceMean(x, [1], true))) },
  { rule: 'ReduceMax', name: 'direct', inputs: [{ name: 'x', shape: [3, 4] }], f: ([x]) => op.reduceMax(x, [1], false) },
  { rule: 'MatMul', name: '2-D', inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3, 4] }], f: ([a, b]) => op.matmul(a, b) },
  { rule: 'MatMul', name: 'batched x 2-D weight', inputs: [{ name: 'a', shape: [2, 3, 4] }, { name: 'b', shape: [4, 5] }], f: ([a, b]) => op.matmul(a, b) },
  { rule: 'MatMul', name: 'broadcast batch', inputs: [{ name: 'a', shape: [2, 1, 3, 4] }, { name: 'b', shape: [3, 4, 2] }], f: ([a, b]) => op.matmul(a, b) },
  {
    rule: 'Gemm', name: 'Linear layout (transB) with bias',
    inputs: [{ name: 'x', shape: [3, 4] }, { name: 'w', shape: [5, 4] }, { name: 'b', shape: [5] }],
    f: ([x, w, b]) => op.gemm(x, w, b, { transB: true }),
  },
  {
    rule: 'Gemm', name: 'transA, alpha and beta',
    inputs: [{ name: 'a', shape: [4, 3] }, { name: 'b', shape: [4, 2] }, { name: 'c', shape: [3, 1] }],
    f: ([a, b, c]) => op.gemm(a, b, c, { transA: true, alpha: 0.5, beta: 2 }),
  },
  { rule: 'Reshape', name: '', inputs: [{ name: 'x', shape: [2, 6] }], f: ([x]) => op.mul(op.reshape(x, [3, 4]), op.reshape(x, [3, 4])) },
  { rule: 'Transpose', name: '', inputs: [{ name: 'x', shape: [2, 3, 4] }], f: ([x]) => op.transpose(x, [2, 0, 1]) },
  { rule: 'Unsqueeze', name: '', inputs: [{ name: 'x', shape: [2, 3] }], f: ([x]) => op.mul(op.unsqueeze(x, [0, 3]), 2) },
  { rule: 'Squeeze', name: '', inputs: [{ name: 'x', shape: [2, 1, 3] }], f: ([x]) => op.squeeze(x, [1]) },
  { rule: 'Concat', name: '', inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2, 2] }], f: ([a, b]) => op.concat([a, b, a], 1) },
  { rule: 'Slice', name: 'negative start', inputs: [{ name: 'x', shape: [4, 5] }], f: ([x]) => op.slice(x, [0, 1], [1, -3], [3, op.END]) },
  { rule: 'Split', name: 'one part unused', inputs: [{ name: 'x', shape: [2, 5] }], f: ([x]) => op.split(x, [2, 3], 1)[1] },
  { rule: 'Pad', name: '', inputs: [{ name: 'x', shape: [2, 3] }], f: ([x]) => op.pad(x, [1, 0, 0, 2]) },
  {
    rule: 'Gather', name: 'embedding rows with repeats',
    inputs: [{ name: 'table', shape: [5, 3] }, { name: 'ids', shape: [2, 4], data: [0, 3, 3, 1, 4, 0, 3, 2], int: true }],
    f: ([table, ids]) => op.gather(table, ids, 0),
  },
  {
    rule: 'GatherElements', name: 'target token log-prob',
    inputs: [{ name: 'x', shape: [2, 3, 5] }, { name: 'target', shape: [2, 3, 1], data: [4, 0, 2, 2, 1, 3], int: true }],
    f: ([x, target]) => op.gatherElements(op.logSoftmax(x, -1), target, 2),
  },
];
