import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildProbeCase, maxAbsDiff, PROBE_SHAPE } from './probe-graph';
import { decodeModel } from './model-proto';

function referenceProbe(bytes: Uint8Array, x: Float32Array): number[] {
  const m = decodeModel(bytes);
  const init = (name: string) => {
    const t = m.graph.initializers.find((i) => i.name === name)!;
    // A decoded model's tensors always hold their bytes (DeferredBytes exist only before encoding).
    return new Float32Array((t.raw as Uint8Array).slice().buffer);
  };
  const w = init('W');
  const b = init('b');
  const { batch, features, classes } = PROBE_SHAPE;
  const out: number[] = [];
  for (let r = 0; r < batch; r++) {
    const logits = Array.from({ length: classes }, (_, k) => {
      let s = b[k];
      for (let f = 0; f < features; f++) s += x[r * features + f] * w[f * classes + k];
      return s;
    });
    const mx = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - mx));
    const z = e.reduce((a, c) => a + c, 0);
    out.push(...e.map((v) => v / z));
  }
  return out;
}

describe('probe graph', () => {
  it('runs on onnxruntime-node and matches a float64 reference', async () => {
    const probe = buildProbeCase(1);
    const session = await ort.InferenceSession.create(probe.model);
    const result = await session.run({ x: new ort.Tensor('float32', probe.input, probe.inputDims) });
    const probs = result.probs.data as Float32Array;
    expect(result.probs.dims).toEqual([PROBE_SHAPE.batch, PROBE_SHAPE.classes]);
    expect(maxAbsDiff(probs, referenceProbe(probe.model, probe.input))).toBeLessThan(1e-6);
  });

  it('is deterministic by seed', () => {
    expect(buildProbeCase(3).input).toEqual(buildProbeCase(3).input);
    expect(buildProbeCase(3).input).not.toEqual(buildProbeCase(4).input);
  });
});
