// InfoNCE for the sentence encoder: B pairs (a_i, b_i), in-batch negatives,
// symmetric cross-entropy over cosine similarities / τ (as in SimCSE / CLIP).
import { constant, div, logSoftmax, matmul, mul, neg, reduceMean, reduceSum, add, transposeLast2 } from '../onnx/ops';
import type { TrainStepSpec } from '../onnx/train-step';
import type { HostBatchTensor } from '../onnx/runtime';
import { encoderForward, encoderWeightSpecs, meanPoolNormalize, type EncoderConfig } from '../model/encoder';

export function infoNceTrainStep(c: EncoderConfig, batch: number, temperature: number): TrainStepSpec {
  return {
    trainable: encoderWeightSpecs(c).map((s) => ({ name: s.name, shape: s.shape })),
    forward: (g, p) => {
      const side = (name: string) => {
        const ids = g.input(`${name}_ids`, 'int64', [batch, `${name}_len`]);
        const mask = g.input(`${name}_mask`, 'int64', [batch, `${name}_len`]);
        const tokenTypes = g.input(`${name}_types`, 'int64', [batch, `${name}_len`]);
        return meanPoolNormalize(encoderForward(c, (n) => p[n], { ids, mask, tokenTypes }), mask); // [B, C]
      };
      const a = side('a');
      const b = side('b');
      const sims = div(matmul(a, transposeLast2(b)), temperature); // [B, B]
      const eye = constant(g, 'float32', [batch, batch], Float32Array.from({ length: batch * batch }, (_, i) => (i % (batch + 1) === 0 ? 1 : 0)), 'eye');
      const aToB = reduceSum(mul(logSoftmax(sims, 1), eye), [1]); // log p(b_i | a_i)
      const bToA = reduceSum(mul(logSoftmax(sims, 0), eye), [0]); // log p(a_i | b_i)
      return { loss: neg(div(add(reduceMean(aToB, [0]), reduceMean(bToA, [0])), 2)) };
    },
  };
}

/** Right-padded token batches for one side of the pairs. */
export function encoderBatch(prefix: string, rows: readonly number[][], padId: number): Record<string, HostBatchTensor> {
  const B = rows.length;
  const T = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(B * T).fill(BigInt(padId));
  const mask = new BigInt64Array(B * T);
  rows.forEach((r, b) => r.forEach((t, i) => {
    ids[b * T + i] = BigInt(t);
    mask[b * T + i] = 1n;
  }));
  return {
    [`${prefix}_ids`]: { type: 'int64', data: ids, dims: [B, T] },
    [`${prefix}_mask`]: { type: 'int64', data: mask, dims: [B, T] },
    [`${prefix}_types`]: { type: 'int64', data: new BigInt64Array(B * T), dims: [B, T] },
  };
}
