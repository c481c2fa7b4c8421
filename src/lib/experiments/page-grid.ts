// The Experiments step's grid as the page states it: settings (in the link like
// every other setting) to a GridSpec, the Quick and Paper presets, and the time
// a grid will take on this machine from the lab's measured rates.
import type { GridMethod, LabSettings } from '../settings';
import { gridCells, gridSamples, type Cell, type GridSpec } from './grid';

type GridSettings = Pick<LabSettings, 'gridMethods' | 'gridMs' | 'gridAs' | 'gridSeeds' | 'gridPrompts' | 'gridEvalPrompts' | 'gridEvalSampled' | 'gridRewardSamples'>;
/** What a preset sets: the grid, not what each cell is also scored on (T = 1 samples, the implicit reward's probes). */
type PresetSettings = Omit<GridSettings, 'gridEvalSampled' | 'gridRewardSamples'>;

const numbers = (list: string) => list.split(',').filter(Boolean).map(Number);

/** The grid the settings describe; without a verifier only Self-Contrast and unfiltered cells (SFT, DPO_std and the oracle need it). */
export function gridSpecOf(s: PresetSettings, verifier = true): GridSpec {
  const methods = new Set((s.gridMethods.split(',') as GridMethod[]).filter((m) => verifier || !NEEDS_VERIFIER.includes(m)));
  const ms = numbers(s.gridMs);
  return {
    seeds: Array.from({ length: s.gridSeeds }, (_, i) => i + 1),
    sft: methods.has('sft'),
    dpoStd: methods.has('dpo-std'),
    sftTargets: methods.has('sft-targets'),
    ms: methods.has('self-contrast') || methods.has('unfiltered') ? ms : [],
    as: methods.has('self-contrast') ? numbers(s.gridAs) : [],
    unfiltered: methods.has('unfiltered'),
    aSweep: [],
    oracleMs: methods.has('oracle') ? ms : [],
  };
}

/** Methods that need the verifier: SFT's quality is the verifier's (its reward accuracy against itself is 0), DPO_std and the oracle label with it. */
export const NEEDS_VERIFIER: readonly GridMethod[] = ['sft', 'dpo-std', 'oracle'];

export type GridPreset = 'quick' | 'paper';

/**
 * Quick: the paper's headline comparison, SFT vs Self-Contrast with 1 and 8 negatives at a = 25%, one seed, on the
 * prompts of `npm run compare:negatives`' test comparison (pool 0–999, 1,000 test prompts), sized to finish within 15
 * minutes in Chromium's WASM on a 2-core machine (bench:experiments). Paper: Fig. 4 and 5's grid —
 * SFT, DPO with verifier feedback, unfiltered self-negatives and Self-Contrast at M = 1…16 × a = 12.5, 25, 50% — on
 * 1,000 pool and 1,000 test prompts, 3 seeds. Both carry the control (SFT on the pool targets): on the built-in task
 * it is what says whether the negatives add anything beyond the chosen responses (docs/experiments.md).
 */
export const GRID_PRESETS: Record<GridPreset, PresetSettings> = {
  quick: { gridMethods: 'sft,sft-targets,self-contrast', gridMs: '1,8', gridAs: '25', gridSeeds: 1, gridPrompts: 1000, gridEvalPrompts: 1000 },
  paper: { gridMethods: 'sft,dpo-std,sft-targets,unfiltered,self-contrast', gridMs: '1,2,4,8,16', gridAs: '12.5,25,50', gridSeeds: 3, gridPrompts: 1000, gridEvalPrompts: 1000 },
};

export function presetOf(s: PresetSettings): GridPreset | null {
  return (Object.keys(GRID_PRESETS) as GridPreset[]).find((p) => (Object.keys(GRID_PRESETS[p]) as (keyof PresetSettings)[]).every((k) => GRID_PRESETS[p][k] === s[k])) ?? null;
}

/** Measured rates on this machine (the lab's backend timings) and the data's sizes in tokens. */
export interface GridRates {
  samplingTokensPerSecond: number;
  embeddingTextsPerSecond: number;
  /** One DPO step's tokens (prompt + response of every row) per second; null until a step is timed. */
  trainingTokensPerSecond: number | null;
  promptTokens: number;
  responseTokens: number;
}

export interface GridEstimate {
  /** Sampling and embedding the pool, once. */
  pool: number;
  cells: { cell: Cell; train: number; evaluate: number }[];
  /** Seconds; null while training is not timed. */
  total: number | null;
}

/**
 * An upper bound in seconds: every pool prompt is taken to give pairs, every sample to be distinct and as long as a
 * target. SFT is evaluated once for all seeds, as the runner does. The reward probes (gridRewardSamples = k) are
 * sampled and scored under the loaded model once, with the pool; each trained cell scores the k candidates per test
 * prompt under its policy — a forward pass, taken as a third of a training step's work per token (the backward pass
 * is about two forwards; the optimizer's share makes this an upper bound).
 */
export function estimateGrid(s: GridSettings, epochs: number, r: GridRates): GridEstimate {
  const spec = gridSpecOf(s);
  const cells = gridCells(spec);
  const R = gridSamples(spec);
  const trains = cells.some((c) => c.method !== 'sft');
  const k = s.gridRewardSamples;
  const probeScoring = k ? (k * s.gridEvalPrompts * (r.promptTokens + r.responseTokens)) / (3 * (r.trainingTokensPerSecond ?? NaN)) : 0;
  const probes = trains && k ? (s.gridEvalPrompts * k * r.responseTokens) / r.samplingTokensPerSecond + probeScoring : 0;
  const pool = trains ? (s.gridPrompts * R * r.responseTokens) / r.samplingTokensPerSecond + (s.gridPrompts * (R + 1)) / r.embeddingTextsPerSecond + probes : 0;
  // Greedy, then gridEvalSampled T = 1 responses per prompt: each as many tokens as a greedy answer, at most.
  const evaluate = (s.gridEvalPrompts * (1 + s.gridEvalSampled) * r.responseTokens) / r.samplingTokensPerSecond;
  let sftSeen = false;
  const perCell = cells.map((cell) => {
    if (cell.method === 'sft') {
      const first = !sftSeen;
      sftSeen = true;
      return { cell, train: 0, evaluate: first ? evaluate : 0 };
    }
    const rows = s.gridPrompts * (1 + Math.max(1, cell.m)) * epochs;
    const train = r.trainingTokensPerSecond ? (rows * (r.promptTokens + r.responseTokens)) / r.trainingTokensPerSecond : NaN;
    return { cell, train, evaluate: evaluate + probeScoring };
  });
  const total = perCell.some((c) => Number.isNaN(c.train)) ? null : pool + perCell.reduce((a, c) => a + c.train + c.evaluate, 0);
  return { pool, cells: perCell, total };
}
