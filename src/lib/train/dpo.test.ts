// DPO losses: graph values against the float64 TypeScript reference, and the
// graph's gradients against finite differences, for every variant.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Graph } from '../onnx/graph';
import { encodeModel } from '../onnx/model-proto';
import { gradCheck } from '../onnx/gradcheck';
import { dpoLoss, type DpoOptions } from './dpo';
import { dpoLossReference } from './dpo-reference.testutil';

// B = 2 prompts, 1 chosen + M = 3 rejected: summed log-probs and response lengths.
// Pair (0, 2) has h = 0 exactly, as every pair does when DPO starts (policy = reference).
const policy = [[-12.5, -14.1, -11.9, -20.3], [-8.2, -9.9, -7.5, -8.4]];
const reference = [[-13.0, -13.5, -12.4, -19.1], [-8.8, -9.1, -8.3, -9.0]];
const counts = [[10, 12, 9, 15], [6, 7, 6, 6]];

const variants: DpoOptions[] = [
  { variant: 'sigmoid', beta: 0.1, labelSmoothing: 0, rpoAlpha: null },
  { variant: 'sigmoid', beta: 0.5, labelSmoothing: 0.1, rpoAlpha: null },
  { variant: 'robust', beta: 0.1, labelSmoothing: 0.2, rpoAlpha: null },
  { variant: 'hinge', beta: 2, labelSmoothing: 0, rpoAlpha: null },
  { variant: 'ipo', beta: 0.1, labelSmoothing: 0, rpoAlpha: null },
  { variant: 'infonca', beta: 0.1, labelSmoothing: 0, rpoAlpha: null },
  { variant: 'sigmoid', beta: 0.1, labelSmoothing: 0, rpoAlpha: 1 },
  { variant: 'ipo', beta: 0.1, labelSmoothing: 0, rpoAlpha: 0.5 },
  { variant: 'sft', beta: 0.1, labelSmoothing: 0, rpoAlpha: null },
];
const name = (o: DpoOptions) => `${o.variant} (β ${o.beta}, ε ${o.labelSmoothing}${o.rpoAlpha === null ? '' : `, RPO α ${o.rpoAlpha}`})`;
const t = (rows: number[][]) => new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0].length]);

describe('DPO losses', () => {
  for (const o of variants) {
    it(`${name(o)}: graph loss equals the float64 reference`, async () => {
      const g = new Graph('dpo');
      const out = dpoLoss(g.input('policy', 'float32', ['batch', 4]), g.input('reference', 'float32', ['batch', 4]), g.input('counts', 'float32', ['batch', 4]), o);
      g.output(out.loss, 'loss');
      for (const [k, v] of Object.entries(out.metrics)) g.output(v, k);
      const session = await ort.InferenceSession.create(encodeModel(g.toModel()));
      const r = await session.run({ policy: t(policy), reference: t(reference), counts: t(counts) });
      expect(Math.abs((r.loss.data as Float32Array)[0] - dpoLossReference(policy, reference, counts, o))).toBeLessThan(1e-5);
      // TRL metrics, recomputed by hand: rewards are β·(π − ρ), per token for IPO as TRL averages its log-probs.
      const per = (b: number, k: number) => (o.variant === 'ipo' ? counts[b][k] : 1);
      const rc = policy.map((row, b) => (o.beta * (row[0] - reference[b][0])) / per(b, 0));
      const rr = policy.flatMap((row, b) => row.slice(1).map((p, k) => (o.beta * (p - reference[b][k + 1])) / per(b, k + 1)));
      const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
      expect((r['rewards/chosen'].data as Float32Array)[0]).toBeCloseTo(mean(rc), 5);
      expect((r['rewards/rejected'].data as Float32Array)[0]).toBeCloseTo(mean(rr), 5);
      const pairs = rr.map((x, i) => rc[Math.floor(i / 3)] - x);
      expect((r['rewards/margins'].data as Float32Array)[0]).toBeCloseTo(mean(pairs), 5);
      // A tie (h = 0) is not an accuracy hit; float64 rounding can make it a hair positive, so compare with a tolerance.
      expect((r['rewards/accuracies'].data as Float32Array)[0]).toBeCloseTo(mean(pairs.map((m) => (m > 1e-9 ? 1 : 0))), 6);
    });

    it(`${name(o)}: gradient wrt the policy log-probs matches finite differences`, async () => {
      const r = await gradCheck(ort, [
        { name: 'policy', shape: [2, 4], data: policy.flat() },
        { name: 'reference', shape: [2, 4], data: reference.flat(), noGrad: true },
        { name: 'counts', shape: [2, 4], data: counts.flat(), noGrad: true },
      ], ([p, ref, c]) => dpoLoss(p, ref, c, o).loss, { h: 1e-3 });
      expect(r.worst, r.where).toBeLessThanOrEqual(1);
    });
  }

  for (const o of variants) {
    it(`${name(o)}: a padded pair (row mask 0) counts nowhere: loss equals the reference without it`, async () => {
      const mask = [[1, 1, 1, 1], [1, 1, 0, 1]];
      const g = new Graph('dpo');
      const out = dpoLoss(g.input('policy', 'float32', ['batch', 4]), g.input('reference', 'float32', ['batch', 4]), g.input('counts', 'float32', ['batch', 4]), o,
        g.input('mask', 'float32', ['batch', 4]));
      g.output(out.loss, 'loss');
      g.output(out.metrics['rewards/accuracies'], 'acc');
      g.output(out.metrics['rewards/chosen'], 'chosen');
      g.output(out.metrics['logps/chosen'], 'logpChosen');
      const session = await ort.InferenceSession.create(encodeModel(g.toModel()));
      // Garbage in the padded slot must not leak into anything.
      const junk = policy.map((row, b) => row.map((x, k) => (mask[b][k] ? x : 1e6)));
      const r = await session.run({ policy: t(junk), reference: t(reference), counts: t(counts), mask: t(mask) });
      expect(Math.abs((r.loss.data as Float32Array)[0] - dpoLossReference(policy, reference, counts, o, mask))).toBeLessThan(1e-5);
      const per = (b: number, k: number) => (o.variant === 'ipo' ? counts[b][k] : 1);
      const margins = policy.flatMap((row, b) => row.slice(1).flatMap((p, k) => (mask[b][k + 1]
        ? [(row[0] - reference[b][0]) / per(b, 0) - (p - reference[b][k + 1]) / per(b, k + 1)] : [])));
      expect((r.acc.data as Float32Array)[0]).toBeCloseTo(margins.filter((x) => x > 1e-9).length / margins.length, 6);
      // TRL logs per pair row: prompt 0's chosen side counts 3 times, prompt 1's twice (one pair is padding).
      const chosen0 = (o.beta * (policy[0][0] - reference[0][0])) / per(0, 0);
      const chosen1 = (o.beta * (policy[1][0] - reference[1][0])) / per(1, 0);
      expect((r.chosen.data as Float32Array)[0]).toBeCloseTo((3 * chosen0 + 2 * chosen1) / 5, 5);
      expect((r.logpChosen.data as Float32Array)[0]).toBeCloseTo((3 * policy[0][0] + 2 * policy[1][0]) / 5, 4);
    });
  }

  it("RPO (TRL's rpo_alpha): nll_loss is the token mean over every chosen response, and the loss adds α times it", async () => {
    const plain: DpoOptions = { variant: 'sigmoid', beta: 0.1, labelSmoothing: 0, rpoAlpha: null };
    const run = async (o: DpoOptions) => {
      const g = new Graph('dpo');
      const out = dpoLoss(g.input('policy', 'float32', ['batch', 4]), g.input('reference', 'float32', ['batch', 4]), g.input('counts', 'float32', ['batch', 4]), o);
      g.output(out.loss, 'loss');
      if (out.metrics.nll_loss) g.output(out.metrics.nll_loss, 'nll');
      const session = await ort.InferenceSession.create(encodeModel(g.toModel()));
      const r = await session.run({ policy: t(policy), reference: t(reference), counts: t(counts) });
      return { loss: (r.loss.data as Float32Array)[0], nll: r.nll ? (r.nll.data as Float32Array)[0] : null, metrics: Object.keys(out.metrics) };
    };
    const off = await run(plain);
    const on = await run({ ...plain, rpoAlpha: 0.7 });
    expect(off.nll).toBeNull();
    expect(off.metrics).not.toContain('nll_loss');
    // (12.5 + 8.2) nats over 10 + 6 chosen tokens, not the mean of 12.5/10 and 8.2/6.
    expect(on.nll).toBeCloseTo(20.7 / 16, 6);
    expect(on.loss - off.loss).toBeCloseTo(0.7 * (20.7 / 16), 5);
    // TRL's loss_type "sft": that NLL is the whole loss, logged as nll_loss; the rejected responses do not enter it.
    const sft = await run({ ...plain, variant: 'sft' });
    expect(sft.loss).toBeCloseTo(20.7 / 16, 6);
    expect(sft.nll).toBeCloseTo(20.7 / 16, 6);
  });
});
