import { describe, expect, it } from 'vitest';
import { buildTable, rankCandidates } from '../contrast/filter';
import { taskFigures } from './figures';

describe('task figures', () => {
  // Prompt 0: 32 distinct samples, the 12 wrong ones least similar (a perfect encoder).
  // Prompt 1: 32 samples of 4 texts, 30 right: whatever the similarity, negatives at a = 25% are mostly right.
  const samples0 = Array.from({ length: 32 }, (_, j) => `a${j}`);
  const samples1 = Array.from({ length: 32 }, (_, j) => `b${j % 4}`);
  const correct = Uint8Array.from([...samples0.map((_, j) => (j < 12 ? 0 : 1)), ...samples1.map((t) => (t === 'b3' ? 0 : 1))]);
  // Prompt 1's wrong text is the MOST similar: the encoder errs there, the ceiling does not.
  const similarity = Float32Array.from([...samples0.map((_, j) => j / 32), ...samples1.map((t) => (t === 'b3' ? 0.9 : 0.1 + 0.1 * Number(t[1])))]);
  const table = buildTable([{ target: 't0', samples: samples0 }, { target: 't1', samples: samples1 }], similarity);
  const f = taskFigures(table, rankCandidates(table, 'reference'), correct);

  it('counts distinct texts, right samples and prompts that give 8 pairs', () => {
    expect(f.prompts).toBe(2);
    expect(f.samplesPerPrompt).toBe(32);
    expect(f.distinctMedian).toBe(32);
    expect(f.distinctP10).toBe(4);
    expect(f.sampleAccuracy).toBeCloseTo((20 + 24) / 64, 12);
    expect(f.pairsAtM8).toBe(0.5);
  });

  it('data accuracy by a% for the encoder, and for a perfect encoder the ceiling the rule allows', () => {
    const at = (curve: typeof f.dataAccuracy, a: number) => curve.find((c) => c.a === a)!;
    // a = 25%: prompt 0 pools its 8 least similar (all wrong); prompt 1 (D = 4, K = 3) pools b0, b1, b2 — all right.
    expect(at(f.dataAccuracy, 25)).toEqual({ a: 25, accuracy: 0.5, negatives: 2 });
    // Perfect encoder: prompt 1 pools b3 first, then two right texts; the M = 1 draw decides.
    expect(at(f.dataAccuracyCeiling, 25).accuracy).toBeGreaterThanOrEqual(0.5);
    f.dataAccuracyCeiling.forEach((c, i) => expect(c.accuracy).toBeGreaterThanOrEqual(f.dataAccuracy[i].accuracy));
    expect(f.auc).toBeLessThan(1);
  });
});
