import { describe, expect, it } from 'vitest';
import { cellsCsv, CSV_COLUMNS, percentSummary, resultRows } from './results';
import type { CellResult } from './figures';
import type { Cell } from './grid';

const result = (cell: Cell, accuracy: number, extra: Partial<CellResult> = {}): CellResult => ({
  cell, accuracy, prompts: 100, dataAccuracy: 0.9, negatives: 100 * cell.m, steps: 7, finalLoss: 0.65, finalMargin: 0.2, minutes: 1,
  seconds: { filter: 0.01, train: 30, evaluate: 5 }, ...extra,
});

describe('grid results', () => {
  const results = [
    result({ method: 'self-contrast', m: 8, a: 25, seed: 1 }, 0.6),
    result({ method: 'sft', m: 0, a: 0, seed: 1 }, 0.5, { prompts: 0, dataAccuracy: NaN, negatives: 0, steps: 0, finalLoss: NaN, finalMargin: NaN }),
    result({ method: 'self-contrast', m: 8, a: 25, seed: 2 }, 0.64),
    result({ method: 'self-contrast', m: 1, a: 25, seed: 1 }, 0.55),
    result({ method: 'self-contrast', m: 1, a: 25, seed: 2 }, NaN, { skipped: 'only 3 prompts give pairs' }),
  ];

  it('one row per method/M/a%, in the paper order, mean ± sd over the trained seeds', () => {
    const rows = resultRows(results);
    expect(rows.map((r) => r.label)).toEqual(['SFT', 'Self-Contrast, M = 1, a = 25%', 'Self-Contrast, M = 8, a = 25%']);
    expect(rows[2].accuracy.mean).toBeCloseTo(0.62, 12);
    expect(rows[2].accuracy.sd).toBeCloseTo(Math.sqrt(2 * 0.02 ** 2), 12);
    expect(rows[2].perSeed).toEqual([{ seed: 1, accuracy: 0.6 }, { seed: 2, accuracy: 0.64 }]);
    expect(rows[1].skipped).toBe(1);
    expect(rows[1].accuracy.n).toBe(1);
    expect(rows[2].sampledAccuracy.n).toBe(0);
  });

  it('the mean grade (graded task): mean ± sd over the seeds that have it, per seed beside the accuracy', () => {
    const rows = resultRows([
      result({ method: 'self-contrast', m: 1, a: 25, seed: 2 }, 0.2, { grade: 0.6 }),
      result({ method: 'self-contrast', m: 1, a: 25, seed: 1 }, 0.1, { grade: 0.64 }),
    ]);
    expect(rows[0].grade.mean).toBeCloseTo(0.62, 12);
    expect(rows[0].grade.sd).toBeCloseTo(Math.sqrt(2 * 0.02 ** 2), 12);
    expect(rows[0].perSeed).toEqual([{ seed: 1, accuracy: 0.1, grade: 0.64 }, { seed: 2, accuracy: 0.2, grade: 0.6 }]);
    expect(resultRows(results)[0].grade.n).toBe(0);
  });

  it('the implicit reward\'s measures: self-pair reward accuracy and best-of-k, mean ± sd over the seeds that have them', () => {
    const rows = resultRows([
      result({ method: 'self-contrast', m: 8, a: 25, seed: 2 }, 0.64, { selfPairRewards: { accuracy: 0.62, margin: 0.1 }, bestOfAccuracy: 0.7 }),
      result({ method: 'self-contrast', m: 8, a: 25, seed: 1 }, 0.6, { selfPairRewards: { accuracy: 0.6, margin: 0.1 }, bestOfAccuracy: 0.74 }),
      result({ method: 'self-contrast', m: 8, a: 25, seed: 3 }, 0.62),
    ]);
    expect(rows[0].selfPairAccuracy.mean).toBeCloseTo(0.61, 12);
    expect(rows[0].selfPairAccuracy.n).toBe(2);
    expect(rows[0].bestOfAccuracy.mean).toBeCloseTo(0.72, 12);
    expect(rows[0].bestOfAccuracy.sd).toBeCloseTo(Math.sqrt(2 * 0.02 ** 2), 12);
    expect(percentSummary(rows[0].bestOfAccuracy)).toBe('72.0 ± 2.8');
    expect(percentSummary(resultRows([result({ method: 'sft', m: 0, a: 0, seed: 1 }, 0.5)])[0].bestOfAccuracy)).toBe('–');
    expect(rows[0].perSeed).toEqual([{ seed: 1, accuracy: 0.6, bestOfAccuracy: 0.74 }, { seed: 2, accuracy: 0.64, bestOfAccuracy: 0.7 }, { seed: 3, accuracy: 0.62 }]);
    const line = (r: CellResult) => Object.fromEntries(cellsCsv([r]).split('\n')[1].split(',').map((v, i) => [CSV_COLUMNS[i], v]));
    expect(line(result({ method: 'self-contrast', m: 8, a: 25, seed: 1 }, 0.6, { selfPairRewards: { accuracy: 0.625, margin: 0.03 }, bestOfAccuracy: 0.75 })))
      .toMatchObject({ self_pair_accuracy: '0.625', self_pair_margin: '0.03', best_of_accuracy: '0.75' });
    expect(line(result({ method: 'self-contrast', m: 8, a: 25, seed: 1 }, 0.6))).toMatchObject({ self_pair_accuracy: '', self_pair_margin: '', best_of_accuracy: '' });
  });

  it('sampled accuracy (the authors\' T = 1 evaluation): mean ± sd over the seeds that have it, per seed beside greedy', () => {
    const rows = resultRows([
      result({ method: 'self-contrast', m: 8, a: 25, seed: 2 }, 0.64, { sampledAccuracy: 0.5 }),
      result({ method: 'self-contrast', m: 8, a: 25, seed: 1 }, 0.6, { sampledAccuracy: 0.4 }),
      result({ method: 'self-contrast', m: 8, a: 25, seed: 3 }, 0.62),
    ]);
    expect(rows[0].sampledAccuracy.mean).toBeCloseTo(0.45, 12);
    expect(rows[0].sampledAccuracy.sd).toBeCloseTo(Math.sqrt(2 * 0.05 ** 2), 12);
    expect(rows[0].sampledAccuracy.n).toBe(2);
    expect(rows[0].perSeed).toEqual([{ seed: 1, accuracy: 0.6, sampledAccuracy: 0.4 }, { seed: 2, accuracy: 0.64, sampledAccuracy: 0.5 }, { seed: 3, accuracy: 0.62 }]);
  });

  it('weight change: the mean over the trained seeds that measured it, and its CSV column', () => {
    const rows = resultRows([
      result({ method: 'self-contrast', m: 8, a: 25, seed: 1 }, 0.6, { weightChange: 0.01 }),
      result({ method: 'self-contrast', m: 8, a: 25, seed: 2 }, 0.64, { weightChange: 0.03 }),
      result({ method: 'self-contrast', m: 8, a: 25, seed: 3 }, 0.62),
      result({ method: 'self-contrast', m: 1, a: 25, seed: 1 }, 0.55),
    ]);
    expect(rows[1].weightChange).toBeCloseTo(0.02, 12);
    expect(rows[0].weightChange).toBeNaN();
    const column = CSV_COLUMNS.indexOf('weight_change');
    expect(cellsCsv([result({ method: 'self-contrast', m: 8, a: 25, seed: 1 }, 0.6, { weightChange: 0.0125 })]).split('\n')[1].split(',')[column]).toBe('0.0125');
    expect(cellsCsv([result({ method: 'self-contrast', m: 8, a: 25, seed: 1 }, 0.6)]).split('\n')[1].split(',')[column]).toBe('');
  });

  it('CSV: a header and one line per cell with its numbers, NaN empty, text quoted', () => {
    const lines = cellsCsv(results).trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(results.length + 1);
    const sft = lines[2].split(',');
    // No sampled evaluation asked: its column is empty.
    expect(sft.slice(0, 8)).toEqual(['sft/seed1', 'sft', '0', '0', '1', '0.5', '', '0']);
    expect(sft[8]).toBe('');
    expect(lines[1].split(',')[5]).toBe('0.6');
    expect(lines[5].endsWith(',only 3 prompts give pairs')).toBe(true);
    expect(cellsCsv([result({ method: 'sft', m: 0, a: 0, seed: 1 }, 0.5, { sampledAccuracy: 0.375 })]).split('\n')[1].split(',')[6]).toBe('0.375');
    expect(cellsCsv([result({ method: 'oracle', m: 2, a: 0, seed: 1 }, 0.5, { skipped: 'a "quoted", text' })])).toContain('"a ""quoted"", text"');
  });
});
