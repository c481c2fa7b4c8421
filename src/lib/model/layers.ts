// Layers both model families share: LayerNorm, and torch.nn.Linear applied to a
// weight in its stored [out, in] layout (one Gemm with transB on the flattened input).
import type { Value } from '../onnx/graph';
import { add, concat, gemm, int64s, mul, reciprocal, reduceMean, reshape, shapeOf, slice, sqrt, sub } from '../onnx/ops';

export function layerNorm(x: Value, w: Value, b: Value, eps: number): Value {
  const centered = sub(x, reduceMean(x, [-1], true));
  const variance = reduceMean(mul(centered, centered), [-1], true);
  return add(mul(mul(centered, reciprocal(sqrt(add(variance, eps)))), w), b);
}

/** x [.., in] · wᵀ (+ b) with w [out, in] as stored: → [.., out]. */
export function linearStored(x: Value, w: Value, b: Value | null): Value {
  const inDim = x.shape[x.rank - 1] as number;
  const outDim = w.shape[0] as number;
  const y = gemm(reshape(x, [-1, inDim]), w, b, { transB: true }); // [N, out]
  const lead = slice(shapeOf(x), [0], [0], [-1]);
  return reshape(y, concat([lead, int64s(x.graph, [outDim])], 0), [...x.shape.slice(0, -1), outDim]);
}
