// The Experiments step's charts as data for recharts: the paper's Fig. 4
// (accuracy vs number of negatives, one line per a%), Fig. 5 (data accuracy
// and model accuracy vs a% at M = 1) and Fig. 6 (what the selected negatives
// really are, per a%, beside the verifier's labelling of every sample). Values
// in percent, means over seeds with their sd.
import { summarize, type Summary } from './grid';
import type { CellResult } from './figures';

const pct = (s: Summary) => ({ mean: 100 * s.mean, sd: 100 * s.sd, n: s.n });
const finite = (xs: number[]) => xs.filter(Number.isFinite);

/** The a% of a Self-Contrast line's key ("a25", "a100"): what recharts names a series by. */
export const seriesKey = (a: number) => `a${a}`;

export interface Fig4 {
  /** One point per M; `a25` etc. hold the mean accuracy (%), `a25_sd` its sd. */
  points: Record<string, number>[];
  /** The a% of each line, ascending (100 = unfiltered). */
  as: number[];
  sft: number | null;
  dpoStd: number | null;
  /** The control, SFT continued on the pool targets. */
  sftTargets: number | null;
}

export function fig4Data(results: readonly CellResult[]): Fig4 {
  const trained = results.filter((r) => !r.skipped);
  const sc = trained.filter((r) => r.cell.method === 'self-contrast');
  const as = [...new Set(sc.map((r) => r.cell.a))].sort((x, y) => x - y);
  const ms = [...new Set(sc.map((r) => r.cell.m))].sort((x, y) => x - y);
  const points = ms.map((m) => {
    const point: Record<string, number> = { m };
    for (const a of as) {
      const accs = sc.filter((r) => r.cell.m === m && r.cell.a === a).map((r) => r.accuracy);
      if (!accs.length) continue;
      const s = pct(summarize(accs));
      point[seriesKey(a)] = s.mean;
      point[`${seriesKey(a)}_sd`] = s.sd;
    }
    return point;
  });
  const mean = (method: string) => {
    const accs = trained.filter((r) => r.cell.method === method).map((r) => r.accuracy);
    return accs.length ? pct(summarize(accs)).mean : null;
  };
  return { points, as, sft: mean('sft'), dpoStd: mean('dpo-std'), sftTargets: mean('sft-targets') };
}

export interface Fig5Point {
  a: number;
  dataAccuracy: number;
  accuracy: number;
  accuracySd: number;
  seeds: number;
}

/** At M = 1 (the paper's Fig. 5), per a%: the share of selected negatives that are really wrong and the trained model's accuracy. */
export function fig5Data(results: readonly CellResult[]): Fig5Point[] {
  const m1 = results.filter((r) => r.cell.method === 'self-contrast' && r.cell.m === 1);
  return [...new Set(m1.map((r) => r.cell.a))].sort((x, y) => x - y).map((a) => {
    const rs = m1.filter((r) => r.cell.a === a);
    const acc = pct(summarize(finite(rs.filter((r) => !r.skipped).map((r) => r.accuracy))));
    return { a, dataAccuracy: pct(summarize(finite(rs.map((r) => r.dataAccuracy)))).mean, accuracy: acc.mean, accuracySd: acc.sd, seeds: acc.n };
  });
}

export interface Fig6Bar {
  label: string;
  /** Shares in % of the bar's negatives (or samples): really wrong (true negatives) vs right (false negatives). */
  wrong: number;
  right: number;
  count: number;
}

/**
 * Per a% over every M and seed: the verifier's outcome of each selected negative; first, the verifier's labelling of
 * every sample the filter read (what an ideal reward model would call negative).
 */
export function fig6Data(results: readonly CellResult[], labelling: { samples: number; wrong: number } | null): Fig6Bar[] {
  const bars: Fig6Bar[] = [];
  if (labelling && labelling.samples) bars.push({ label: 'all samples', wrong: (100 * labelling.wrong) / labelling.samples, right: 100 - (100 * labelling.wrong) / labelling.samples, count: labelling.samples });
  const sc = results.filter((r) => r.cell.method === 'self-contrast' && (r.negatives ?? 0) > 0 && Number.isFinite(r.dataAccuracy));
  for (const a of [...new Set(sc.map((r) => r.cell.a))].sort((x, y) => x - y)) {
    const rs = sc.filter((r) => r.cell.a === a);
    const count = rs.reduce((s, r) => s + r.negatives!, 0);
    const wrong = rs.reduce((s, r) => s + r.negatives! * r.dataAccuracy, 0);
    bars.push({ label: `a = ${a}%`, wrong: (100 * wrong) / count, right: 100 - (100 * wrong) / count, count });
  }
  return bars;
}
