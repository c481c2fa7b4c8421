// The grid runner that the page (Experiments step, through its workers) and the
// node script (scripts/compare-negatives.ts, onnxruntime-node) share: one
// sampling of the pool, then each cell not yet done — its pairs from
// cellData, training and evaluation by the caller's engine — reported as it
// finishes so the caller can persist it. Cancelling is the engine's: a part
// that throws stops the grid with every finished cell kept.
import type { PreferenceRecord } from '../data/export';
import { cellData, cellKey, dataAccuracy, type Cell, type PoolSampling } from './grid';
import type { CellResult } from './figures';

/** What training and evaluating one cell gave (records empty: the base model, evaluated only). */
export interface CellOutcome {
  /** The grid's quality axis: greedy verifier accuracy, or reward accuracy on held-out pairs where there is no verifier. */
  accuracy: number;
  /** Mean grade of the greedy responses where a verifier grades them (the share of items right on the graded task). */
  grade?: number;
  /** Verifier accuracy of responses sampled as the authors evaluate (T = 1), where the grid asked for it. */
  sampledAccuracy?: number;
  steps: number;
  finalLoss: number;
  finalMargin: number;
  /** ‖θ − θ_SFT‖ / ‖θ_SFT‖ of the trained policy: how far the update moved the model (0 for SFT). */
  weightChange?: number;
  /** The trained policy's implicit reward on verifier-labelled pairs of the base model's own samples, where asked. */
  selfPairRewards?: { accuracy: number; margin: number };
  /** Verifier accuracy of the base model's samples the trained policy's implicit reward picks, best-of-k, where asked. */
  bestOfAccuracy?: number;
  seconds: { train: number; evaluate: number };
}

export interface GridParts {
  /** Samples, embeds and verifies the pool; called once, before the first cell that trains. */
  samplePool(): Promise<PoolSampling>;
  trainAndEvaluate(cell: Cell, records: PreferenceRecord[]): Promise<CellOutcome>;
}

export interface GridRunOptions {
  /** A cell whose filter leaves fewer prompts than this is recorded as not trained (one optimizer step needs them). */
  minPrompts: number;
  onCellStart?: (cell: Cell, index: number) => void;
  onCell?: (result: CellResult) => void;
  now?: () => number;
}

/** The verifier's own labelling of the pool (Fig. 6's reference): every sample among the first r, and how many are wrong. */
export function poolLabelling(pool: PoolSampling, r: number): { samples: number; wrong: number } | null {
  const correct = pool.correct;
  if (!correct) return null;
  let samples = 0;
  let wrong = 0;
  pool.samples.forEach((texts, p) => texts.slice(0, r).forEach((_, j) => {
    samples++;
    if (!correct(p, j)) wrong++;
  }));
  return { samples, wrong };
}

/**
 * Runs the cells not in `done` (matched by cellKey), in order; returns every result, `done` first.
 * SFT is evaluated once: greedy decoding of one model does not depend on the seed.
 */
const sampledOf = (o: { sampledAccuracy?: number }) => (o.sampledAccuracy === undefined ? {} : { sampledAccuracy: o.sampledAccuracy });
const measuredOf = (o: Pick<CellOutcome, 'grade' | 'weightChange' | 'selfPairRewards' | 'bestOfAccuracy'>) => ({
  ...(o.grade === undefined ? {} : { grade: o.grade }), ...(o.weightChange === undefined ? {} : { weightChange: o.weightChange }), ...(o.selfPairRewards ? { selfPairRewards: o.selfPairRewards } : {}),
  ...(o.bestOfAccuracy === undefined ? {} : { bestOfAccuracy: o.bestOfAccuracy }),
});

export async function runGrid(cells: readonly Cell[], done: readonly CellResult[], parts: GridParts, opts: GridRunOptions): Promise<CellResult[]> {
  const now = opts.now ?? (() => performance.now());
  const results = [...done];
  const finished = new Set(done.map((r) => cellKey(r.cell)));
  let pool: PoolSampling | null = null;
  let sft: CellOutcome | null = null;
  const doneSft = done.find((r) => r.cell.method === 'sft');
  if (doneSft) sft = { accuracy: doneSft.accuracy, ...sampledOf(doneSft), ...measuredOf(doneSft), steps: 0, finalLoss: NaN, finalMargin: NaN, seconds: { train: 0, evaluate: 0 } };
  for (const [index, cell] of cells.entries()) {
    if (finished.has(cellKey(cell))) continue;
    opts.onCellStart?.(cell, index);
    const t0 = now();
    let result: CellResult;
    if (cell.method === 'sft') {
      sft ??= await parts.trainAndEvaluate(cell, []);
      result = { cell, accuracy: sft.accuracy, ...sampledOf(sft), ...measuredOf(sft), prompts: 0, dataAccuracy: NaN, negatives: 0, steps: 0, finalLoss: NaN, finalMargin: NaN, minutes: (now() - t0) / 60000, seconds: { filter: 0, ...sft.seconds } };
    } else {
      pool ??= await parts.samplePool();
      const tFilter = now();
      const data = cellData(cell, pool);
      const filter = (now() - tFilter) / 1000;
      const base = { cell, prompts: data.records.length, dataAccuracy: dataAccuracy(data), negatives: data.records.reduce((a, r) => a + r.rejected.length, 0) };
      if (data.records.length < opts.minPrompts) {
        result = {
          ...base, accuracy: NaN, steps: 0, finalLoss: NaN, finalMargin: NaN, minutes: (now() - t0) / 60000, seconds: { filter, train: 0, evaluate: 0 },
          skipped: `only ${data.records.length} prompts give pairs, fewer than one optimizer step's ${opts.minPrompts}`,
        };
      } else {
        const o = await parts.trainAndEvaluate(cell, data.records);
        result = { ...base, accuracy: o.accuracy, ...sampledOf(o), ...measuredOf(o), steps: o.steps, finalLoss: o.finalLoss, finalMargin: o.finalMargin, minutes: (now() - t0) / 60000, seconds: { filter, ...o.seconds } };
      }
    }
    results.push(result);
    finished.add(cellKey(cell));
    opts.onCell?.(result);
  }
  return results;
}
