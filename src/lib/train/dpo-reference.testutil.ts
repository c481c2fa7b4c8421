// The DPO losses by hand, for the tests: what the ONNX loss graph must equal.
import type { DpoOptions } from './dpo';

/** The DPO losses in plain float64 TypeScript, the tests' reference for dpoLoss; `mask` as dpoLoss's rowMask. */
export function dpoLossReference(policy: number[][], reference: number[][], counts: number[][], o: DpoOptions, mask?: number[][]): number {
  const logSig = (x: number) => Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
  const terms: number[] = [];
  policy.forEach((row, b) => {
    const ratio = row
      .map((p, k) => (o.variant === 'ipo' ? p / counts[b][k] - reference[b][k] / counts[b][k] : p - reference[b][k]))
      .filter((_, k) => !mask || mask[b][k] === 1);
    if (o.variant === 'sft') return;
    if (o.variant === 'infonca') {
      const z = ratio.map((r) => o.beta * r);
      const m = Math.max(...z);
      terms.push(-(z[0] - m - Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0))));
      return;
    }
    for (let k = 1; k < ratio.length; k++) {
      const h = ratio[0] - ratio[k];
      const e = o.labelSmoothing;
      if (o.variant === 'sigmoid') terms.push(-logSig(o.beta * h) * (1 - e) - logSig(-o.beta * h) * e);
      else if (o.variant === 'robust') terms.push((-logSig(o.beta * h) * (1 - e) + logSig(-o.beta * h) * e) / (1 - 2 * e));
      else if (o.variant === 'hinge') terms.push(Math.max(0, 1 - o.beta * h));
      else terms.push((h - 1 / (2 * o.beta)) ** 2);
    }
  });
  // TRL's nll_loss: −(Σ chosen log-probs) / (Σ chosen tokens) over the prompts whose chosen row is real.
  const real = policy.map((_, b) => !mask || mask[b][0] === 1);
  const logps = policy.reduce((a, row, b) => a + (real[b] ? row[0] : 0), 0);
  const tokens = counts.reduce((a, row, b) => a + (real[b] ? row[0] : 0), 0);
  const nll = -logps / tokens;
  // sft (TRL's loss_type "sft"): the NLL is the loss; RPO adds α × it to any loss.
  const preference = o.variant === 'sft' ? nll : terms.reduce((a, v) => a + v, 0) / terms.length;
  return o.rpoAlpha === null ? preference : preference + o.rpoAlpha * nll;
}
