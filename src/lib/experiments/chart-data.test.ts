import { describe, expect, it } from 'vitest';
import { fig4Data, fig5Data, fig6Data } from './chart-data';
import type { CellResult } from './figures';
import type { Cell } from './grid';

const r = (cell: Cell, accuracy: number, dataAccuracy = NaN, negatives = 0, skipped?: string): CellResult => ({
  cell, accuracy, prompts: 10, dataAccuracy, negatives, steps: 1, finalLoss: 0.6, finalMargin: 0.1, minutes: 1, skipped,
});

const results = [
  r({ method: 'sft', m: 0, a: 0, seed: 1 }, 0.5),
  r({ method: 'sft', m: 0, a: 0, seed: 2 }, 0.5),
  r({ method: 'dpo-std', m: 1, a: 0, seed: 1 }, 0.55, 1, 10),
  r({ method: 'self-contrast', m: 1, a: 25, seed: 1 }, 0.56, 0.9, 10),
  r({ method: 'self-contrast', m: 1, a: 25, seed: 2 }, 0.58, 0.8, 10),
  r({ method: 'self-contrast', m: 8, a: 25, seed: 1 }, 0.6, 0.95, 80),
  r({ method: 'self-contrast', m: 1, a: 100, seed: 1 }, 0.52, 0.5, 20),
  r({ method: 'self-contrast', m: 8, a: 100, seed: 1 }, NaN, 0.4, 40, 'too few'),
];

describe('chart data', () => {
  it('Fig. 4: a point per M, a line per a%, means and sds in %, SFT and DPO_std as references; skipped cells left out', () => {
    const f = fig4Data(results);
    expect(f.as).toEqual([25, 100]);
    expect(f.points.map((p) => p.m)).toEqual([1, 8]);
    expect(f.points[0].a25).toBeCloseTo(57, 9);
    expect(f.points[0].a25_sd).toBeCloseTo(100 * Math.sqrt(2 * 0.01 ** 2), 9);
    expect(f.points[1].a100).toBeUndefined();
    expect(f.sft).toBeCloseTo(50, 9);
    expect(f.dpoStd).toBeCloseTo(55, 9);
    expect(f.sftTargets).toBeNull();
    const withControl = fig4Data([...results, r({ method: 'sft-targets', m: 1, a: 0, seed: 1 }, 0.64), r({ method: 'sft-targets', m: 1, a: 0, seed: 2 }, 0.66)]);
    expect(withControl.sftTargets).toBeCloseTo(65, 9);
    expect(withControl.points).toEqual(f.points);
  });

  it('Fig. 5: at M = 1 per a%, data accuracy and model accuracy', () => {
    const f = fig5Data(results);
    expect(f.map((p) => p.a)).toEqual([25, 100]);
    expect(f[0].dataAccuracy).toBeCloseTo(85, 9);
    expect(f[0].accuracy).toBeCloseTo(57, 9);
    expect(f[0].seeds).toBe(2);
  });

  it("Fig. 6: the verifier's labelling of every sample, then each a%'s negatives by outcome, weighted by count", () => {
    const f = fig6Data(results, { samples: 200, wrong: 150 });
    expect(f.map((b) => b.label)).toEqual(['all samples', 'a = 25%', 'a = 100%']);
    expect(f[0]).toMatchObject({ wrong: 75, right: 25, count: 200 });
    expect(f[1].count).toBe(100);
    expect(f[1].wrong).toBeCloseTo((10 * 0.9 + 10 * 0.8 + 80 * 0.95) / 100 * 100, 9);
    expect(f[2].wrong + f[2].right).toBeCloseTo(100, 9);
  });
});
