import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, parseSettings } from '../settings';
import { cellKey, gridCells } from './grid';
import { estimateGrid, GRID_PRESETS, gridSpecOf, presetOf } from './page-grid';

describe('the page grid', () => {
  it('Quick is SFT, the SFT-on-targets control and Self-Contrast M = 1, 8 at a = 25%, one seed; the defaults are Quick', () => {
    expect(gridCells(gridSpecOf(GRID_PRESETS.quick)).map(cellKey)).toEqual(['sft/seed1', 'sft-targets/seed1', 'self-contrast/M1/a25/seed1', 'self-contrast/M8/a25/seed1']);
    expect(presetOf(DEFAULT_SETTINGS)).toBe('quick');
  });

  it('Paper crosses M with a%, adds unfiltered (a = 100%) per M, DPO_std and the control, three seeds; M = 16 needs R = 64', () => {
    const spec = gridSpecOf(GRID_PRESETS.paper);
    const cells = gridCells(spec);
    expect(cells).toHaveLength(3 * (1 + 1 + 1 + 5 * 3 + 5));
    expect(cells.map(cellKey)).toContain('sft-targets/seed3');
    expect(cells.map(cellKey)).toContain('self-contrast/M16/a100/seed3');
    expect(cells.map(cellKey)).toContain('dpo-std/seed2');
    expect(presetOf({ ...GRID_PRESETS.paper, gridSeeds: 2 })).toBeNull();
  });

  it('grid settings parse as lists, normalised, and refuse repeats and out-of-range values', () => {
    expect(parseSettings({ gridMs: ' 8, 1 ,16', gridAs: '12.5,25', gridMethods: 'self-contrast,sft' }).settings).toEqual({ gridMs: '8,1,16', gridAs: '12.5,25', gridMethods: 'sft,self-contrast' });
    expect(parseSettings({ gridMs: '1,1' }).invalid).toEqual(['gridMs=1,1']);
    expect(parseSettings({ gridMs: '0.5' }).invalid).toEqual(['gridMs=0.5']);
    expect(parseSettings({ gridAs: '101' }).invalid).toEqual(['gridAs=101']);
    expect(parseSettings({ gridMethods: 'spin' }).invalid).toEqual(['gridMethods=spin']);
    expect(parseSettings({ gridMs: '' }).invalid).toEqual(['gridMs=']);
  });

  it('estimates from the measured rates: pool once, SFT evaluated once, training by rows × tokens', () => {
    const rates = { samplingTokensPerSecond: 1000, embeddingTextsPerSecond: 100, trainingTokensPerSecond: 2000, promptTokens: 30, responseTokens: 20 };
    const s = { ...GRID_PRESETS.quick, gridMethods: 'sft,self-contrast', gridSeeds: 2, gridPrompts: 100, gridEvalPrompts: 50, gridEvalSampled: 0, gridRewardSamples: 0 };
    const e = estimateGrid(s, 1, rates);
    expect(e.pool).toBeCloseTo((100 * 32 * 20) / 1000 + (100 * 33) / 100, 9);
    const sft = e.cells.filter((c) => c.cell.method === 'sft');
    expect(sft.map((c) => c.evaluate)).toEqual([1, 0]);
    const m8 = e.cells.find((c) => cellKey(c.cell) === 'self-contrast/M8/a25/seed1')!;
    expect(m8.train).toBeCloseTo((100 * 9 * 50) / 2000, 9);
    expect(e.total).toBeCloseTo(e.pool + e.cells.reduce((a, c) => a + c.train + c.evaluate, 0), 9);
    expect(estimateGrid(s, 1, { ...rates, trainingTokensPerSecond: null }).total).toBeNull();
    // k T = 1 samples per test prompt (the authors' evaluation) on top of greedy: (1 + k) times the evaluation.
    const withSampled = estimateGrid({ ...s, gridEvalSampled: 4 }, 1, rates);
    expect(withSampled.cells.map((c) => c.evaluate)).toEqual(e.cells.map((c) => 5 * c.evaluate));
    expect(withSampled.pool).toBe(e.pool);
    // k = 4 reward probes per test prompt: sampled and scored under the loaded model once, with the pool; per trained
    // cell its 4 candidates per prompt scored under the policy, a forward pass at 3× the training rate; SFT trains
    // nothing and scores none.
    const probed = estimateGrid({ ...s, gridRewardSamples: 4 }, 1, rates);
    const scoring = (4 * 50 * 50) / (3 * 2000);
    expect(probed.pool).toBeCloseTo(e.pool + (50 * 4 * 20) / 1000 + scoring, 9);
    expect(probed.cells.find((c) => c.cell.method === 'sft')!.evaluate).toBe(1);
    expect(probed.cells.find((c) => cellKey(c.cell) === 'self-contrast/M8/a25/seed1')!.evaluate).toBeCloseTo(m8.evaluate + scoring, 9);
  });

  it('without a verifier only Self-Contrast, unfiltered and the SFT-on-targets control remain', () => {
    expect(new Set(gridCells(gridSpecOf({ ...GRID_PRESETS.paper, gridSeeds: 1 }, false)).map((c) => c.method))).toEqual(new Set(['sft-targets', 'self-contrast']));
    expect(gridCells(gridSpecOf({ ...GRID_PRESETS.quick, gridMethods: 'sft,oracle' }, false))).toEqual([]);
    expect(gridCells(gridSpecOf({ ...GRID_PRESETS.quick, gridMethods: 'sft,sft-targets,self-contrast' }, false)).map(cellKey))
      .toEqual(['sft-targets/seed1', 'self-contrast/M1/a25/seed1', 'self-contrast/M8/a25/seed1']);
  });
});
