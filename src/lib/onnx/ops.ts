// The functional op API: each function checks shapes at build time, names the
// op and the shapes in its error, and appends one ONNX node (opset 17).
// Dims are numbers, named symbols ("batch"), or unknowns ("?n") that come out of
// ops whose size can't be known before run time.
import { Graph, Value, type TypedArray } from './graph';
import type { Attribute, Dim, DType } from './model-proto';

const shapeText = (v: Value): string => `${v.name}[${v.shape.join(', ')}]`;

function fail(op: string, why: string, ...vs: Value[]): never {
  throw new Error(`${op}: ${why} (${vs.map(shapeText).join(', ')})`);
}

function unknownDim(g: Graph): Dim {
  return `?${g.fresh('dim')}`;
}

const isUnknown = (d: Dim): boolean => typeof d === 'string' && d.startsWith('?');

/** Numpy broadcasting of two shapes; throws on incompatible dims, naming `context`. */
export function broadcastDims(op: string, a: readonly Dim[], b: readonly Dim[], ...context: Value[]): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else if (isUnknown(da)) out.push(db);
    else if (isUnknown(db)) out.push(da);
    // A named size meeting a fixed one (≠ 1) must equal it at run time.
    else if (typeof da === 'string' && typeof db === 'number') out.push(db);
    else if (typeof db === 'string' && typeof da === 'number') out.push(da);
    else fail(op, `dims ${da} and ${db} do not broadcast`, ...context);
  }
  return out;
}

function normAxis(op: string, axis: number, rank: number, v: Value): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) fail(op, `axis ${axis} out of range for rank ${rank}`, v);
  return a;
}

export function numel(shape: readonly Dim[]): number | null {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return null;
    n *= d;
  }
  return n;
}

// ---- constants ----

const constantCache = new WeakMap<Graph, Map<string, Value>>();

export function constant(g: Graph, dtype: DType, dims: number[], data: TypedArray, hint = 'const'): Value {
  return g.initializer(g.fresh(hint), dtype, dims, data);
}

function cachedConstant(g: Graph, key: string, make: () => Value): Value {
  let cache = constantCache.get(g);
  if (!cache) constantCache.set(g, (cache = new Map()));
  let v = cache.get(key);
  if (!v) cache.set(key, (v = make()));
  return v;
}

/** A float scalar constant of shape [] (float32 unless the graph computes in float64). */
export function scalar(g: Graph, value: number, dtype: 'float32' | 'float64' = 'float32'): Value {
  return cachedConstant(g, `${dtype}:${value}`, () =>
    constant(g, dtype, [], dtype === 'float32' ? Float32Array.of(value) : Float64Array.of(value), 'scalar'),
  );
}

/** An int64 1-D constant, as shape/axes inputs want. */
export function int64s(g: Graph, values: readonly number[]): Value {
  return cachedConstant(g, `i64:${values.join(',')}`, () =>
    constant(g, 'int64', [values.length], BigInt64Array.from(values.map(BigInt)), 'ints'),
  );
}

// ---- elementwise ----

const isFloat = (v: Value): boolean => v.dtype === 'float32' || v.dtype === 'float64' || v.dtype === 'float16';

function float(op: string, ...vs: Value[]): void {
  for (const v of vs) if (!isFloat(v)) fail(op, `needs float, got ${v.dtype}`, v);
}

/** A scalar in the operand's float type, so float64 reference graphs need no casts. */
function scalarLike(like: Value, value: number): Value {
  return scalar(like.graph, value, like.dtype === 'float64' ? 'float64' : 'float32');
}

function binary(op: string, a: Value, b: Value, outDtype?: DType): Value {
  if (a.dtype !== b.dtype) fail(op, `dtypes differ: ${a.dtype} vs ${b.dtype}`, a, b);
  return a.graph.node(op, [a, b], {}, [{ dtype: outDtype ?? a.dtype, shape: broadcastDims(op, a.shape, b.shape, a, b) }])[0];
}

const lift = (like: Value, x: Value | number): Value => (typeof x === 'number' ? scalarLike(like, x) : x);

export const add = (a: Value, b: Value | number): Value => binary('Add', a, lift(a, b));
export const sub = (a: Value, b: Value | number): Value => binary('Sub', a, lift(a, b));
export const mul = (a: Value, b: Value | number): Value => binary('Mul', a, lift(a, b));
export const div = (a: Value, b: Value | number): Value => binary('Div', a, lift(a, b));
export const pow = (a: Value, b: Value | number): Value => binary('Pow', a, lift(a, b));
export const equal = (a: Value, b: Value): Value => binary('Equal', a, b, 'bool');
export const less = (a: Value, b: Value): Value => binary('Less', a, b, 'bool');
export const greater = (a: Value, b: Value): Value => binary('Greater', a, b, 'bool');
export const lessOrEqual = (a: Value, b: Value): Value => binary('LessOrEqual', a, b, 'bool');

function unary(op: string, x: Value, needsFloat = true): Value {
  if (needsFloat) float(op, x);
  return x.graph.node(op, [x], {}, [{ dtype: x.dtype, shape: x.shape }])[0];
}

export const neg = (x: Value): Value => unary('Neg', x, false);
export const sqrt = (x: Value): Value => unary('Sqrt', x);
export const reciprocal = (x: Value): Value => unary('Reciprocal', x);
export const exp = (x: Value): Value => unary('Exp', x);
export const log = (x: Value): Value => unary('Log', x);
export const tanh = (x: Value): Value => unary('Tanh', x);
export const sigmoid = (x: Value): Value => unary('Sigmoid', x);
export const erf = (x: Value): Value => unary('Erf', x);
export const relu = (x: Value): Value => unary('Relu', x);
export const cos = (x: Value): Value => unary('Cos', x);
export const sin = (x: Value): Value => unary('Sin', x);
export const abs = (x: Value): Value => unary('Abs', x, false);
export const not = (x: Value): Value => unary('Not', x, false);

export function where(cond: Value, a: Value, b: Value): Value {
  if (cond.dtype !== 'bool') fail('Where', 'condition must be bool', cond);
  if (a.dtype !== b.dtype) fail('Where', `branch dtypes differ: ${a.dtype} vs ${b.dtype}`, a, b);
  const shape = broadcastDims('Where', cond.shape, broadcastDims('Where', a.shape, b.shape, a, b), cond, a, b);
  return a.graph.node('Where', [cond, a, b], {}, [{ dtype: a.dtype, shape }])[0];
}

export function cast(x: Value, to: DType): Value {
  const code = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11 }[to];
  return x.graph.node('Cast', [x], { to: { i: code } }, [{ dtype: to, shape: x.shape }])[0];
}

export function clip(x: Value, lo: number, hi: number): Value {
  float('Clip', x);
  return x.graph.node('Clip', [x, scalarLike(x, lo), scalarLike(x, hi)], {}, [{ dtype: x.dtype, shape: x.shape }])[0];
}

// ---- softmax family ----

export function softmax(x: Value, axis = -1): Value {
  float('Softmax', x);
  const a = normAxis('Softmax', axis, x.rank, x);
  return x.graph.node('Softmax', [x], { axis: { i: a } }, [{ dtype: x.dtype, shape: x.shape }])[0];
}

/**
 * log-softmax as x − logSumExp(x). Composite because ORT-web's WebGPU EP has
 * no LogSoftmax kernel; log(softmax) would underflow to −inf.
 */
export function logSoftmax(x: Value, axis = -1): Value {
  float('LogSoftmax', x);
  return sub(x, logSumExp(x, axis));
}

/**
 * log Σ exp(x) along `axis`, kept as a size-1 axis: m + log Σ exp(x − m) with
 * m = max(x) held constant for autodiff (its gradient is exactly zero).
 */
export function logSumExp(x: Value, axis = -1): Value {
  float('LogSumExp', x);
  const a = normAxis('LogSumExp', axis, x.rank, x);
  const m = reduceMax(x, [a], true);
  x.graph.noGradient.add(m);
  return add(log(reduceSum(exp(sub(x, m)), [a], true)), m);
}

// ---- reductions ----

function reducedShape(op: string, x: Value, axes: readonly number[], keepdims: boolean): { axes: number[]; shape: Dim[] } {
  const norm = axes.map((a) => normAxis(op, a, x.rank, x)).sort((a, b) => a - b);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!norm.includes(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  return { axes: norm, shape };
}

export function reduceSum(x: Value, axes: readonly number[], keepdims = false): Value {
  const r = reducedShape('ReduceSum', x, axes, keepdims);
  const g = x.graph;
  return g.node('ReduceSum', [x, int64s(g, r.axes)], { keepdims: { i: keepdims ? 1 : 0 } }, [{ dtype: x.dtype, shape: r.shape }])[0];
}

function reduceWithAttr(op: string, x: Value, axes: readonly number[], keepdims: boolean): Value {
  const r = reducedShape(op, x, axes, keepdims);
  return x.graph.node(op, [x], { axes: { ints: r.axes }, keepdims: { i: keepdims ? 1 : 0 } }, [{ dtype: x.dtype, shape: r.shape }])[0];
}

export const reduceMean = (x: Value, axes: readonly number[], keepdims = false): Value => reduceWithAttr('ReduceMean', x, axes, keepdims);
export const reduceMax = (x: Value, axes: readonly number[], keepdims = false): Value => reduceWithAttr('ReduceMax', x, axes, keepdims);

/** Sum of every element, as a scalar of shape []. */
export function sumAll(x: Value): Value {
  return reduceSum(x, x.shape.map((_, i) => i), false);
}

/** Σ x² over every element, as a scalar of shape [], without an x²-sized intermediate (no gradient rule: optimizer only). */
export function sumSquaresAll(x: Value): Value {
  return reduceWithAttr('ReduceSumSquare', x, x.shape.map((_, i) => i), false);
}

export function meanAll(x: Value): Value {
  return reduceMean(x, x.shape.map((_, i) => i), false);
}

// ---- matmul ----

export function matmul(a: Value, b: Value): Value {
  float('MatMul', a, b);
  if (a.rank < 2 || b.rank < 2) fail('MatMul', 'the lab uses rank >= 2 operands', a, b);
  const k1 = a.shape[a.rank - 1];
  const k2 = b.shape[b.rank - 2];
  if (k1 !== k2 && !isUnknown(k1) && !isUnknown(k2)) fail('MatMul', `inner dims ${k1} and ${k2} differ`, a, b);
  const batch = broadcastDims('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2), a, b);
  const shape = [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]];
  return a.graph.node('MatMul', [a, b], {}, [{ dtype: a.dtype, shape }])[0];
}

/**
 * Gemm: alpha·op(a)·op(b) + beta·c for 2-D a, b, with op = transpose when the
 * flag is set. With transB it applies a torch Linear weight [out, in] as stored.
 */
export function gemm(a: Value, b: Value, c: Value | null, opts: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {}): Value {
  float('Gemm', a, b);
  if (a.rank !== 2 || b.rank !== 2) fail('Gemm', 'needs 2-D operands', a, b);
  const [m, ka] = opts.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [kb, n] = opts.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (ka !== kb && !isUnknown(ka) && !isUnknown(kb)) fail('Gemm', `inner dims ${ka} and ${kb} differ`, a, b);
  if (c) broadcastDims('Gemm', c.shape, [m, n], c);
  const attrs: Record<string, Attribute> = {};
  if (opts.transA) attrs.transA = { i: 1 };
  if (opts.transB) attrs.transB = { i: 1 };
  if (opts.alpha !== undefined && opts.alpha !== 1) attrs.alpha = { f: opts.alpha };
  if (opts.beta !== undefined && opts.beta !== 1) attrs.beta = { f: opts.beta };
  return a.graph.node('Gemm', c ? [a, b, c] : [a, b], attrs, [{ dtype: a.dtype, shape: [m, n] }])[0];
}

// ---- shape ops ----

export function shapeOf(x: Value): Value {
  return x.graph.node('Shape', [x], {}, [{ dtype: 'int64', shape: [x.rank] }])[0];
}

/** Reshape to a static target (0 copies the input dim, -1 is inferred) or to a runtime shape value. */
export function reshape(x: Value, target: readonly number[] | Value, resultShape?: readonly Dim[]): Value {
  const g = x.graph;
  if (target instanceof Value) {
    if (!resultShape) fail('Reshape', 'a runtime target shape needs the result shape for build-time checks', x, target);
    return g.node('Reshape', [x, target], {}, [{ dtype: x.dtype, shape: resultShape }])[0];
  }
  const shape: Dim[] = target.map((d, i) => (d === 0 ? x.shape[i] : d));
  const minus = shape.indexOf(-1);
  if (minus >= 0) {
    const total = numel(x.shape);
    const rest = numel(shape.filter((_, i) => i !== minus));
    if (total !== null && rest !== null) {
      if (total % rest !== 0) fail('Reshape', `cannot infer -1 in [${target.join(', ')}]`, x);
      shape[minus] = total / rest;
    } else {
      // The one dim x has that the target lacks carries over when everything else matches.
      const known = shape.filter((_, i) => i !== minus);
      const leftover = x.shape.filter((d) => !known.includes(d));
      shape[minus] = leftover.length === 1 && typeof leftover[0] === 'string' ? leftover[0] : unknownDim(g);
    }
  } else {
    const a = numel(x.shape);
    const b = numel(shape);
    if (a !== null && b !== null && a !== b) fail('Reshape', `${a} elements cannot take shape [${target.join(', ')}]`, x);
  }
  return g.node('Reshape', [x, int64s(g, target)], {}, [{ dtype: x.dtype, shape }])[0];
}

export function transpose(x: Value, perm: readonly number[]): Value {
  if (perm.length !== x.rank || [...perm].sort().some((p, i) => p !== i)) fail('Transpose', `bad perm [${perm.join(', ')}]`, x);
  return x.graph.node('Transpose', [x], { perm: { ints: [...perm] } }, [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }])[0];
}

/** Swaps the last two axes. */
export function transposeLast2(x: Value): Value {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return transpose(x, perm);
}

export function unsqueeze(x: Value, axes: readonly number[]): Value {
  const rank = x.rank + axes.length;
  const norm = axes.map((a) => normAxis('Unsqueeze', a, rank, x));
  const shape: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[j++]);
  const g = x.graph;
  return g.node('Unsqueeze', [x, int64s(g, norm)], {}, [{ dtype: x.dtype, shape }])[0];
}

export function squeeze(x: Value, axes: readonly number[]): Value {
  const norm = axes.map((a) => normAxis('Squeeze', a, x.rank, x));
  for (const a of norm) if (x.shape[a] !== 1 && !isUnknown(x.shape[a])) fail('Squeeze', `axis ${a} has size ${x.shape[a]}`, x);
  const g = x.graph;
  const shape = x.shape.filter((_, i) => !norm.includes(i));
  return g.node('Squeeze', [x, int64s(g, norm)], {}, [{ dtype: x.dtype, shape }])[0];
}

/** Broadcasts x to a shape. Runtime shape values need the result shape for checks. */
export function expand(x: Value, target: readonly Dim[] | Value, resultShape?: readonly Dim[]): Value {
  const g = x.graph;
  if (target instanceof Value) {
    if (!resultShape) fail('Expand', 'a runtime target shape needs the result shape', x, target);
    const shape = broadcastDims('Expand', x.shape, resultShape, x);
    return g.node('Expand', [x, target], {}, [{ dtype: x.dtype, shape }])[0];
  }
  const dims = target.map((d) => {
    if (typeof d !== 'number') fail('Expand', `symbolic dim ${d} needs a runtime shape value`, x);
    return d;
  });
  const shape = broadcastDims('Expand', x.shape, dims, x);
  return g.node('Expand', [x, int64s(g, dims)], {}, [{ dtype: x.dtype, shape }])[0];
}

export function concat(xs: readonly Value[], axis: number): Value {
  const first = xs[0];
  const a = normAxis('Concat', axis, first.rank, first);
  let size: Dim = 0;
  for (const x of xs) {
    if (x.rank !== first.rank || x.dtype !== first.dtype) fail('Concat', 'rank or dtype differs', ...xs);
    x.shape.forEach((d, i) => {
      if (i !== a && d !== first.shape[i] && !isUnknown(d) && !isUnknown(first.shape[i])) fail('Concat', `dim ${i} differs`, ...xs);
    });
    const d = x.shape[a];
    size = typeof size === 'number' && typeof d === 'number' ? size + d : unknownDim(first.graph);
  }
  const shape = first.shape.map((d, i) => (i === a ? size : d));
  return first.graph.node('Concat', xs, { axis: { i: a } }, [{ dtype: first.dtype, shape }])[0];
}

const INT64_MAX = Number.MAX_SAFE_INTEGER;

/**
 * Static slice along axes (steps of 1), numpy-style: negative indices count
 * from the end, ends clamp to the dim. `starts` or `ends` may be runtime int64 [axes] values.
 */
export function slice(x: Value, axes: readonly number[], starts: readonly number[] | Value, ends: readonly number[] | Value): Value {
  const g = x.graph;
  const norm = axes.map((a) => normAxis('Slice', a, x.rank, x));
  const shape = [...x.shape];
  norm.forEach((axis, i) => {
    const d = x.shape[axis];
    if (starts instanceof Value || ends instanceof Value) {
      shape[axis] = unknownDim(g);
      return;
    }
    const s = starts[i];
    if (typeof d === 'number') {
      const clampIdx = (v: number): number => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
      shape[axis] = Math.max(0, clampIdx(ends[i] >= INT64_MAX ? d : ends[i]) - clampIdx(s));
    } else shape[axis] = s === 0 && ends[i] >= INT64_MAX ? d : unknownDim(g);
  });
  const asValue = (v: readonly number[] | Value) => (v instanceof Value ? v : int64s(g, v));
  return g.node('Slice', [x, asValue(starts), asValue(ends), int64s(g, norm)], {}, [{ dtype: x.dtype, shape }])[0];
}
export const END = INT64_MAX;

export function split(x: Value, sizes: readonly number[], axis: number): Value[] {
  const g = x.graph;
  const a = normAxis('Split', axis, x.rank, x);
  const total = sizes.reduce((s, v) => s + v, 0);
  if (typeof x.shape[a] === 'number' && x.shape[a] !== total) fail('Split', `sizes [${sizes.join(', ')}] do not sum to ${x.shape[a]}`, x);
  const outs = sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a ? s : d)) }));
  return g.node('Split', [x, int64s(g, sizes)], { axis: { i: a } }, outs);
}

export function gather(data: Value, indices: Value, axis = 0): Value {
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') fail('Gather', 'indices must be int32/int64', indices);
  const a = normAxis('Gather', axis, data.rank, data);
  const shape = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)];
  return data.graph.node('Gather', [data, indices], { axis: { i: a } }, [{ dtype: data.dtype, shape }])[0];
}

export function gatherElements(data: Value, indices: Value, axis: number): Value {
  if (indices.rank !== data.rank) fail('GatherElements', 'indices must have the rank of data', data, indices);
  const a = normAxis('GatherElements', axis, data.rank, data);
  return data.graph.node('GatherElements', [data, indices], { axis: { i: a } }, [{ dtype: data.dtype, shape: indices.shape }])[0];
}

export function scatterND(data: Value, indices: Value, updates: Value, reduction: 'none' | 'add' = 'none'): Value {
  const attrs: Record<string, Attribute> = reduction === 'none' ? {} : { reduction: { s: reduction } };
  return data.graph.node('ScatterND', [data, indices, updates], attrs, [{ dtype: data.dtype, shape: data.shape }])[0];
}

/** 1-D [start, start + delta, …) up to limit; scalar operands of one type. `dim` names the length when known. */
export function range(start: Value, limit: Value, delta: Value, dim?: Dim): Value {
  if (start.rank !== 0 || limit.rank !== 0 || delta.rank !== 0) fail('Range', 'needs scalar operands', start, limit, delta);
  return start.graph.node('Range', [start, limit, delta], {}, [{ dtype: start.dtype, shape: [dim ?? unknownDim(start.graph)] }])[0];
}

/** Zero padding: `pads` = [begin_0, …, begin_n, end_0, …, end_n] as ONNX orders them. */
export function pad(x: Value, pads: readonly number[]): Value {
  if (pads.length !== 2 * x.rank) fail('Pad', `needs ${2 * x.rank} pads`, x);
  const g = x.graph;
  const shape = x.shape.map((d, i) => (typeof d === 'number' ? d + pads[i] + pads[i + x.rank] : pads[i] + pads[i + x.rank] === 0 ? d : unknownDim(g)));
  return g.node('Pad', [x, int64s(g, pads)], { mode: { s: 'constant' } }, [{ dtype: x.dtype, shape }])[0];
}

/** Zeros with the (runtime) shape and float type of `like`. */
export function zerosLike(like: Value): Value {
  const zero = scalarLike(like, 0);
  return like.shape.every((d) => typeof d === 'number') ? expand(zero, like.shape) : expand(zero, shapeOf(like), like.shape);
}
