// The grid's results drawn as the paper draws them, as standalone SVG for docs/:
// Fig. 4 (accuracy vs number of negatives at a = 25%, SFT and DPO_std as
// reference lines) and Fig. 5 (data accuracy and model accuracy vs a% at M = 1).
// Points are means over seeds with ± sd bars.
import { PAPER_FILTER } from '../contrast/filter';
import { summarize, type Cell, type Summary } from './grid';

export interface CellResult {
  cell: Cell;
  /** Greedy verifier accuracy on the evaluation split. */
  accuracy: number;
  /** CellOutcome.grade: mean grade of the greedy responses, where a verifier grades them. */
  grade?: number;
  /** Verifier accuracy of T = 1 samples, as the authors evaluate (THUDM/Self-Contrast Test.sh), where the grid asked for it. */
  sampledAccuracy?: number;
  /** Prompts that gave pairs. */
  prompts: number;
  /** Share of the selected negatives the verifier calls wrong. */
  dataAccuracy: number;
  steps: number;
  finalLoss: number;
  finalMargin: number;
  /** How far training moved the weights from the SFT model (CellOutcome.weightChange), where measured. */
  weightChange?: number;
  /** CellOutcome.selfPairRewards, where the run asked for it. */
  selfPairRewards?: { accuracy: number; margin: number };
  /** CellOutcome.bestOfAccuracy, where the run asked for it. */
  bestOfAccuracy?: number;
  minutes: number;
  /** Negatives the cell selected (pairs' rejected texts); with dataAccuracy, Fig. 6's outcome counts. */
  negatives?: number;
  /** Where the cell's time went (the pool's sampling is the grid's, once). */
  seconds?: { filter: number; train: number; evaluate: number };
  /** Why the cell was not trained (too few prompts give pairs); its accuracy is NaN. */
  skipped?: string;
}

const W = 560;
const H = 320;
const L = 56;
const B = 48;
const T = 40;
const RIGHT = 64;
const LINE_OF_TEXT = 14;

function byValue(results: readonly CellResult[], keep: (c: Cell) => boolean, x: (c: Cell) => number, y: (r: CellResult) => number): { x: number; s: Summary }[] {
  const groups = new Map<number, number[]>();
  for (const r of results) if (keep(r.cell) && Number.isFinite(y(r))) groups.set(x(r.cell), [...(groups.get(x(r.cell)) ?? []), y(r)]);
  return [...groups].sort((a, b) => a[0] - b[0]).map(([v, ys]) => ({ x: v, s: summarize(ys) }));
}

function frame(title: string, xLabel: string, xTicks: { at: number; label: string }[], yRange: [number, number], yLabel: string, body: string, right?: { range: [number, number]; label: string }): string {
  const py = (v: number, [lo, hi]: [number, number]) => H - B - ((H - B - T) * (v - lo)) / (hi - lo);
  const yTicks = Array.from({ length: 5 }, (_, i) => yRange[0] + ((yRange[1] - yRange[0]) * i) / 4);
  const rightTicks = right ? Array.from({ length: 5 }, (_, i) => right.range[0] + ((right.range[1] - right.range[0]) * i) / 4) : [];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="18" text-anchor="middle">${title}</text>
${yTicks.map((v) => `<line x1="${L}" x2="${W - RIGHT}" y1="${py(v, yRange).toFixed(1)}" y2="${py(v, yRange).toFixed(1)}" stroke="#e5e5e5"/><text x="${L - 6}" y="${(py(v, yRange) + 4).toFixed(1)}" text-anchor="end">${(100 * v).toFixed(1)}</text>`).join('\n')}
${rightTicks.map((v) => `<text x="${W - RIGHT + 6}" y="${(py(v, right!.range) + 4).toFixed(1)}" fill="#c0392b">${(100 * v).toFixed(1)}</text>`).join('\n')}
${xTicks.map((t) => `<text x="${t.at.toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${t.label}</text>`).join('\n')}
<text x="${(L + W - RIGHT) / 2}" y="${H - 10}" text-anchor="middle">${xLabel}</text>
<text transform="translate(14 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>
${right ? `<text transform="translate(${W - 12} ${(T + H - B) / 2}) rotate(90)" text-anchor="middle" fill="#c0392b">${right.label}</text>` : ''}
${body}
</svg>
`;
}

function range(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return [0, 1];
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const pad = Math.max(0.01, (hi - lo) * 0.15);
  return [Math.max(0, lo - pad), Math.min(1, hi + pad)];
}

function series(points: { x: number; s: Summary }[], px: (x: number) => number, py: (v: number) => number, color: string, dash = ''): string {
  const line = points.map((p) => `${px(p.x).toFixed(1)},${py(p.s.mean).toFixed(1)}`).join(' ');
  const bars = points.map((p) => `<line x1="${px(p.x).toFixed(1)}" x2="${px(p.x).toFixed(1)}" y1="${py(p.s.mean - p.s.sd).toFixed(1)}" y2="${py(p.s.mean + p.s.sd).toFixed(1)}" stroke="${color}"/><circle cx="${px(p.x).toFixed(1)}" cy="${py(p.s.mean).toFixed(1)}" r="3" fill="${color}"/>`).join('\n');
  return `<polyline fill="none" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''} points="${line}"/>\n${bars}`;
}

/** Fig. 4: greedy accuracy vs M (log scale) at a = 25%, with SFT, DPO_std and the SFT-on-targets control as horizontal reference lines. */
export function figure4Svg(results: readonly CellResult[]): string {
  const sc = byValue(results, (c) => c.method === 'self-contrast' && c.a === PAPER_FILTER.a, (c) => c.m, (r) => r.accuracy);
  const oracle = byValue(results, (c) => c.method === 'oracle', (c) => c.m, (r) => r.accuracy);
  const sft = summarize(results.filter((r) => r.cell.method === 'sft').map((r) => r.accuracy));
  const std = summarize(results.filter((r) => r.cell.method === 'dpo-std').map((r) => r.accuracy));
  const targets = summarize(results.filter((r) => r.cell.method === 'sft-targets' && !r.skipped).map((r) => r.accuracy));
  const ms = [...new Set([...sc, ...oracle].map((p) => p.x))].sort((a, b) => a - b);
  const maxLog = Math.max(1, Math.log2(Math.max(1, ...ms)));
  const px = (m: number) => L + 20 + ((W - RIGHT - L - 40) * Math.log2(m)) / maxLog;
  const yRange = range([...sc, ...oracle].flatMap((p) => [p.s.mean - p.s.sd, p.s.mean + p.s.sd]).concat([sft.mean, std.mean, targets.mean]));
  const py = (v: number) => H - B - ((H - B - T) * (v - yRange[0])) / (yRange[1] - yRange[0]);
  // SFT's label at the left end, DPO_std's and the control's at the right; of two right-hand labels closer than a
  // line of text, the lower one goes under its line, so that close lines keep readable labels.
  const references = [
    { s: sft, color: '#7f8c8d', label: 'SFT', left: true },
    { s: std, color: '#8e44ad', label: 'DPO_std (verifier feedback)', left: false },
    { s: targets, color: '#16a085', label: 'SFT on the pool targets (control)', left: false },
  ].filter((r) => Number.isFinite(r.s.mean)).map((r) => ({ ...r, y: py(r.s.mean), labelY: py(r.s.mean) - 4 }));
  const rightHand = references.filter((r) => !r.left).sort((a, b) => a.y - b.y);
  for (let i = 1; i < rightHand.length; i++) if (rightHand[i].labelY - rightHand[i - 1].labelY < LINE_OF_TEXT) rightHand[i].labelY = rightHand[i].y + LINE_OF_TEXT;
  const body = [
    ...references.map((r) => `<line x1="${L}" x2="${W - RIGHT}" y1="${r.y.toFixed(1)}" y2="${r.y.toFixed(1)}" stroke="${r.color}" stroke-dasharray="6 4"/><text x="${r.left ? L + 4 : W - RIGHT - 4}" y="${r.labelY.toFixed(1)}" text-anchor="${r.left ? 'start' : 'end'}" fill="${r.color}">${r.label}</text>`),
    series(sc, px, py, '#2c3e50'), oracle.length ? series(oracle, px, py, '#27ae60', '4 3') : '',
    `<text x="${L + 8}" y="${T + 4}" fill="#2c3e50">— Self-Contrast, a = ${PAPER_FILTER.a}%</text>`,
    oracle.length ? `<text x="${L + 8}" y="${T + 18}" fill="#27ae60">- - verifier as the filter</text>` : '',
  ].join('\n');
  return frame('Accuracy vs number of negatives (paper Fig. 4), mean ± sd over seeds', 'negatives per prompt, M', ms.map((m) => ({ at: px(m), label: String(m) })), yRange, 'greedy verifier accuracy (%)', body);
}

/** Fig. 5: data accuracy of the selected negatives (right axis) and model accuracy (left axis) vs a% at M = 1. */
export function figure5Svg(results: readonly CellResult[]): string {
  const keep = (c: Cell) => c.method === 'self-contrast' && c.m === 1;
  const model = byValue(results, keep, (c) => c.a, (r) => r.accuracy);
  const data = byValue(results, keep, (c) => c.a, (r) => r.dataAccuracy);
  const px = (a: number) => L + 20 + ((W - RIGHT - L - 40) * a) / 100;
  const yRange = range(model.flatMap((p) => [p.s.mean - p.s.sd, p.s.mean + p.s.sd]));
  const dRange = range(data.flatMap((p) => [p.s.mean - p.s.sd, p.s.mean + p.s.sd]));
  const py = (v: number) => H - B - ((H - B - T) * (v - yRange[0])) / (yRange[1] - yRange[0]);
  const pd = (v: number) => H - B - ((H - B - T) * (v - dRange[0])) / (dRange[1] - dRange[0]);
  const body = [
    series(model, px, py, '#2c3e50'), series(data, px, pd, '#c0392b', '5 3'),
    `<text x="${L + 8}" y="${T + 4}" fill="#2c3e50">— model accuracy (left)</text>`,
    `<text x="${L + 8}" y="${T + 18}" fill="#c0392b">- - negatives really wrong (right)</text>`,
  ].join('\n');
  return frame('Data accuracy and model accuracy vs a% (paper Fig. 5), M = 1', 'a% (least-similar share eligible as negatives)', model.map((p) => ({ at: px(p.x), label: String(p.x) })), yRange, 'greedy verifier accuracy (%)', body, { range: dRange, label: 'negatives really wrong (%)' });
}
