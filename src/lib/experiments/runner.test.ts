import { describe, expect, it } from 'vitest';
import { cellKey, gridCells, PAPER_GRID, type Cell } from './grid';
import { poolLabelling, runGrid, type CellOutcome, type GridParts } from './runner';
import { syntheticPool } from './synthetic-pool.testutil';
import type { CellResult } from './figures';
import type { PreferenceRecord } from '../data/export';

const pool = syntheticPool(24, 64, (p) => 4 + 3 * p, (p) => (p % 3 === 0 ? 0 : 2));

/** An engine whose "accuracy" is a function of what it trained on, counting its calls. */
function countingParts(failOn?: string, sampled = false) {
  const calls = { pool: 0, trained: [] as string[], records: new Map<string, PreferenceRecord[]>() };
  const parts: GridParts = {
    samplePool: async () => {
      calls.pool++;
      return pool;
    },
    trainAndEvaluate: async (cell: Cell, records): Promise<CellOutcome> => {
      if (cellKey(cell) === failOn) throw new Error('cancelled');
      calls.trained.push(cellKey(cell));
      calls.records.set(cellKey(cell), records);
      const accuracy = records.length / 100 + cell.seed / 1000;
      return { accuracy, grade: accuracy + 0.1, ...(sampled ? { sampledAccuracy: accuracy / 2 } : {}), steps: Math.ceil(records.length / 4), finalLoss: 0.6, finalMargin: 0.1, weightChange: records.length / 1e4, selfPairRewards: { accuracy: 0.5 + cell.m / 100, margin: 0.01 }, bestOfAccuracy: 0.7 + cell.m / 100, seconds: { train: 1, evaluate: 2 } };
    },
  };
  return { calls, parts };
}

const grid = { ...PAPER_GRID, seeds: [1, 2], ms: [1, 8], aSweep: [], dpoStd: true };

describe('grid runner', () => {
  it('runs every cell once, samples the pool once, and evaluates SFT once for all seeds', async () => {
    const { calls, parts } = countingParts();
    const cells = gridCells(grid);
    const seen: CellResult[] = [];
    const results = await runGrid(cells, [], parts, { minPrompts: 4, onCell: (r) => seen.push(r) });
    expect(results.map((r) => cellKey(r.cell))).toEqual(cells.map(cellKey));
    expect(seen).toEqual(results);
    expect(calls.pool).toBe(1);
    expect(calls.trained.filter((k) => k.startsWith('sft'))).toHaveLength(1);
    const sft = results.filter((r) => r.cell.method === 'sft');
    expect(sft[1].accuracy).toBe(sft[0].accuracy);
    // What a cell trains on is the grid's cellData: the records reach the engine, with their count and verdicts recorded.
    const m8 = results.find((r) => cellKey(r.cell) === 'self-contrast/M8/a25/seed2')!;
    expect(m8.prompts).toBe(calls.records.get('self-contrast/M8/a25/seed2')!.length);
    expect(m8.negatives).toBe(8 * m8.prompts);
    expect(m8.seconds).toEqual({ filter: expect.any(Number), train: 1, evaluate: 2 });
    expect(m8.weightChange).toBe(m8.prompts / 1e4);
    expect(m8.selfPairRewards).toEqual({ accuracy: 0.58, margin: 0.01 });
    expect(m8.bestOfAccuracy).toBeCloseTo(0.78, 12);
    // The mean grade travels with each cell, SFT's to every seed.
    expect(m8.grade).toBeCloseTo(m8.accuracy + 0.1, 12);
    expect(sft[1].grade).toBe(sft[0].grade);
    expect(sft[0].grade).toBeCloseTo(sft[0].accuracy + 0.1, 12);
  });

  it('resumes: finished cells are kept as they are and not run again', async () => {
    const first = countingParts('self-contrast/M8/a25/seed1');
    const cells = gridCells(grid);
    const kept: CellResult[] = [];
    await expect(runGrid(cells, [], first.parts, { minPrompts: 4, onCell: (r) => kept.push(r) })).rejects.toThrow('cancelled');
    expect(kept.map((r) => cellKey(r.cell))).toEqual(['sft/seed1', 'dpo-std/seed1', 'self-contrast/M1/a25/seed1']);
    const second = countingParts();
    const results = await runGrid(cells, kept, second.parts, { minPrompts: 4 });
    expect(results.slice(0, 3)).toEqual(kept);
    expect(second.calls.trained).not.toContain('self-contrast/M1/a25/seed1');
    // SFT's accuracy comes from the finished cell: the base model is not evaluated again.
    expect(second.calls.trained.some((k) => k.startsWith('sft'))).toBe(false);
    expect(results.map((r) => cellKey(r.cell))).toEqual(cells.map(cellKey));
  });

  it("carries the sampled accuracy (the authors' T = 1 evaluation) into every cell, SFT's seeds and a resumed SFT included", async () => {
    const cells = gridCells(grid);
    const first = countingParts('dpo-std/seed1', true);
    const kept: CellResult[] = [];
    await expect(runGrid(cells, [], first.parts, { minPrompts: 4, onCell: (r) => kept.push(r) })).rejects.toThrow('cancelled');
    const results = await runGrid(cells, kept, countingParts(undefined, true).parts, { minPrompts: 4 });
    for (const r of results) expect(r.sampledAccuracy).toBe(r.accuracy / 2);
    // Without it, cells have no such field (old results and greedy-only grids stay as they were).
    const plain = await runGrid(cells.slice(0, 2), [], countingParts().parts, { minPrompts: 4 });
    expect(plain.every((r) => !('sampledAccuracy' in r))).toBe(true);
  });

  it('records a cell whose filter leaves too few prompts as not trained, with the reason', async () => {
    const { calls, parts } = countingParts();
    const [cell] = gridCells({ ...grid, seeds: [1], sft: false, dpoStd: false, ms: [8] });
    const [r] = await runGrid([cell], [], parts, { minPrompts: 1000 });
    expect(calls.trained).toEqual([]);
    expect(r.skipped).toMatch(/prompts give pairs, fewer than one optimizer step's 1000/);
    expect(r.accuracy).toBeNaN();
  });

  it("labels the pool as the verifier does: Fig. 6's reference", () => {
    const { samples, wrong } = poolLabelling(pool, 32)!;
    expect(samples).toBe(24 * 32);
    let expected = 0;
    pool.samples.forEach((t, p) => t.slice(0, 32).forEach((_, j) => (expected += pool.correct!(p, j) ? 0 : 1)));
    expect(poolLabelling({ ...pool, correct: null }, 32)).toBeNull();
    expect(wrong).toBe(expected);
  });
});
