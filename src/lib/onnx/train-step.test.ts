import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildTrainStep } from './train-step';
import { batchTensors, TrainSession } from './runtime';
import { tinyAttention, tinyMlp, type TinyTask } from './tiny-models';
import { ADAMW_DEFAULTS, type AdamWConfig } from './adamw';

async function train(task: TinyTask, steps: number, lr: number): Promise<number[]> {
  const session = await TrainSession.create(ort, buildTrainStep(task.spec), 'cpu', task.init);
  const batch = batchTensors(ort, task.batch);
  const losses: number[] = [];
  for (let s = 1; s <= steps; s++) losses.push((await session.step(batch, lr, s)).loss[0]);
  await session.release();
  return losses;
}

/** torch.optim.AdamW + clip_grad_norm_ in float64, the reference for one step. */
function adamwReference(
  params: Record<string, Float32Array>, grads: Record<string, Float32Array>,
  m: Record<string, Float64Array>, v: Record<string, Float64Array>, lr: number, step: number, cfg: AdamWConfig,
): Record<string, Float64Array> {
  let sq = 0;
  for (const g of Object.values(grads)) for (const x of g) sq += x * x;
  const norm = Math.sqrt(sq);
  const coef = cfg.maxGradNorm === null ? 1 : Math.min(1, cfg.maxGradNorm / (norm + 1e-6));
  const bc1 = 1 - cfg.beta1 ** step;
  const bc2 = 1 - cfg.beta2 ** step;
  const out: Record<string, Float64Array> = {};
  for (const [name, p] of Object.entries(params)) {
    const decay = name.startsWith('w') || name === 'lm_head';
    const next = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const g = grads[name][i] * coef;
      let x = p[i];
      if (decay) x *= 1 - lr * cfg.weightDecay;
      m[name][i] = cfg.beta1 * m[name][i] + (1 - cfg.beta1) * g;
      v[name][i] = cfg.beta2 * v[name][i] + (1 - cfg.beta2) * g * g;
      const denom = Math.sqrt(v[name][i]) / Math.sqrt(bc2) + cfg.eps;
      next[i] = x - (lr / bc1) * (m[name][i] / denom);
    }
    out[name] = next;
  }
  return out;
}

describe('train-step graph on onnxruntime-node', () => {
  it('trains a 2-layer MLP for 50 AdamW steps: loss falls', async () => {
    const losses = await train(tinyMlp(1), 50, 0.05);
    expect(losses[49]).toBeLessThan(0.5 * losses[0]);
  });

  it('trains a tiny causal self-attention block for 50 AdamW steps: loss falls', async () => {
    const losses = await train(tinyAttention(1), 50, 0.02);
    expect(losses[49]).toBeLessThan(0.6 * losses[0]);
  });

  it('matches a float64 torch-semantics AdamW reference to 1e-6 relative, with clipping and decay, over 3 steps', async () => {
    const task = tinyAttention(2);
    const cfg: AdamWConfig = { ...ADAMW_DEFAULTS, weightDecay: 0.1, maxGradNorm: 0.05 };
    const graph = buildTrainStep({ ...task.spec, optimizer: cfg, exposeGradients: true });
    const session = await TrainSession.create(ort, graph, 'cpu', task.init);
    const batch = batchTensors(ort, task.batch);
    const names = task.spec.trainable.map((p) => p.name);
    const m = Object.fromEntries(names.map((n) => [n, new Float64Array(task.init[n].data.length)]));
    const v = Object.fromEntries(names.map((n) => [n, new Float64Array(task.init[n].data.length)]));
    let params = await session.parameters();
    let clipped = false;
    for (let step = 1; step <= 3; step++) {
      const lr = 0.01;
      const out = await session.step(batch, lr, step);
      const grads = Object.fromEntries(names.map((n) => [n, out[`grad.${n}`]]));
      clipped ||= out.grad_norm[0] > cfg.maxGradNorm!;
      const expected = adamwReference(params, grads, m, v, lr, step, cfg);
      params = await session.parameters();
      for (const n of names) {
        const scale = Math.max(...expected[n].map(Math.abs));
        const err = Math.max(...params[n].map((x, i) => Math.abs(x - expected[n][i])));
        expect(err / scale, `${n} at step ${step}`).toBeLessThan(1e-6);
      }
    }
    expect(clipped).toBe(true);
    await session.release();
  });
});
