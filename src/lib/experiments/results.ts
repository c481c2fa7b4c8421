// A grid's results as people read them: one row per method/M/a% with the mean
// ± sd over seeds (the paper's tables), and every cell as CSV (what a person
// takes to their own notebook). The page and the node script print the same.
import { cellKey, cellLabel, summarize, type Cell, type Method, type Summary } from './grid';
import type { CellResult } from './figures';

export interface ResultRow {
  /** The cell without its seed: what the row groups. */
  group: Omit<Cell, 'seed'>;
  label: string;
  accuracy: Summary;
  /** Mean grade of the greedy responses (CellResult.grade), over the seeds that measured it. */
  grade: Summary;
  /** Over the seeds whose cell was also evaluated on T = 1 samples (the authors' evaluation); n = 0 where none was. */
  sampledAccuracy: Summary;
  /** Implicit reward accuracy on self-sample pairs (CellResult.selfPairRewards), over the seeds that measured it. */
  selfPairAccuracy: Summary;
  /** Best-of-k accuracy by the implicit reward (CellResult.bestOfAccuracy), over the seeds that measured it. */
  bestOfAccuracy: Summary;
  perSeed: { seed: number; accuracy: number; grade?: number; sampledAccuracy?: number; bestOfAccuracy?: number }[];
  prompts: number;
  dataAccuracy: number;
  finalLoss: number;
  finalMargin: number;
  /** Mean relative weight change over the trained seeds that measured it (NaN where none did). */
  weightChange: number;
  /** Seeds whose cell was not trained (too few pairs). */
  skipped: number;
}

const METHOD_ORDER: Method[] = ['sft', 'dpo-std', 'sft-targets', 'self-contrast', 'oracle'];
const groupKey = (c: Omit<Cell, 'seed'>) => `${c.method}|${c.m}|${c.a}`;
const groupOf = (c: Cell): Omit<Cell, 'seed'> => ({ method: c.method, m: c.m, a: c.a });

/** Rows in the paper's order: SFT, DPO_std, the SFT-on-targets control, Self-Contrast by a% then M, the oracle. */
export function resultRows(results: readonly CellResult[]): ResultRow[] {
  const groups = new Map<string, CellResult[]>();
  for (const r of results) groups.set(groupKey(groupOf(r.cell)), [...(groups.get(groupKey(groupOf(r.cell))) ?? []), r]);
  const mean = (rs: CellResult[], f: (r: CellResult) => number) => summarize(rs.map(f).filter(Number.isFinite)).mean;
  return [...groups.values()].map((rs): ResultRow => {
    const group = groupOf(rs[0].cell);
    const trained = rs.filter((r) => !r.skipped);
    return {
      group, label: cellLabel(group),
      accuracy: summarize(trained.map((r) => r.accuracy)),
      grade: summarize(trained.flatMap((r) => (r.grade === undefined ? [] : [r.grade]))),
      sampledAccuracy: summarize(trained.flatMap((r) => (r.sampledAccuracy === undefined ? [] : [r.sampledAccuracy]))),
      selfPairAccuracy: summarize(trained.flatMap((r) => (r.selfPairRewards ? [r.selfPairRewards.accuracy] : []))),
      bestOfAccuracy: summarize(trained.flatMap((r) => (r.bestOfAccuracy === undefined ? [] : [r.bestOfAccuracy]))),
      perSeed: trained.map((r) => ({
        seed: r.cell.seed, accuracy: r.accuracy, ...(r.grade === undefined ? {} : { grade: r.grade }), ...(r.sampledAccuracy === undefined ? {} : { sampledAccuracy: r.sampledAccuracy }),
        ...(r.bestOfAccuracy === undefined ? {} : { bestOfAccuracy: r.bestOfAccuracy }),
      })).sort((a, b) => a.seed - b.seed),
      prompts: mean(rs, (r) => r.prompts), dataAccuracy: mean(rs, (r) => r.dataAccuracy),
      finalLoss: mean(trained, (r) => r.finalLoss), finalMargin: mean(trained, (r) => r.finalMargin),
      weightChange: mean(trained, (r) => r.weightChange ?? NaN),
      skipped: rs.length - trained.length,
    };
  }).sort((x, y) => METHOD_ORDER.indexOf(x.group.method) - METHOD_ORDER.indexOf(y.group.method) || x.group.a - y.group.a || x.group.m - y.group.m);
}

/** A row's mean ± sd in percent, as its tables print it; '–' where no seed measured it. */
export const percentSummary = (s: Summary): string => (s.n ? `${(100 * s.mean).toFixed(1)} ± ${(100 * s.sd).toFixed(1)}` : '–');

export const CSV_COLUMNS = ['cell', 'method', 'M', 'a', 'seed', 'accuracy', 'sampled_accuracy', 'prompts', 'data_accuracy', 'negatives', 'steps', 'final_loss', 'final_margin', 'weight_change', 'self_pair_accuracy', 'self_pair_margin', 'best_of_accuracy', 'filter_s', 'train_s', 'evaluate_s', 'skipped'] as const;

const csvField = (v: string | number | undefined): string => {
  if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Every cell, one line each, with a header: numbers as computed (accuracy as a fraction), NaN as empty. */
export function cellsCsv(results: readonly CellResult[]): string {
  const lines = results.map((r) => [
    cellKey(r.cell), r.cell.method, r.cell.m, r.cell.a, r.cell.seed, r.accuracy, r.sampledAccuracy, r.prompts, r.dataAccuracy, r.negatives, r.steps,
    r.finalLoss, r.finalMargin, r.weightChange, r.selfPairRewards?.accuracy, r.selfPairRewards?.margin, r.bestOfAccuracy, r.seconds?.filter, r.seconds?.train, r.seconds?.evaluate, r.skipped,
  ].map(csvField).join(','));
  return [CSV_COLUMNS.join(','), ...lines].join('\n') + '\n';
}
