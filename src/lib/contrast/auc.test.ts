import { describe, expect, it } from 'vitest';
import { auc } from './auc';

describe('auc', () => {
  it('is 1 for perfect separation, 0 for inverted, 0.5 for ties, and counts pairs exactly', () => {
    expect(auc([0.1, 0.2, 0.8, 0.9], [false, false, true, true])).toBe(1);
    expect(auc([0.1, 0.2, 0.8, 0.9], [true, true, false, false])).toBe(0);
    expect(auc([0.5, 0.5, 0.5, 0.5], [true, false, true, false])).toBe(0.5);
    // positives 0.3, 0.7; negatives 0.2, 0.5, 0.9: pairs won 1+0+0 + 1+1+0 = 3 of 6
    expect(auc([0.3, 0.7, 0.2, 0.5, 0.9], [true, true, false, false, false])).toBe(0.5);
    expect(auc([1, 2], [true, true])).toBeNaN();
  });
});
