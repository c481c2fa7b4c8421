import { describe, expect, it } from 'vitest';
import { relativeWeightChange } from './weight-change';

const weights = (entries: Record<string, number[]>) => new Map(Object.entries(entries).map(([k, v]) => [k, Float32Array.from(v)]));

describe('relativeWeightChange', () => {
  it('is ‖θ − θ₀‖ / ‖θ₀‖ over all tensors together', () => {
    // ‖θ₀‖² = 9 + 16 + 0 = 25; ‖θ − θ₀‖² = 0 + 1 + 4 = 5 → √5 / 5
    const base = weights({ a: [3, 4], b: [0] });
    const trained = weights({ a: [3, 5], b: [2] });
    expect(relativeWeightChange(base, trained)).toBeCloseTo(Math.sqrt(5) / 5, 12);
  });

  it('is 0 for unchanged weights and ignores tensors only the trained model has', () => {
    const base = weights({ a: [1, -2] });
    expect(relativeWeightChange(base, weights({ a: [1, -2], lora_A: [7] }))).toBe(0);
  });

  it('names a missing or resized tensor', () => {
    const base = weights({ 'model.norm.weight': [1, 1] });
    expect(() => relativeWeightChange(base, weights({}))).toThrow(/model\.norm\.weight/);
    expect(() => relativeWeightChange(base, weights({ 'model.norm.weight': [1] }))).toThrow(/model\.norm\.weight: 1 trained values against 2/);
  });

  it('refuses an all-zero base', () => {
    expect(() => relativeWeightChange(weights({ a: [0] }), weights({ a: [1] }))).toThrow(/zero/);
  });
});
