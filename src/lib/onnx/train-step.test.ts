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

  it('gradient accumulation: 4 micro-batches of 4 then one update equal one step on the 16-row batch, twice in a row', async () => {
    const full = tinyMlp(1, 16);
    const micro = tinyMlp(1, 4); // same parameters, graph for 4 rows
    const whole = await TrainSession.create(ort, buildTrainStep(full.spec), 'cpu', full.init);
    const accumulating = await TrainSession.create(ort, buildTrainStep({ ...micro.spec, gradientAccumulation: true }), 'cpu', full.init);
    const rows = (k: number) => batchTensors(ort, {
      x: { type: 'float32', data: (full.batch.x.data as Float32Array).slice(k * 16, (k + 1) * 16), dims: [4, 4] },
      labels: { type: 'int64', data: (full.batch.labels.data as BigInt64Array).slice(k * 4, (k + 1) * 4), dims: [4] },
    });
    for (let step = 1; step <= 2; step++) {
      const expected = await whole.step(batchTensors(ort, full.batch), 0.05, step);
      const losses: number[] = [];
      for (let k = 0; k < 3; k++) losses.push((await accumulating.accumulate(rows(k), 1 / 4)).loss[0]);
      expect(accumulating.pendingMicroBatches).toBe(3);
      const last = await accumulating.step(rows(3), 0.05, step, 1 / 4);
      losses.push(last.loss[0]);
      expect(accumulating.pendingMicroBatches).toBe(0);
      expect(Math.abs(losses.reduce((a, b) => a + b) / 4 - expected.loss[0])).toBeLessThan(1e-6);
      expect(Math.abs(last.grad_norm[0] - expected.grad_norm[0]) / expected.grad_norm[0]).toBeLessThan(1e-5);
      const a = await whole.parameters();
      const b = await accumulating.parameters();
      for (const name of Object.keys(a)) {
        const err = Math.max(...a[name].map((x, i) => Math.abs(x - b[name][i])));
        expect(err, `${name} after step ${step}`).toBeLessThan(1e-6);
      }
    }
    await whole.release();
    await accumulating.release();
  });

  it('resumes from a full-state snapshot (parameters and moments) exactly', async () => {
    const task = tinyAttention(3);
    const graph = buildTrainStep(task.spec);
    const batch = batchTensors(ort, task.batch);
    const straight = await TrainSession.create(ort, graph, 'cpu', task.init);
    for (let s = 1; s <= 4; s++) await straight.step(batch, 0.01, s);
    const first = await TrainSession.create(ort, graph, 'cpu', task.init);
    for (let s = 1; s <= 2; s++) await first.step(batch, 0.01, s);
    const snapshot = await first.fullState();
    const params = Object.fromEntries(task.spec.trainable.map((p) => [p.name, snapshot[p.name]]));
    const resumed = await TrainSession.create(ort, graph, 'cpu', params, {}, { initialState: snapshot });
    for (let s = 3; s <= 4; s++) await resumed.step(batch, 0.01, s);
    const a = await straight.parameters();
    const b = await resumed.parameters();
    for (const name of Object.keys(a)) expect(Array.from(b[name])).toEqual(Array.from(a[name]));
    for (const s of [straight, first, resumed]) await s.release();
  });
});

describe('separateUpdate: AdamW in graphs of its own, on host state in place', () => {
  const cfg: AdamWConfig = { ...ADAMW_DEFAULTS, weightDecay: 0.1, maxGradNorm: 0.05 };
  const same = (a: Record<string, Float32Array>, b: Record<string, Float32Array>, at: string) => {
    for (const name of Object.keys(a)) expect(Array.from(b[name]), `${name} ${at}`).toEqual(Array.from(a[name]));
  };

  it('steps bit for bit as the fused graph (clipping, decayed and undecayed parameters, slices of 7 elements); snapshots do not move, views do', async () => {
    const task = tinyAttention(4);
    const batch = batchTensors(ort, task.batch);
    const fused = await TrainSession.create(ort, buildTrainStep({ ...task.spec, optimizer: cfg }), 'cpu', task.init);
    const initial = Object.fromEntries(Object.entries(task.init).map(([n, t]) => [n, t.data.slice()]));
    const separate = await TrainSession.create(ort, buildTrainStep({ ...task.spec, optimizer: cfg, separateUpdate: true }), 'cpu', task.init, {}, { updateSlice: 7 });
    const before = await separate.parameters();
    const data = (s: Record<string, { data: Float32Array }>) => Object.fromEntries(Object.entries(s).map(([n, t]) => [n, t.data]));
    let views = await separate.fullState({ views: true });
    for (let step = 1; step <= 3; step++) {
      const a = await fused.step(batch, 0.01, step);
      const b = await separate.step(batch, 0.01, step);
      expect(b, `metrics at step ${step}`).toEqual(a);
      same(await fused.parameters(), await separate.parameters(), `after step ${step}`);
      const full = await fused.fullState();
      const mine = await separate.fullState();
      same(data(full), data(mine), `state after step ${step}`);
      // A view taken before the step is the state the step updated in place (what a checkpoint save reads uncopied).
      same(data(mine), data(views), `view after step ${step}`);
      views = await separate.fullState({ views: true });
    }
    // The caller's arrays and an earlier snapshot are not the state the session updates.
    same(initial, Object.fromEntries(Object.entries(task.init).map(([n, t]) => [n, t.data])), 'given');
    same(initial, before, 'snapshot');
    await fused.release();
    await separate.release();
  });

  it('is chosen on the CPU EPs for large trained state only (the 135M shape full, not LoRA or the 0.9M default model), never on WebGPU', async () => {
    const { separateUpdatePays } = await import('./train-step');
    const { smollm2Config } = await import('../../../bench/smollm2-shape');
    const { weightSpecs, parseConfig } = await import('../model/config');
    const { loraParamSpecs, defaultLora } = await import('../train/lora');
    const shape = smollm2Config(30);
    const specs = (c: typeof shape) => weightSpecs(c).map((s) => ({ name: s.name, shape: s.shape }));
    expect(separateUpdatePays('cpu', specs(shape))).toBe(true);
    expect(separateUpdatePays('wasm', specs(shape))).toBe(true);
    expect(separateUpdatePays('webgpu', specs(shape))).toBe(false);
    expect(separateUpdatePays('wasm', loraParamSpecs(shape, defaultLora(shape)))).toBe(false);
    const { readFileSync } = await import('node:fs');
    expect(separateUpdatePays('wasm', specs(parseConfig(JSON.parse(readFileSync('models/lm/config.json', 'utf8')))))).toBe(false);
  });

  it('resumes from a full-state snapshot exactly', async () => {
    const task = tinyAttention(5);
    const graph = buildTrainStep({ ...task.spec, optimizer: cfg, separateUpdate: true });
    const batch = batchTensors(ort, task.batch);
    const straight = await TrainSession.create(ort, graph, 'cpu', task.init, {}, { updateSlice: 9 });
    for (let s = 1; s <= 4; s++) await straight.step(batch, 0.01, s);
    const first = await TrainSession.create(ort, graph, 'cpu', task.init, {}, { updateSlice: 9 });
    for (let s = 1; s <= 2; s++) await first.step(batch, 0.01, s);
    const snapshot = await first.fullState();
    const params = Object.fromEntries(task.spec.trainable.map((p) => [p.name, snapshot[p.name]]));
    const resumed = await TrainSession.create(ort, graph, 'cpu', params, {}, { initialState: snapshot, updateSlice: 9 });
    for (let s = 3; s <= 4; s++) await resumed.step(batch, 0.01, s);
    same(await straight.parameters(), await resumed.parameters(), 'after step 4');
    for (const s of [straight, first, resumed]) await s.release();
  });

  it('with gradient accumulation, and reporting gradients: the same as the fused graph', async () => {
    const full = tinyMlp(2, 16);
    const micro = tinyMlp(2, 4);
    const spec = { ...micro.spec, optimizer: cfg, gradientAccumulation: true, exposeGradients: true };
    const fused = await TrainSession.create(ort, buildTrainStep(spec), 'cpu', full.init);
    const separate = await TrainSession.create(ort, buildTrainStep({ ...spec, separateUpdate: true }), 'cpu', full.init, {}, { updateSlice: 5 });
    const rows = (k: number) => batchTensors(ort, {
      x: { type: 'float32', data: (full.batch.x.data as Float32Array).slice(k * 16, (k + 1) * 16), dims: [4, 4] },
      labels: { type: 'int64', data: (full.batch.labels.data as BigInt64Array).slice(k * 4, (k + 1) * 4), dims: [4] },
    });
    for (let step = 1; step <= 2; step++) {
      for (let k = 0; k < 3; k++) expect(await separate.accumulate(rows(k), 1 / 4)).toEqual(await fused.accumulate(rows(k), 1 / 4));
      const a = await fused.step(rows(3), 0.05, step, 1 / 4);
      const b = await separate.step(rows(3), 0.05, step, 1 / 4);
      expect(Object.keys(b).filter((n) => n.startsWith('grad.')).length).toBe(micro.spec.trainable.length);
      expect(b).toEqual(a);
      same(await fused.parameters(), await separate.parameters(), `after step ${step}`);
    }
    await fused.release();
    await separate.release();
  });
});

describe('train state names', () => {
  it('splits parameters from AdamW moments by the moment names', async () => {
    const { splitTrainState, momentNames } = await import('./train-step');
    const { m, v } = momentNames('model.norm.weight');
    const { params, moments } = splitTrainState<number>([['model.norm.weight', 1], [m, 2], [v, 3], ['adam_like.weight', 4]]);
    expect(params.map(([n]) => n)).toEqual(['model.norm.weight', 'adam_like.weight']);
    expect(moments.map(([n]) => n)).toEqual([m, v]);
  });
});
