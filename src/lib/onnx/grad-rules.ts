// One gradient rule per ONNX op: given the node, its input/output values and
// the gradients of its outputs, return the gradient of each input (null where
// none flows). Every rule only emits ops that ORT-web's WebGPU EP runs.
import type { NodeSpec } from './model-proto';
import type { Graph, Value } from './graph';
import {
  cast, concat, div, equal, exp, expand, gather, gemm, greater, less, matmul, mul, neg, numel, pad, pow, reduceSum,
  reshape, scalar, scatterND, shapeOf, slice, squeeze, sub, transpose, transposeLast2, unsqueeze, where,
  constant, zerosLike, END, int64s,
} from './ops';

export interface GradContext {
  graph: Graph;
  node: NodeSpec;
  inputs: (Value | null)[];
  outputs: Value[];
  /** Gradient of each output, null where the loss does not depend on it. */
  dys: (Value | null)[];
  /** Whether input k needs a gradient (skips work for data and constants). */
  needs: (k: number) => boolean;
}

export type GradRule = (c: GradContext) => (Value | null)[];

// ---- helpers ----

function attrInt(node: NodeSpec, name: string, fallback?: number): number {
  const a = node.attrs[name];
  if (a && 'i' in a) return a.i;
  if (fallback === undefined) throw new Error(`${node.opType} ${node.name}: attribute ${name} missing`);
  return fallback;
}

function attrInts(node: NodeSpec, name: string): number[] {
  const a = node.attrs[name];
  if (a && 'ints' in a) return a.ints;
  throw new Error(`${node.opType} ${node.name}: attribute ${name} missing`);
}

/** The values of a constant int64 input (an initializer), for axes, starts, sizes. */
function constInts(g: Graph, v: Value | null, what: string): number[] {
  const t = v && g.initializers.get(v.name);
  if (!t || t.dtype !== 'int64' || !(t.raw instanceof Uint8Array)) throw new Error(`gradient needs ${what} to be a constant int64 initializer`);
  return Array.from(new BigInt64Array(t.raw.slice().buffer), Number);
}

/** A float32 scalar initializer's value, or null when `v` is not one. */
function constScalar(g: Graph, v: Value): number | null {
  const t = g.initializers.get(v.name);
  if (!t || t.dtype !== 'float32' || !(t.raw instanceof Uint8Array) || t.raw.byteLength !== 4) return null;
  return new Float32Array(t.raw.slice().buffer)[0];
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Sums a broadcast gradient back to the shape of the operand it came from. */
export function unbroadcast(dy: Value, target: Value): Value {
  let d = dy;
  const lead = d.rank - target.rank;
  if (lead > 0) d = reduceSum(d, range(lead), false);
  const axes = target.shape.flatMap((dim, i) => (dim === 1 && d.shape[i] !== 1 ? [i] : []));
  return axes.length ? reduceSum(d, axes, true) : d;
}

function one(c: GradContext): Value {
  const dy = c.dys[0];
  if (!dy) throw new Error(`${c.node.opType}: no output gradient`);
  return dy;
}

/** Broadcast the gradient of a reduction back over the reduced axes. */
function expandReduced(dy: Value, x: Value, axes: number[], keepdims: boolean): Value {
  const norm = axes.map((a) => (a < 0 ? a + x.rank : a));
  const kept = keepdims ? dy : unsqueeze(dy, norm);
  const staticShape = x.shape.every((d) => typeof d === 'number');
  return staticShape ? expand(kept, x.shape) : expand(kept, shapeOf(x), x.shape);
}

/** Number of elements folded into each output of a reduction, as a float scalar. */
function reducedCount(x: Value, axes: number[]): Value {
  const dims = axes.map((a) => x.shape[a < 0 ? a + x.rank : a]);
  const n = numel(dims);
  if (n !== null) return scalar(x.graph, n);
  const g = x.graph;
  const sizes = gather(shapeOf(x), int64s(g, axes.map((a) => (a < 0 ? a + x.rank : a))));
  const prod = g.node('ReduceProd', [sizes], { keepdims: { i: 0 } }, [{ dtype: 'int64', shape: [] }])[0];
  return cast(prod, 'float32');
}

const reduceAxesOf = (c: GradContext): number[] =>
  c.node.opType === 'ReduceSum' ? constInts(c.graph, c.inputs[1], 'ReduceSum axes') : attrInts(c.node, 'axes');

// ---- the table ----

export const GRAD_RULES: Record<string, GradRule> = {
  Add: (c) => {
    const [a, b] = c.inputs as Value[];
    const dy = one(c);
    return [c.needs(0) ? unbroadcast(dy, a) : null, c.needs(1) ? unbroadcast(dy, b) : null];
  },
  Sub: (c) => {
    const [a, b] = c.inputs as Value[];
    const dy = one(c);
    return [c.needs(0) ? unbroadcast(dy, a) : null, c.needs(1) ? unbroadcast(neg(dy), b) : null];
  },
  Mul: (c) => {
    const [a, b] = c.inputs as Value[];
    const dy = one(c);
    return [c.needs(0) ? unbroadcast(mul(dy, b), a) : null, c.needs(1) ? unbroadcast(mul(dy, a), b) : null];
  },
  Div: (c) => {
    const [a, b] = c.inputs as Value[];
    const [y] = c.outputs;
    const dy = one(c);
    return [c.needs(0) ? unbroadcast(div(dy, b), a) : null, c.needs(1) ? unbroadcast(neg(div(mul(dy, y), b)), b) : null];
  },
  Pow: (c) => {
    const [x, e] = c.inputs as Value[];
    if (c.needs(1)) throw new Error(`Pow ${c.node.name}: gradients flow only to the base; the exponent must be constant`);
    // x², as RMSNorm has it: x¹ is x itself (ORT's Pow with any other exponent than 2 or 3 calls std::pow per element).
    const derivative = constScalar(c.graph, e) === 2 ? x : pow(x, sub(e, 1));
    return [unbroadcast(mul(one(c), mul(e, derivative)), x), null];
  },
  Neg: (c) => [neg(one(c))],
  Sqrt: (c) => [div(mul(one(c), 0.5), c.outputs[0])],
  Reciprocal: (c) => {
    const y = c.outputs[0];
    return [neg(mul(one(c), mul(y, y)))];
  },
  Exp: (c) => [mul(one(c), c.outputs[0])],
  Log: (c) => [div(one(c), c.inputs[0] as Value)],
  Tanh: (c) => {
    const y = c.outputs[0];
    return [mul(one(c), sub(scalar(c.graph, 1), mul(y, y)))];
  },
  Sigmoid: (c) => {
    // dy·y − (dy·y)·y, not dy·(y·(1 − y)): y·(1 − y) needs no gradient, so ORT would compute it in the
    // forward pass and keep it alive beside y for every layer (135M shape, 8 × 128: 180 MiB).
    const y = c.outputs[0];
    const dyY = mul(one(c), y);
    return [sub(dyY, mul(dyY, y))];
  },
  Erf: (c) => {
    const x = c.inputs[0] as Value;
    return [mul(one(c), mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)))];
  },
  Relu: (c) => [where(greater(c.inputs[0] as Value, scalar(c.graph, 0)), one(c), scalar(c.graph, 0))],
  Clip: (c) => {
    const [x, lo, hi] = c.inputs as Value[];
    const zero = scalar(c.graph, 0);
    return [where(less(x, lo), zero, where(greater(x, hi), zero, one(c))), null, null];
  },
  Where: (c) => {
    const [cond, a, b] = c.inputs as Value[];
    const dy = one(c);
    const zero = scalar(c.graph, 0);
    return [
      null,
      c.needs(1) ? unbroadcast(where(cond, dy, zero), a) : null,
      c.needs(2) ? unbroadcast(where(cond, zero, dy), b) : null,
    ];
  },
  Cast: (c) => {
    const x = c.inputs[0] as Value;
    return [x.dtype === 'float32' || x.dtype === 'float16' ? cast(one(c), x.dtype) : null];
  },
  Expand: (c) => [unbroadcast(one(c), c.inputs[0] as Value), null],

  Softmax: (c) => {
    const y = c.outputs[0];
    const dy = one(c);
    const axis = attrInt(c.node, 'axis', -1);
    return [mul(y, sub(dy, reduceSum(mul(dy, y), [axis], true)))];
  },

  ReduceSum: (c) => {
    const x = c.inputs[0] as Value;
    return [expandReduced(one(c), x, reduceAxesOf(c), attrInt(c.node, 'keepdims', 1) === 1), null];
  },
  ReduceMean: (c) => {
    const x = c.inputs[0] as Value;
    const axes = reduceAxesOf(c);
    // Divided before it is expanded: the division runs on the reduced tensor, and the Expand can become a broadcast (autodiff).
    return [expandReduced(div(one(c), reducedCount(x, axes)), x, axes, attrInt(c.node, 'keepdims', 1) === 1)];
  },
  ReduceMax: (c) => {
    // Ties share the gradient equally, as torch.amax does.
    const x = c.inputs[0] as Value;
    const axes = reduceAxesOf(c);
    const keep = attrInt(c.node, 'keepdims', 1) === 1;
    const y = expandReduced(c.outputs[0], x, axes, keep);
    const mask = cast(equal(x, y), 'float32');
    const share = div(mask, reduceSum(mask, axes, true));
    return [mul(share, expandReduced(one(c), x, axes, keep))];
  },

  MatMul: (c) => {
    const [a, b] = c.inputs as Value[];
    const dy = one(c);
    let da: Value | null = null;
    let db: Value | null = null;
    if (c.needs(0)) da = unbroadcast(matmul(dy, transposeLast2(b)), a);
    if (c.needs(1)) {
      if (b.rank === 2 && a.rank > 2) {
        // [.., K] x [K, N]: fold the batch axes into one big matmul instead of summing many.
        const k = a.shape[a.rank - 1] as number;
        const n = b.shape[1] as number;
        db = matmul(transposeLast2(reshape(a, [-1, k])), reshape(dy, [-1, n]));
      } else db = unbroadcast(matmul(transposeLast2(a), dy), b);
    }
    return [da, db];
  },

  Gemm: (c) => {
    // Y = alpha·op(A)·op(B) + beta·C. With op(A) [M, K], op(B) [K, N]:
    // d op(A) = dY·op(B)ᵀ and d op(B) = op(A)ᵀ·dY, each expressed as one Gemm.
    const [a, b, bias] = c.inputs;
    const dy = one(c);
    const tA = attrInt(c.node, 'transA', 0) === 1;
    const tB = attrInt(c.node, 'transB', 0) === 1;
    const alphaAttr = c.node.attrs.alpha;
    const alpha = alphaAttr && 'f' in alphaAttr ? alphaAttr.f : 1;
    const betaAttr = c.node.attrs.beta;
    const beta = betaAttr && 'f' in betaAttr ? betaAttr.f : 1;
    const da = !c.needs(0) ? null : tA ? gemm(b as Value, dy, null, { transA: tB, transB: true, alpha }) : gemm(dy, b as Value, null, { transB: !tB, alpha });
    const db = !c.needs(1) ? null : tB ? gemm(dy, a as Value, null, { transA: true, transB: tA, alpha }) : gemm(a as Value, dy, null, { transA: !tA, alpha });
    const dc = bias && c.needs(2) ? unbroadcast(beta === 1 ? dy : mul(dy, beta), bias) : null;
    return [da, db, dc];
  },

  Reshape: (c) => {
    const x = c.inputs[0] as Value;
    return [reshape(one(c), shapeOf(x), x.shape), null];
  },
  Transpose: (c) => {
    const perm = attrInts(c.node, 'perm');
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [transpose(one(c), inverse)];
  },
  Unsqueeze: (c) => [squeeze(one(c), constInts(c.graph, c.inputs[1], 'Unsqueeze axes')), null],
  Squeeze: (c) => [unsqueeze(one(c), constInts(c.graph, c.inputs[1], 'Squeeze axes')), null],

  Concat: (c) => {
    const axis = attrInt(c.node, 'axis');
    const dy = one(c);
    let start = 0;
    return c.inputs.map((x, k) => {
      const size = (x as Value).shape[axis];
      if (typeof size !== 'number') throw new Error(`Concat ${c.node.name}: gradient needs static sizes along axis ${axis}`);
      const part = c.needs(k) ? slice(dy, [axis], [start], [start + size]) : null;
      start += size;
      return part;
    });
  },
  Slice: (c) => {
    const [x, startsV, endsV, axesV, stepsV] = c.inputs;
    const g = c.graph;
    const xv = x as Value;
    if (stepsV && constInts(g, stepsV, 'Slice steps').some((s) => s !== 1)) throw new Error(`Slice ${c.node.name}: gradient supports step 1 only`);
    const starts = constInts(g, startsV, 'Slice starts');
    const ends = constInts(g, endsV, 'Slice ends');
    const axes = axesV ? constInts(g, axesV, 'Slice axes') : range(starts.length);
    const pads = new Array<number>(2 * xv.rank).fill(0);
    axes.forEach((axis0, i) => {
      const axis = axis0 < 0 ? axis0 + xv.rank : axis0;
      const d = xv.shape[axis];
      if (typeof d === 'number') {
        const clampIdx = (v: number): number => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
        const s = clampIdx(starts[i]);
        const e = Math.max(s, clampIdx(ends[i] >= END ? d : ends[i]));
        pads[axis] = s;
        pads[axis + xv.rank] = d - e;
      } else if (starts[i] >= 0 && (ends[i] >= END || ends[i] < 0)) {
        // x[a:] and x[a:-b] pad by a and b whatever the (symbolic) size is.
        pads[axis] = starts[i];
        pads[axis + xv.rank] = ends[i] >= END ? 0 : -ends[i];
      } else throw new Error(`Slice ${c.node.name}: gradient needs a static size on axis ${axis} for starts ${starts[i]} / ends ${ends[i]}`);
    });
    return [pad(one(c), pads), null, null, null, null];
  },
  Split: (c) => {
    const x = c.inputs[0] as Value;
    const axis = attrInt(c.node, 'axis', 0);
    const parts = c.outputs.map((y, k) => {
      const dy = c.dys[k];
      if (dy) return dy;
      if (y.shape.some((d) => typeof d !== 'number')) throw new Error(`Split ${c.node.name}: an unused output needs a static shape`);
      return expand(scalar(c.graph, 0), y.shape);
    });
    return [parts.length === 1 ? parts[0] : concat(parts, axis < 0 ? axis + x.rank : axis), null];
  },
  Pad: (c) => {
    const x = c.inputs[0] as Value;
    const pads = constInts(c.graph, c.inputs[1], 'Pad pads');
    const axes = range(x.rank);
    const starts = axes.map((i) => pads[i]);
    const ends = axes.map((i) => (pads[i + x.rank] === 0 ? END : -pads[i + x.rank]));
    return [slice(one(c), axes, starts, ends), null, null];
  },

  Gather: (c) => {
    // Embedding gradient: ScatterND with reduction "add" accumulates the rows of
    // repeated token ids. It is one of the few scatters ORT-web's WebGPU EP has
    // (no ScatterElements), and costs O(tokens × C) instead of a one-hot
    // [tokens, V] × [tokens, C] matmul.
    const [data, indices] = c.inputs as Value[];
    if (attrInt(c.node, 'axis', 0) !== 0) throw new Error(`Gather ${c.node.name}: gradient supports axis 0 only`);
    const idx = unsqueeze(indices.dtype === 'int64' ? indices : cast(indices, 'int64'), [-1]);
    return [scatterND(zerosLike(data), idx, one(c), 'add'), null];
  },
  GatherElements: (c) => {
    // Gradient of picking one element per row (log-prob of a target token): a
    // one-hot mask against an iota along the axis, WebGPU-friendly (no scatter).
    const [data, indices] = c.inputs as Value[];
    const axis = attrInt(c.node, 'axis', 0);
    const size = data.shape[axis];
    if (indices.shape[axis] !== 1 || typeof size !== 'number') {
      throw new Error(`GatherElements ${c.node.name}: gradient supports one index along a static axis`);
    }
    const iotaShape = data.shape.map((_, i) => (i === axis ? size : 1));
    const iota = constant(c.graph, 'int32', iotaShape, Int32Array.from(range(size)), 'iota');
    const hit = equal(cast(indices, 'int32'), iota);
    return [where(hit, one(c), scalar(c.graph, 0)), null];
  },
};

// Ops whose outputs carry no gradient (comparisons, shapes, integer ops).
for (const op of ['Equal', 'Less', 'Greater', 'GreaterOrEqual', 'LessOrEqual', 'Not', 'Shape']) {
  GRAD_RULES[op] = (c) => c.inputs.map(() => null);
}
