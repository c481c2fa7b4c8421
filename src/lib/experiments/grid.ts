// The paper's comparisons as a grid of cells over one sampling of a prompt
// pool: each cell is a method (SFT; DPO_std with verifier feedback; Self-Contrast
// with the reference filter at some a% and M; the verifier as the filter, an
// oracle that separates filter quality from everything else; SFT continued on
// the pool's targets, a control for what the chosen responses alone give) and
// a seed. This
// module says what each cell trains on; training and evaluation are the
// caller's (onnxruntime-node in scripts/compare-negatives.ts), so the same
// cells give the same pairs wherever they run.
import type { PreferenceRecord } from '../data/export';
import { negativeText, PAPER_FILTER, promptSeed, selectNegatives, type Ranking, type SimilarityTable } from '../contrast/filter';
import { createRng } from '../random';
import type { SelfContrastData } from '../contrast/pipeline';
import type { PromptInput } from '../model/codec';

export type Method = 'sft' | 'dpo-std' | 'sft-targets' | 'self-contrast' | 'oracle';

export interface Cell {
  method: Method;
  /** Negatives per prompt (1 for DPO_std and the SFT-on-targets control; unused for SFT). */
  m: number;
  /** a% of the filter (Self-Contrast); 100 for the unfiltered SPIN-like baseline. */
  a: number;
  seed: number;
}

export const cellKey = (c: Cell): string => (c.method === 'sft' || c.method === 'dpo-std' || c.method === 'sft-targets' ? `${c.method}/seed${c.seed}` : `${c.method}/M${c.m}/a${c.a}/seed${c.seed}`);

export function cellLabel(c: Omit<Cell, 'seed'>): string {
  if (c.method === 'sft') return 'SFT';
  if (c.method === 'dpo-std') return 'DPO_std (verifier feedback)';
  if (c.method === 'sft-targets') return 'SFT on the pool targets (control)';
  if (c.method === 'oracle') return `Oracle filter, M = ${c.m}`;
  return c.a === 100 ? `Self-negatives unfiltered (a = 100%), M = ${c.m}` : `Self-Contrast, M = ${c.m}, a = ${c.a}%`;
}

/** The samples a cell's filter reads: the paper draws 32 for M ≤ 8 and 64 for M = 16 (a prefix of 64 i.i.d. draws is a draw of 32). */
export const samplesFor = (m: number, drawn: number): number => Math.min(drawn, m > 8 ? 64 : 32);

/** One sampling of the pool, with the verifier's verdicts and a similarity table per sample count. */
export interface PoolSampling {
  prompts: PromptInput[];
  targets: string[];
  /** Every sample per prompt, in sampled order. */
  samples: string[][];
  /** Is sample j of prompt p right? Null without a verifier (a user's own data): only Self-Contrast cells, no data accuracy. */
  correct: ((p: number, j: number) => boolean) | null;
  /** The reference rule's table and ranking over each prompt's first `r` samples. */
  table: (r: number) => { table: SimilarityTable; ranking: Ranking };
}

/** A pool's data step (samples, similarities, tables) with the verifier's verdicts, as the grid reads it. */
export function poolSampling(rows: readonly { prompt: PromptInput; target: string }[], data: SelfContrastData, correct: PoolSampling['correct']): PoolSampling {
  return {
    prompts: rows.map((r) => r.prompt), targets: rows.map((r) => r.target), samples: data.samples, correct,
    table: (r) => {
      const t = data.table(r);
      return { table: t.table, ranking: t.rankings.reference };
    },
  };
}

export interface GridSpec {
  seeds: number[];
  sft: boolean;
  dpoStd: boolean;
  /**
   * The control: SFT continued on the pool's targets (TRL's loss_type "sft") with the same prompts, steps and
   * optimizer as Self-Contrast at M = 1 — what the chosen responses give without any negative.
   */
  sftTargets: boolean;
  /** Self-Contrast at every M of `ms` × a% of `as` (Fig. 4: one line per a%). */
  ms: number[];
  as: number[];
  /** Self-negatives unfiltered (a = 100%, the SPIN-like baseline) at every M of `ms`. */
  unfiltered: boolean;
  /** The a% sweep at M = 1 (Fig. 5). */
  aSweep: number[];
  /** Oracle-filter cells for these M. */
  oracleMs: number[];
}

export const PAPER_GRID: GridSpec = { seeds: [1, 2, 3, 4, 5], sft: true, dpoStd: true, sftTargets: false, ms: [1, 2, 4, 8, 16], as: [PAPER_FILTER.a], unfiltered: false, aSweep: [6.25, 12.5, 25, 50, 100], oracleMs: [] };

/** Samples per prompt the grid's pool needs: 32, or 64 when a cell has M > 8. */
export const gridSamples = (g: Pick<GridSpec, 'ms' | 'oracleMs'>): number => Math.max(32, ...[...g.ms, ...g.oracleMs].map((m) => samplesFor(m, 64)));

/** Every cell of a grid, each once, seed-major so that a partial grid covers whole seeds first. */
export function gridCells(g: GridSpec): Cell[] {
  const cells: Cell[] = [];
  const seen = new Set<string>();
  const add = (c: Cell) => {
    if (!seen.has(cellKey(c))) cells.push(c);
    seen.add(cellKey(c));
  };
  for (const seed of g.seeds) {
    if (g.sft) add({ method: 'sft', m: 0, a: 0, seed });
    if (g.dpoStd) add({ method: 'dpo-std', m: 1, a: 0, seed });
    if (g.sftTargets) add({ method: 'sft-targets', m: 1, a: 0, seed });
    for (const m of g.ms) for (const a of g.as) add({ method: 'self-contrast', m, a, seed });
    if (g.unfiltered) for (const m of g.ms) add({ method: 'self-contrast', m, a: 100, seed });
    for (const a of g.aSweep) add({ method: 'self-contrast', m: 1, a, seed });
    for (const m of g.oracleMs) add({ method: 'oracle', m, a: 0, seed });
  }
  return cells;
}

/** Distinct non-blank sample indices of prompt p among its first r samples, first copies in sampled order. */
function distinctSamples(pool: PoolSampling, p: number, r: number): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  pool.samples[p].slice(0, r).forEach((text, j) => {
    if (!seen.has(text) && text.trim() !== '') out.push(j);
    seen.add(text);
  });
  return out;
}

/** k of xs drawn uniformly without replacement by rng, listed in their original order. */
function draw(xs: number[], k: number, rng: () => number): number[] {
  const a = [...xs];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, k).sort((x, y) => x - y);
}

export interface CellData {
  records: PreferenceRecord[];
  /** Per record, per rejected text: is it really wrong (the verifier)? Fig. 6's outcome of the selection. */
  rejectedWrong: boolean[][];
}

export interface CellDataOptions {
  /**
   * Self-Contrast's chosen response: the SFT target (the paper's), or the prompt's own sample most similar to the
   * target — a variant of P15 in docs/experiments.md, whose chosen shares the model's wording.
   */
  chosen?: 'target' | 'closest-sample';
}

/** The distinct, non-blank sample of prompt p most similar to its target that is not the target itself nor a negative; null if none. */
function closestSample(table: SimilarityTable, samples: readonly string[], p: number, negatives: readonly number[]): string | null {
  let best = -1;
  for (let j = 0; j < table.offsets[p + 1] - table.offsets[p]; j++) {
    const i = table.offsets[p] + j;
    if (!table.firstCopy[i] || table.blank[i] || table.isTarget[i] || negatives.includes(j)) continue;
    if (best < 0 || table.similarity[i] > table.similarity[table.offsets[p] + best]) best = j;
  }
  return best < 0 ? null : samples[best];
}

/**
 * What a cell trains on. Self-Contrast: the reference filter at (a, M) over the
 * first 32 samples (64 for M > 8), the SFT target as chosen. Oracle: M distinct
 * samples the verifier calls wrong, drawn per prompt (prompts with fewer give
 * none, as the filter's rule). DPO_std, the paper's standard preference pairs
 * labelled by feedback: one distinct right sample as chosen and one wrong as
 * rejected, drawn per prompt; prompts without both give none. SFT: nothing.
 * SFT on the targets: Self-Contrast's M = 1 records at the paper's a% (the same
 * prompts and targets; its loss reads only the chosen side), no verdicts.
 */
export function cellData(cell: Cell, pool: PoolSampling, { chosen: chosenFrom = 'target' }: CellDataOptions = {}): CellData {
  if (cell.method === 'sft-targets') {
    const { records } = cellData({ method: 'self-contrast', m: 1, a: PAPER_FILTER.a, seed: cell.seed }, pool);
    return { records, rejectedWrong: [] };
  }
  const r = samplesFor(cell.m, pool.samples[0]?.length ?? 0);
  const correct = pool.correct;
  const verdicts = (p: number, rejected: number[]) => (correct ? rejected.map((j) => !correct(p, j)) : []);
  if (cell.method === 'sft') return { records: [], rejectedWrong: [] };
  if (cell.method === 'self-contrast') {
    const { table, ranking } = pool.table(r);
    const result = selectNegatives(table, ranking, { ...PAPER_FILTER, a: cell.a, m: cell.m, seed: cell.seed });
    const records: PreferenceRecord[] = [];
    const rejectedWrong: boolean[][] = [];
    for (let p = 0; p < pool.prompts.length; p++) {
      const negatives = Array.from(result.negatives.subarray(result.negOffsets[p], result.negOffsets[p + 1]), (s) => s - table.offsets[p]);
      if (!negatives.length) continue;
      const chosen = chosenFrom === 'target' ? pool.targets[p] : closestSample(table, pool.samples[p], p, negatives);
      if (chosen === null) continue;
      records.push({ prompt: pool.prompts[p], chosen, rejected: negatives.map((j) => negativeText(pool.samples[p][j], 'reference')) });
      rejectedWrong.push(verdicts(p, negatives));
    }
    return { records, rejectedWrong };
  }
  if (!correct) throw new Error(`${cellLabel(cell)} needs a verifier; this data has none`);
  const records: PreferenceRecord[] = [];
  const rejectedWrong: boolean[][] = [];
  for (let p = 0; p < pool.prompts.length; p++) {
    const rng = createRng(promptSeed(cell.seed, p));
    const distinct = distinctSamples(pool, p, r);
    const wrong = distinct.filter((j) => !correct(p, j));
    if (cell.method === 'oracle') {
      if (wrong.length < cell.m) continue;
      const chosen = draw(wrong, cell.m, rng);
      records.push({ prompt: pool.prompts[p], chosen: pool.targets[p], rejected: chosen.map((j) => negativeText(pool.samples[p][j], 'reference')) });
      rejectedWrong.push(verdicts(p, chosen));
    } else {
      const right = distinct.filter((j) => correct(p, j));
      if (!right.length || !wrong.length) continue;
      const [good] = draw(right, 1, rng);
      const [bad] = draw(wrong, 1, rng);
      records.push({ prompt: pool.prompts[p], chosen: pool.samples[p][good], rejected: [pool.samples[p][bad]] });
      rejectedWrong.push(verdicts(p, [bad]));
    }
  }
  return { records, rejectedWrong };
}

/** Share of a cell's selected negatives that the verifier calls wrong (the paper's data accuracy); NaN without a verifier. */
export function dataAccuracy(d: CellData): number {
  const all = d.rejectedWrong.flat();
  return all.length ? all.filter(Boolean).length / all.length : NaN;
}

export interface Summary {
  mean: number;
  sd: number;
  n: number;
}

/** Mean and sample standard deviation (n − 1). */
export function summarize(xs: readonly number[]): Summary {
  const n = xs.length;
  const mean = n ? xs.reduce((a, b) => a + b, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}
