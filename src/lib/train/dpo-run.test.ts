// DpoRun on a tiny random Llama: a run resumed from an encoded checkpoint
// continues exactly as an uninterrupted one; gradient accumulation over passes
// equals one pass over the same prompts; LoRA starts at the base model, trains
// only its adapters, and its gradients match finite differences.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { parseConfig, weightSpecs } from '../model/config';
import { randomWeights, TINY_CONFIGS } from '../model/random-init';
import { sequenceLogProbs } from '../model/graphs';
import { createRng } from '../random';
import { gradCheck, type GradInput } from '../onnx/gradcheck';
import { reshape } from '../onnx/ops';
import { packSequences, sequenceFeeds } from './batches';
import { DpoRun, NonFiniteLossError, planSteps, promptsPerPass } from './dpo-run';
import { DPO_CONFIG_DEFAULTS, type DpoConfig } from './dpo-config';
import { encodeCheckpoint, decodeCheckpoint, checkpointInfo } from './checkpoint';
import { dpoLoss } from './dpo';
import { defaultLora, initLora, loraParamSpecs, loraWeights, mergeLora } from './lora';
import { groupRows, type PreferenceGroup } from './preference-data';

const cfg = parseConfig(TINY_CONFIGS.llama);
const weights = randomWeights(cfg, 5, 0.2);
const model = { config: cfg, weights, padTokenId: 0 };

function groups(n: number, seed: number): PreferenceGroup[] {
  const rng = createRng(seed);
  const seq = (len: number) => Array.from({ length: len }, () => 3 + Math.floor(rng() * 36));
  // Between 1 and 3 negatives, so padded rows are exercised too.
  return Array.from({ length: n }, () => ({
    prompt: [1, ...seq(2 + Math.floor(rng() * 3))],
    chosen: [...seq(1 + Math.floor(rng() * 4)), 2],
    rejected: Array.from({ length: 1 + Math.floor(rng() * 3) }, () => [...seq(1 + Math.floor(rng() * 4)), 2]),
  }));
}

const settings: DpoConfig = { ...DPO_CONFIG_DEFAULTS, negatives_per_prompt: 3, prompts_per_step: 4, rows_per_pass: 16, learning_rate: 1e-2, warmup_ratio: 0.25, num_train_epochs: 2 };

async function trainedAfter(run: DpoRun, steps: number): Promise<Map<string, Float32Array>> {
  while (run.stepsDone < steps) await run.step();
  return run.policyWeights();
}

const maxDiff = (a: Map<string, Float32Array>, b: Map<string, Float32Array>) =>
  Math.max(...[...a].map(([n, x]) => Math.max(...x.map((v, i) => Math.abs(v - b.get(n)![i])))));

describe('DpoRun', () => {
  it('plans passes so every pass weighs the same', () => {
    expect(promptsPerPass({ prompts_per_step: 8, negatives_per_prompt: 8, rows_per_pass: 36 })).toBe(4);
    expect(promptsPerPass({ prompts_per_step: 8, negatives_per_prompt: 1, rows_per_pass: 36 })).toBe(8);
    expect(promptsPerPass({ prompts_per_step: 6, negatives_per_prompt: 16, rows_per_pass: 36 })).toBe(2);
    expect(promptsPerPass({ prompts_per_step: 8, negatives_per_prompt: 40, rows_per_pass: 36 })).toBe(1);
  });

  it("sizes the memory check from the run's own passes, length and LoRA", async () => {
    const { runWorkload } = await import('./dpo-run');
    const { estimateMemory } = await import('../model/memory');
    const lora = defaultLora(cfg);
    const small = runWorkload({ ...settings, negatives_per_prompt: 8, prompts_per_step: 1, rows_per_pass: 9, max_length: 256 }, lora);
    const large = runWorkload({ ...settings, negatives_per_prompt: 8, prompts_per_step: 16, rows_per_pass: 36, max_length: 512, lora: { ...lora, r: 16 } }, lora);
    expect(small).toMatchObject({ rows: 9, length: 256, lora });
    expect(large).toMatchObject({ rows: 36, length: 512, lora: { r: 16 } });
    const w = { sampleRows: 32, sampleContext: 512 };
    expect(estimateMemory(cfg, { ...w, ...large }).fullTrainingBytes).toBeGreaterThan(estimateMemory(cfg, { ...w, ...small }).fullTrainingBytes);
  });

  it('sizes the pass length from the data (cut to max_length); lowers prompts per pass, then recomputes the LM head, then every layer, until the estimate fits', async () => {
    const { runWorkload, fitRowsPerPass } = await import('./dpo-run');
    const lora = defaultLora(cfg);
    const data = groups(6, 9);
    const longest = Math.max(...data.map((g) => g.prompt.length + Math.max(g.chosen.length, ...g.rejected.map((r) => r.length))));
    const c = { ...settings, negatives_per_prompt: 3, prompts_per_step: 8, rows_per_pass: 32, max_length: 512 };
    expect(runWorkload(c, lora, data).length).toBe(longest);
    expect(runWorkload({ ...c, max_length: 4 }, lora, data).length).toBe(4);
    expect(runWorkload(c, lora).length).toBe(512);
    // A budget of 12 rows: 8 prompts per pass (32 rows) do not fit, 2 (8 rows) do — no checkpointing needed.
    const tried: string[] = [];
    const budget = (rows: number, checkpointedRows: number, headRows = rows) => async (x: DpoConfig) => {
      const w = runWorkload(x, lora);
      tried.push(`${w.rows}${w.checkpointing === 'none' ? '' : ` ${w.checkpointing}`}`);
      return w.rows <= { none: rows, 'lm-head': headRows, layers: checkpointedRows }[w.checkpointing];
    };
    const fitted = await fitRowsPerPass(c, budget(12, 12));
    expect(tried).toEqual(['32', '16', '8']);
    expect(fitted).toMatchObject({ rows_per_pass: 8, prompts_per_step: 8, gradient_checkpointing: false, lm_head_checkpointing: false });
    expect(promptsPerPass(fitted!)).toBe(2);
    // Not even one prompt (4 rows) fits without recomputation: then the LM head recomputed, with the most prompts per pass that fit.
    tried.length = 0;
    const head = await fitRowsPerPass(c, budget(3, 20, 8));
    expect(tried).toEqual(['32', '16', '8', '4', '32 lm-head', '16 lm-head', '8 lm-head']);
    expect(head).toMatchObject({ rows_per_pass: 8, gradient_checkpointing: false, lm_head_checkpointing: true });
    // Nor with the LM head recomputed: every layer.
    tried.length = 0;
    const recomputed = await fitRowsPerPass(c, budget(3, 20, 3));
    expect(tried).toEqual(['32', '16', '8', '4', '32 lm-head', '16 lm-head', '8 lm-head', '4 lm-head', '32 layers', '16 layers']);
    expect(recomputed).toMatchObject({ rows_per_pass: 16, gradient_checkpointing: true, lm_head_checkpointing: false });
    // Recomputation asked for: never less of it; prompts per pass, and then more recomputation, change.
    tried.length = 0;
    expect(await fitRowsPerPass({ ...c, gradient_checkpointing: true }, budget(0, 8))).toMatchObject({ rows_per_pass: 8, gradient_checkpointing: true });
    expect(tried).toEqual(['32 layers', '16 layers', '8 layers']);
    tried.length = 0;
    expect(await fitRowsPerPass({ ...c, lm_head_checkpointing: true }, budget(0, 32, 0))).toMatchObject({ rows_per_pass: 32, gradient_checkpointing: true });
    expect(tried).toEqual(['32 lm-head', '16 lm-head', '8 lm-head', '4 lm-head', '32 layers']);
    expect(await fitRowsPerPass(c, async () => true)).toBe(c);
    expect(await fitRowsPerPass(c, async () => false)).toBeNull();
  });

  it('plans steps by epochs (the last partial step dropped), or exactly max_steps', () => {
    expect(planSteps(10, { prompts_per_step: 4, num_train_epochs: 3, max_steps: -1 })).toEqual({ perEpoch: 2, total: 6 });
    expect(planSteps(10, { prompts_per_step: 4, num_train_epochs: 3, max_steps: 5 })).toEqual({ perEpoch: 2, total: 5 });
    expect(planSteps(3, { prompts_per_step: 4, num_train_epochs: 3, max_steps: 5 }).total).toBe(0);
  });

  it('a run resumed from an encoded checkpoint (across an epoch boundary) ends where an uninterrupted one does', async () => {
    const data = groups(12, 1);
    const straight = await DpoRun.create(ort, 'cpu', model, data, settings);
    expect(straight.totalSteps).toBe(6);
    const expected = await trainedAfter(straight, 6);
    await straight.release();

    const first = await DpoRun.create(ort, 'cpu', model, data, settings);
    await trainedAfter(first, 2);
    const bytes = encodeCheckpoint(await first.checkpoint());
    await first.release();
    expect(checkpointInfo(bytes.subarray(0, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)))).step).toBe(2);

    const resumed = await DpoRun.create(ort, 'cpu', model, data, settings, { resume: decodeCheckpoint(bytes) });
    expect(resumed.stepsDone).toBe(2);
    const got = await trainedAfter(resumed, 6);
    expect(resumed.history.map((h) => h.step)).toEqual([1, 2, 3, 4, 5, 6]);
    await resumed.release();
    expect(maxDiff(expected, got)).toBeLessThan(1e-6);
    expect(maxDiff(expected, weights)).toBeGreaterThan(1e-3);
  });

  it('a loss that turns non-finite stops the run with a message, at the last good step', async () => {
    // An absurd learning rate sends the weights to ±∞ after one step.
    const run = await DpoRun.create(ort, 'cpu', model, groups(8, 1), { ...settings, learning_rate: 1e30, warmup_ratio: 0, max_grad_norm: 1 });
    await run.step();
    await expect(run.step()).rejects.toThrow(NonFiniteLossError);
    await expect(run.step()).rejects.toThrow(/step 2: the loss is (NaN|-?Infinity); training stopped \(the last checkpoint is kept\)/);
    expect(run.stepsDone).toBe(1);
    expect(run.history).toHaveLength(1);
    await run.release();
  });

  it('refuses to resume on different data', async () => {
    const run = await DpoRun.create(ort, 'cpu', model, groups(8, 1), settings);
    await run.step();
    const ck = await run.checkpoint();
    await run.release();
    await expect(DpoRun.create(ort, 'cpu', model, groups(8, 2), settings, { resume: ck })).rejects.toThrow(/different data/);
  });

  it('after its last step hands over its own weights and a checkpoint of views: the same values as copies, alive after release', async () => {
    const run = await DpoRun.create(ort, 'cpu', model, groups(8, 1), { ...settings, max_steps: 2 });
    while (run.stepsDone < run.totalSteps) await run.step();
    const copy = await run.policyWeights();
    const own = await run.policyWeights({ final: true });
    const saved = encodeCheckpoint(await run.checkpoint());
    const viewed = encodeCheckpoint(await run.checkpointViews());
    await run.release();
    expect(own).toEqual(copy);
    expect(viewed).toEqual(saved);
  });

  it('accumulating 4 passes of 1 prompt equals 1 pass of 4 prompts', async () => {
    const data = groups(8, 3);
    const one = await DpoRun.create(ort, 'cpu', model, data, { ...settings, rows_per_pass: 16 });
    const four = await DpoRun.create(ort, 'cpu', model, data, { ...settings, rows_per_pass: 4 });
    const a = await one.step();
    const b = await four.step();
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
    expect(Math.abs(a.grad_norm - b.grad_norm) / a.grad_norm).toBeLessThan(1e-4);
    expect(maxDiff(await one.policyWeights(), await four.policyWeights())).toBeLessThan(1e-6);
    await one.release();
    await four.release();
  });

  it("RPO α: logs TRL's nll_loss, and at step 1 (every DPO pair at ln 2) the loss is ln 2 + α · nll_loss; without α there is no nll_loss", async () => {
    const data = groups(8, 3);
    const rpo = await DpoRun.create(ort, 'cpu', model, data, { ...settings, rpo_alpha: 0.5 });
    const plain = await DpoRun.create(ort, 'cpu', model, data, settings);
    const a = await rpo.step();
    const b = await plain.step();
    expect(a.nll_loss).toBeGreaterThan(0);
    expect(a.loss - Math.LN2).toBeCloseTo(0.5 * a.nll_loss!, 5);
    expect(b.loss).toBeCloseTo(Math.LN2, 6);
    expect(b).not.toHaveProperty('nll_loss');
    // TRL's loss_type "sft" on the same data: the loss is that nll_loss alone, and the policy moves (the chosen side's gradient).
    const sft = await DpoRun.create(ort, 'cpu', model, data, { ...settings, loss_type: 'sft' });
    const c = await sft.step();
    expect(c.nll_loss).toBeCloseTo(a.nll_loss!, 5);
    expect(c.loss).toBeCloseTo(a.nll_loss!, 5);
    expect(c.grad_norm).toBeGreaterThan(0);
    await sft.release();
    await rpo.release();
    await plain.release();
  });

  it("logs TRL's metrics per pair, whatever the passes; at step 1 (policy = reference) rewards are exactly 0, as TRL logs them", async () => {
    const data = groups(8, 3);
    for (const variant of ['sigmoid', 'infonca'] as const) {
      const one = await DpoRun.create(ort, 'cpu', model, data, { ...settings, loss_type: variant, rows_per_pass: 16 });
      const three = await DpoRun.create(ort, 'cpu', model, data, { ...settings, loss_type: variant, rows_per_pass: 5 });
      const a = await one.step();
      const b = await three.step();
      // Policy = reference at step 1: the reference was scored in these passes with the train step's numerics,
      // so every reward is 0.0 (not ±1e-7) and no pair counts as won (TRL: chosen > rejected is false).
      for (const log of [a, b]) {
        for (const name of ['rewards/chosen', 'rewards/rejected', 'rewards/margins', 'rewards/accuracies'] as const) expect(log[name], `${variant} ${name}`).toBe(0);
      }
      // Later steps: the same numbers from 1 pass or 3 (metrics weigh by real pairs).
      const a2 = await one.step();
      const b2 = await three.step();
      for (const name of ['loss', 'rewards/chosen', 'rewards/rejected', 'rewards/margins', 'rewards/accuracies', 'logps/chosen', 'logps/rejected'] as const) {
        expect(Math.abs(a2[name] - b2[name]), `${variant} ${name}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(a2[name])));
      }
      await one.release();
      await three.release();
    }
  });

  it('scores the reference as passes first need it: none before step 1, every prompt within epoch 1, none after', async () => {
    const done: number[] = [];
    const run = await DpoRun.create(ort, 'cpu', model, groups(8, 3), { ...settings, rows_per_pass: 8 }, { onReference: (d) => done.push(d) });
    expect(done).toEqual([]);
    const logs = [await run.step(), await run.step(), await run.step()];
    // 8 prompts × (1 + 3) rows, 2 prompts per pass: 4 passes in epoch 1's 2 steps; epoch 2 scores nothing.
    expect(done).toEqual([8, 16, 24, 32]);
    expect(logs.map((l) => l.referenceSeconds > 0)).toEqual([true, true, false]);
    expect(logs[0].seconds).toBeGreaterThan(logs[0].referenceSeconds);
    await run.release();
  });

  it('gradient checkpointing: the same run, bit for bit (step-1 rewards exactly 0), full and LoRA', async () => {
    const data = groups(8, 4);
    for (const lora of [null, defaultLora(cfg)]) {
      const kept = await DpoRun.create(ort, 'cpu', model, data, { ...settings, lora, rows_per_pass: 8 });
      const rebuilt = await DpoRun.create(ort, 'cpu', model, data, { ...settings, lora, rows_per_pass: 8, gradient_checkpointing: true });
      for (let s = 0; s < 2; s++) {
        const [a, b] = [await kept.step(), await rebuilt.step()];
        for (const name of ['loss', 'rewards/chosen', 'rewards/rejected', 'rewards/margins', 'rewards/accuracies', 'grad_norm'] as const) expect(b[name], name).toBe(a[name]);
        if (s === 0) expect(b['rewards/margins']).toBe(0);
      }
      expect(await rebuilt.policyWeights()).toEqual(await kept.policyWeights());
      await kept.release();
      await rebuilt.release();
    }
  });

  it('LoRA: starts at the base model (loss log 2), trains only adapters, merged weights change only the targets', async () => {
    const lora = defaultLora(cfg);
    const run = await DpoRun.create(ort, 'cpu', model, groups(8, 4), { ...settings, lora, learning_rate: 5e-2 });
    const first = await run.step();
    expect(first.loss).toBeCloseTo(Math.log(2), 5);
    // B = 0 adds exactly nothing to the base weights, so the base-model reference equals the policy bit for bit.
    for (const name of ['rewards/chosen', 'rewards/rejected', 'rewards/margins', 'rewards/accuracies'] as const) expect(first[name], name).toBe(0);
    for (let s = 0; s < 3; s++) await run.step();
    const adapters = (await run.adapters())!;
    expect([...adapters.keys()].sort()).toEqual(loraParamSpecs(cfg, lora).map((p) => p.name).sort());
    expect([...adapters.keys()][0]).toMatch(/^base_model\.model\.model\.layers\.0\.self_attn\.(q|v)_proj\.lora_[AB]\.weight$/);
    const merged = await run.policyWeights();
    await run.release();
    for (const [name, w] of merged) {
      const changed = Math.max(...w.map((v, i) => Math.abs(v - weights.get(name)![i]))) > 0;
      expect(changed, name).toBe(/\.(q|v)_proj\.weight$/.test(name));
    }
  });

  for (const [family, targetModules] of [['llama', ['q_proj', 'o_proj']], ['gpt2', ['c_attn', 'c_fc']]] as const) {
  it(`LoRA on ${family} (${targetModules.join(', ')}): gradients wrt A and B match finite differences; the host merge equals the graph's`, async () => {
    const cfg = parseConfig(TINY_CONFIGS[family]);
    const weights = randomWeights(cfg, 5, 0.2);
    const lora = { r: 2, lora_alpha: 4, target_modules: [...targetModules] };
    const specs = loraParamSpecs(cfg, lora);
    const init = initLora(cfg, lora, 3);
    // B = 0 at init makes A's gradient vanish; check at a point where both are non-zero.
    const rng = createRng(9);
    for (const p of specs) if (p.name.includes('lora_B')) init.set(p.name, Float32Array.from(init.get(p.name)!, () => rng() - 0.5));
    const data = groups(2, 5);
    const grouped = data.map((g) => groupRows(g, 3));
    const batch = packSequences(grouped.flatMap((g) => g.rows), 0);
    const mask = grouped.flatMap((g) => g.mask);
    const base = weightSpecs(cfg);
    const inputs: GradInput[] = [
      ...specs.map((s) => ({ name: s.name, shape: s.shape, data: Array.from(init.get(s.name)!) })),
      ...base.map((s) => ({ name: s.name, shape: s.shape, data: Array.from(weights.get(s.name)!), noGrad: true })),
      ...(['input_ids', 'attention_mask', 'position_ids'] as const).map((n) => ({ name: n, shape: batch[n].dims, data: Array.from(sequenceFeeds(batch)[n].data as BigInt64Array, Number), int: true })),
      { name: 'loss_mask', shape: batch.loss_mask.dims, data: Array.from(batch.loss_mask.data as Float32Array), noGrad: true },
      { name: 'ref', shape: [mask.length], data: mask.map((_, i) => -3 - 0.1 * i), noGrad: true },
      { name: 'row_mask', shape: [mask.length], data: mask, noGrad: true },
    ];
    const r = await gradCheck(ort, inputs, (xs) => {
      const adapters = Object.fromEntries(specs.map((s, k) => [s.name, xs[k]]));
      const byName = new Map(base.map((s, k) => [s.name, xs[specs.length + k]]));
      const [ids, attn, positions, lossMask, ref, rowMask] = xs.slice(specs.length + base.length);
      const w = loraWeights({ get: (n) => byName.get(n)!, transposed: () => null }, adapters, cfg, lora);
      const { sum, count } = sequenceLogProbs(cfg, w, { ids, mask: attn, positions, lossMask });
      const g = (v: typeof sum) => reshape(v, [-1, 4]);
      return reshape(dpoLoss(g(sum), g(ref), g(count), { variant: 'sigmoid', beta: 0.5, labelSmoothing: 0, rpoAlpha: null }, g(rowMask)).loss, [1]);
    }, { samplesPerInput: 2, outputShape: [1] });
    expect(r.worst, r.where).toBeLessThanOrEqual(1);
    // And the host-side merge equals W + (α/r)·B·A (GPT-2's Conv1D stores it transposed, [in, out]).
    const merged = mergeLora(weights, init, cfg, lora);
    const name = family === 'llama' ? 'model.layers.0.self_attn.q_proj.weight' : 'h.0.attn.c_attn.weight';
    const A = init.get(`base_model.model.${name.replace('.weight', '')}.lora_A.weight`)!;
    const B = init.get(`base_model.model.${name.replace('.weight', '')}.lora_B.weight`)!;
    const inp = cfg.hiddenSize;
    const out = B.length / 2;
    const [o, i] = [5, 7];
    const delta = (lora.lora_alpha / lora.r) * (B[o * 2] * A[i] + B[o * 2 + 1] * A[inp + i]);
    const at = family === 'llama' ? o * inp + i : i * out + o;
    expect(merged.get(name)![at]).toBeCloseTo(weights.get(name)![at] + delta, 6);
  });
  }
});
