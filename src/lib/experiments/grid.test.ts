import { describe, expect, it } from 'vitest';
import { PAPER_FILTER, selectNegatives } from '../contrast/filter';
import { preferenceRecords } from '../data/export';
import { cellData, cellKey, dataAccuracy, gridCells, PAPER_GRID, summarize } from './grid';
import { syntheticPool } from './synthetic-pool.testutil';
import { figure4Svg, figure5Svg, type CellResult } from './figures';
import { cellDpoConfig } from './cell-run';
import { DEFAULT_SETTINGS } from '../settings';

describe('experiment grid', () => {
  const pool = syntheticPool(12, 64, (p) => 4 + 3 * p, (p) => (p % 3 === 0 ? 0 : 2));

  it('lists each cell once, seed by seed, with the paper grid complete', () => {
    const cells = gridCells(PAPER_GRID);
    const keys = cells.map(cellKey);
    expect(new Set(keys).size).toBe(keys.length);
    // Per seed: SFT, DPO_std, M = 1, 2, 4, 8, 16 at a = 25 and the a sweep at M = 1 without repeating a = 25.
    expect(cells).toHaveLength(5 * (1 + 1 + 5 + 4));
    expect(cells.slice(0, 11).every((c) => c.seed === 1)).toBe(true);
    expect(keys).toContain('self-contrast/M1/a100/seed3');
  });

  it('Self-Contrast cells are the reference filter on the first 32 samples (64 for M = 16), the target chosen', () => {
    for (const m of [1, 8, 16]) {
      const cell = { method: 'self-contrast' as const, m, a: 25, seed: 2 };
      const { table, ranking } = pool.table(m > 8 ? 64 : 32);
      const rows = pool.prompts.map((prompt, p) => ({ prompt, target: pool.targets[p], samples: pool.samples[p].slice(0, m > 8 ? 64 : 32) }));
      const expected = preferenceRecords(rows, table, selectNegatives(table, ranking, { ...PAPER_FILTER, m, seed: 2 }));
      const got = cellData(cell, pool);
      expect(got.records).toEqual(expected);
      expect(got.rejectedWrong.map((r) => r.length)).toEqual(expected.map(() => m));
    }
  });

  it('with the closest sample as chosen, Self-Contrast keeps its negatives and takes the most similar other sample', () => {
    for (const m of [1, 8]) {
      const cell = { method: 'self-contrast' as const, m, a: 25, seed: 3 };
      const paper = cellData(cell, pool);
      const variant = cellData(cell, pool, { chosen: 'closest-sample' });
      expect(variant.records.map((r) => r.rejected)).toEqual(paper.records.map((r) => r.rejected));
      expect(variant.rejectedWrong).toEqual(paper.rejectedWrong);
      const { table } = pool.table(32);
      variant.records.forEach((r) => {
        const p = pool.prompts.indexOf(r.prompt as string);
        const similarity = (text: string) => table.similarity[table.offsets[p] + pool.samples[p].indexOf(text)];
        expect(r.chosen).not.toBe(pool.targets[p]);
        expect(r.rejected).not.toContain(r.chosen);
        const others = pool.samples[p].slice(0, 32).filter((t) => !r.rejected.includes(t));
        for (const t of others) expect(similarity(r.chosen)).toBeGreaterThanOrEqual(similarity(t));
        // The synthetic pool puts right samples (index below right(p)) near the target.
        if (p % 3 !== 0) expect(Number(r.chosen.split(':')[1])).toBeLessThan(2);
      });
    }
  });

  it('the oracle draws M distinct wrong samples and skips prompts with fewer; DPO_std pairs a right sample with a wrong one', () => {
    const oracle = cellData({ method: 'oracle', m: 8, a: 0, seed: 1 }, pool);
    expect(dataAccuracy(oracle)).toBe(1);
    for (const r of oracle.records) {
      const p = pool.prompts.indexOf(r.prompt as string);
      expect(r.chosen).toBe(pool.targets[p]);
      expect(new Set(r.rejected).size).toBe(8);
      // wrong texts of prompt p are p:v with v >= right(p); among the first 32 samples there are min(32, 4 + 3p) distinct
      expect(Math.min(32, 4 + 3 * p) - (p % 3 === 0 ? 0 : 2)).toBeGreaterThanOrEqual(8);
    }
    expect(oracle.records.length).toBe(pool.prompts.filter((_, p) => Math.min(32, 4 + 3 * p) - (p % 3 === 0 ? 0 : 2) >= 8).length);
    expect(cellData({ method: 'oracle', m: 8, a: 0, seed: 1 }, pool)).toEqual(oracle);
    expect(cellData({ method: 'oracle', m: 8, a: 0, seed: 2 }, pool)).not.toEqual(oracle);

    const std = cellData({ method: 'dpo-std', m: 1, a: 0, seed: 1 }, pool);
    // Prompts p % 3 === 0 have no right sample: no pair.
    expect(std.records).toHaveLength(pool.prompts.filter((_, p) => p % 3 !== 0).length);
    std.records.forEach((r) => {
      const p = pool.prompts.indexOf(r.prompt as string);
      expect(Number(r.chosen.split(':')[1])).toBeLessThan(2);
      expect(Number(r.rejected[0].split(':')[1])).toBeGreaterThanOrEqual(2);
      expect(r.chosen.startsWith(`${p}:`)).toBe(true);
    });
    expect(dataAccuracy(std)).toBe(1);
    expect(cellData({ method: 'sft', m: 0, a: 0, seed: 1 }, pool).records).toEqual([]);
  });

  it('the SFT-on-targets control trains on Self-Contrast M = 1\'s prompts and targets, its loss TRL\'s "sft", nothing else changed', () => {
    const control = cellData({ method: 'sft-targets', m: 1, a: 0, seed: 2 }, pool);
    expect(control.records).toEqual(cellData({ method: 'self-contrast', m: 1, a: PAPER_FILTER.a, seed: 2 }, pool).records);
    // Its negatives are not trained on: no data accuracy.
    expect(dataAccuracy(control)).toBeNaN();
    expect(gridCells({ ...PAPER_GRID, seeds: [1], sftTargets: true }).map(cellKey).slice(0, 3)).toEqual(['sft/seed1', 'dpo-std/seed1', 'sft-targets/seed1']);
    const settings = { ...DEFAULT_SETTINGS, rpoAlpha: 1, dpoLoss: 'ipo' as const, lr: 1e-4 };
    const control1 = cellDpoConfig(settings, { method: 'sft-targets', m: 1, seed: 3 }, [], 256);
    const m1 = cellDpoConfig(settings, { method: 'self-contrast', m: 1, seed: 3 }, [], 256);
    expect(control1).toEqual({ ...m1, loss_type: 'sft', rpo_alpha: null });
    expect(m1.loss_type).toBe('ipo');
  });

  it('summarises seeds as mean and sample sd, and draws both figures from the same cells', () => {
    const s = summarize([0.5, 0.6, 0.7]);
    expect(s.mean).toBeCloseTo(0.6, 12);
    expect(s.sd).toBeCloseTo(0.1, 12);
    expect(summarize([0.4]).sd).toBe(0);
    const results: CellResult[] = gridCells({ ...PAPER_GRID, seeds: [1, 2] }).map((cell, i) => ({
      cell, accuracy: 0.4 + 0.01 * (i % 7), prompts: 10, dataAccuracy: 0.9, steps: 3, finalLoss: 0.6, finalMargin: 0.1, minutes: 1,
    }));
    const fig4 = figure4Svg(results);
    expect(fig4).toContain('SFT');
    expect(fig4).toContain('DPO_std');
    expect(fig4).not.toContain('SFT on the pool targets');
    expect(fig4.match(/<circle/g)).toHaveLength(5);
    const control: CellResult = { ...results[0], cell: { method: 'sft-targets', m: 1, a: 0, seed: 1 }, accuracy: 0.7 };
    expect(figure4Svg([...results, control])).toContain('SFT on the pool targets (control)');
    // DPO_std and the control at the same accuracy: both labels at the right end, a line of text apart.
    const std = results.filter((r) => r.cell.method === 'dpo-std');
    const labelY = (svg: string, label: string) => Number(new RegExp(`<text x="[\\d.]+" y="([\\d.]+)" text-anchor="end"[^>]*>${label.replace(/[()]/g, '\\$&')}<`).exec(svg)![1]);
    const tied = figure4Svg([...results, ...std.map((r) => ({ ...r, cell: { method: 'sft-targets' as const, m: 1, a: 0, seed: r.cell.seed } }))]);
    expect(Math.abs(labelY(tied, 'SFT on the pool targets (control)') - labelY(tied, 'DPO_std (verifier feedback)'))).toBeGreaterThanOrEqual(14);
    expect(figure5Svg(results).match(/<circle/g)).toHaveLength(10);
  });

  it('without a verifier: Self-Contrast cells select as before with no data accuracy; cells that need the verifier say so', () => {
    const blind = { ...pool, correct: null };
    const cell = { method: 'self-contrast' as const, m: 2, a: 25, seed: 1 };
    const d = cellData(cell, blind);
    expect(d.records).toEqual(cellData(cell, pool).records);
    expect(dataAccuracy(d)).toBeNaN();
    expect(() => cellData({ method: 'dpo-std', m: 1, a: 0, seed: 1 }, blind)).toThrow(/needs a verifier/);
  });
});
