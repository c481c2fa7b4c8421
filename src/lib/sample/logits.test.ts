import { describe, expect, it } from 'vitest';
import { argmax, keptTokens, logProbOf, sampleToken } from './logits';
import { createRng, randomNormalArray } from '../random';

const logitsOf = (probs: number[]) => Float64Array.from(probs, Math.log);

describe('sampling warpers', () => {
  it('temperature 0 is argmax, and a tiny temperature converges to it', () => {
    const rng = createRng(1);
    for (let trial = 0; trial < 20; trial++) {
      const row = randomNormalArray(rng, 50, 2);
      expect(sampleToken(row, { temperature: 0, topP: 1, topK: 0 }, rng).token).toBe(argmax(row));
      expect(sampleToken(row, { temperature: 1e-4, topP: 1, topK: 0 }, rng).token).toBe(argmax(row));
    }
  });

  it('top-k keeps exactly the k largest (ties by lower index)', () => {
    const kept = keptTokens(Float64Array.from([0.1, 3, 2, 3, -1, 2]), 3, 1);
    expect(Array.from(kept)).toEqual([0, 1, 1, 1, 0, 0]);
  });

  it('top-p drops the ascending tail whose cumulative probability is ≤ 1 − p, as HF does', () => {
    const row = logitsOf([0.5, 0.3, 0.15, 0.05]);
    // ascending: 0.05, 0.15, 0.3, 0.5; cumulative 0.05, 0.2, 0.5, 1.0
    expect(Array.from(keptTokens(row, 0, 0.75))).toEqual([1, 1, 0, 0]); // drops cum ≤ 0.25
    expect(Array.from(keptTokens(row, 0, 0.85))).toEqual([1, 1, 1, 0]); // drops cum ≤ 0.15
    expect(Array.from(keptTokens(row, 0, 0.01))).toEqual([1, 0, 0, 0]); // always keeps one
    expect(Array.from(keptTokens(row, 2, 0.9))).toEqual([1, 1, 0, 0]); // top-k first, then top-p on the rest
  });

  it('draws tokens with the softmax frequencies (temperature 1), and only kept tokens', () => {
    const probs = [0.5, 0.3, 0.15, 0.05];
    const rng = createRng(9);
    const counts = [0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleToken(logitsOf(probs), { temperature: 1, topP: 1, topK: 0 }, rng).token]++;
    counts.forEach((c, i) => expect(Math.abs(c / n - probs[i])).toBeLessThan(0.015));
    for (let i = 0; i < 2000; i++) expect(sampleToken(logitsOf(probs), { temperature: 1, topP: 0.75, topK: 0 }, rng).token).toBeLessThan(2);
  });

  it('temperature sharpens: p ∝ exp(logit / T)', () => {
    const rng = createRng(4);
    const row = logitsOf([0.6, 0.4]);
    let first = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) if (sampleToken(row, { temperature: 0.5, topP: 1, topK: 0 }, rng).token === 0) first++;
    const expected = 0.36 / (0.36 + 0.16);
    expect(Math.abs(first / n - expected)).toBeLessThan(0.015);
  });

  it('reports the log-prob under the untruncated model distribution, whatever the warpers', () => {
    const rng = createRng(2);
    const row = Float64Array.from([0.3, -1.2, 2.0, 0.7]);
    expect(logProbOf([Math.log(0.2), Math.log(0.8)], 1)).toBeCloseTo(Math.log(0.8), 12);
    for (const params of [{ temperature: 1, topP: 1, topK: 0 }, { temperature: 0.7, topP: 0.9, topK: 3 }, { temperature: 0, topP: 1, topK: 0 }]) {
      const d = sampleToken(row, params, rng);
      expect(d.logprob).toBeCloseTo(logProbOf(row, d.token), 10);
    }
  });
});
