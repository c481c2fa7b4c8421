// The encoder graph against a float64 reference, and its export through
// transformers.js' feature-extraction pipeline against our own pooling.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildEncoderGraph, encoderWeightSpecs, type EncoderConfig } from './encoder';
import { createRng, randomNormalArray } from '../random';

const cfg: EncoderConfig = { vocabSize: 30, hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 32, maxPositions: 16, typeVocabSize: 2, layerNormEps: 1e-12 };

function randomEncoderWeights(seed: number): Map<string, Float32Array> {
  const rng = createRng(seed);
  return new Map(encoderWeightSpecs(cfg).map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    return [s.name, s.name.includes('LayerNorm.weight') ? Float32Array.from(randomNormalArray(rng, n, 0.1), (v) => 1 + v) : randomNormalArray(rng, n, 0.3)];
  }));
}

/** erf to ~1e-12 by its series / continued fraction is overkill here: A&S 7.1.26 (|ε| < 1.5e-7) suffices for a 1e-4 check. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

function referenceHidden(w: Map<string, Float32Array>, ids: number[], mask: number[]): number[][] {
  const { hiddenSize: C, numHeads: H, intermediateSize: I, layerNormEps: eps } = cfg;
  const D = C / H;
  const T = ids.length;
  const row = (name: string, r: number, width: number) => Array.from(w.get(name)!.subarray(r * width, (r + 1) * width));
  const ln = (v: number[], p: string) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const va = v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
    return v.map((x, i) => ((x - m) / Math.sqrt(va + eps)) * w.get(`${p}.weight`)![i] + w.get(`${p}.bias`)![i]);
  };
  const dense = (v: number[], p: string, out: number) => Array.from({ length: out }, (_, o) => w.get(`${p}.bias`)![o] + v.reduce((s, x, i) => s + x * w.get(`${p}.weight`)![o * v.length + i], 0));
  let x = ids.map((id, t) => {
    const e = row('embeddings.word_embeddings.weight', id, C).map((v, c) => v + row('embeddings.position_embeddings.weight', t, C)[c] + row('embeddings.token_type_embeddings.weight', 0, C)[c]);
    return ln(e, 'embeddings.LayerNorm');
  });
  for (let l = 0; l < cfg.numLayers; l++) {
    const p = `encoder.layer.${l}`;
    const q = x.map((v) => dense(v, `${p}.attention.self.query`, C));
    const k = x.map((v) => dense(v, `${p}.attention.self.key`, C));
    const vv = x.map((v) => dense(v, `${p}.attention.self.value`, C));
    const ctx = x.map(() => new Array<number>(C).fill(0));
    for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) {
      const s = Array.from({ length: T }, (_, j) => (mask[j] ? q[i].slice(h * D, (h + 1) * D).reduce((a, qv, d) => a + qv * k[j][h * D + d], 0) / Math.sqrt(D) : -Infinity));
      const m = Math.max(...s);
      const e = s.map((v) => (v === -Infinity ? 0 : Math.exp(v - m)));
      const z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < T; j++) for (let d = 0; d < D; d++) ctx[i][h * D + d] += (e[j] / z) * vv[j][h * D + d];
    }
    x = x.map((v, t) => ln(dense(ctx[t], `${p}.attention.output.dense`, C).map((a, c) => a + v[c]), `${p}.attention.output.LayerNorm`));
    x = x.map((v) => {
      const inter = dense(v, `${p}.intermediate.dense`, I).map((a) => 0.5 * a * (1 + erf(a / Math.SQRT2)));
      return ln(dense(inter, `${p}.output.dense`, C).map((a, c) => a + v[c]), `${p}.output.LayerNorm`);
    });
  }
  return x;
}

describe('BERT-style encoder', () => {
  it('last_hidden_state matches a float64 reference to 1e-4 (with a padded row)', async () => {
    const w = randomEncoderWeights(2);
    const ids = [[3, 7, 11, 2, 9], [5, 1, 8, 0, 0]];
    const mask = [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]];
    const session = await ort.InferenceSession.create(buildEncoderGraph(cfg, w));
    const t = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0].length]);
    const out = await session.run({ input_ids: t(ids), attention_mask: t(mask), token_type_ids: t(ids.map((r) => r.map(() => 0))) });
    const got = out.last_hidden_state.data as Float32Array;
    let worst = 0;
    ids.forEach((r, b) => {
      const ref = referenceHidden(w, r.filter((_, i) => mask[b][i]), mask[b].filter(Boolean));
      ref.forEach((v, t) => v.forEach((x, c) => (worst = Math.max(worst, Math.abs(got[(b * 5 + t) * cfg.hiddenSize + c] - x)))));
    });
    expect(worst).toBeLessThan(1e-4);
  });
});
