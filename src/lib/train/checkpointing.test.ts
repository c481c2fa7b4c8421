// Activation checkpointing and the vocabulary-chunked log-sum-exp: the chunked
// log-prob equals the plain one (values and gradients), its gradient matches
// finite differences with recomputation on, recomputation changes no bit of a
// train step, and it is what lowers the memory a step holds.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { parseConfig, weightSpecs } from '../model/config';
import { randomWeights, TINY_CONFIGS } from '../model/random-init';
import { buildLogProbGraph } from '../model/graphs';
import { buildTrainStep } from '../onnx/train-step';
import { batchTensors, TrainSession } from '../onnx/runtime';
import { dpoGradCheck } from './dpo-gradcheck.testutil';
import { graphMemory } from '../onnx/liveness';
import { packSequences, sequenceFeeds } from './batches';
import { dpoTrainStep, PAPER_DPO, type Checkpointing } from './dpo';
import { defaultLora } from './lora';

const M = 2;
const rows = [
  { prompt: [1, 5, 6, 7], response: [8, 9, 2] }, { prompt: [1, 5, 6, 7], response: [10, 2] }, { prompt: [1, 5, 6, 7], response: [11, 12, 13, 2] },
  { prompt: [1, 20, 21], response: [22, 2] }, { prompt: [1, 20, 21], response: [23, 24, 2] }, { prompt: [1, 20, 21], response: [25, 26, 27, 28, 2] },
];
const batch = packSequences(rows, 0);
const refLogps = Float32Array.from([-9, -7.5, -12, -6, -8, -14]);
const feeds = () => batchTensors(ort, {
  ...sequenceFeeds(batch),
  ref_logps: { type: 'float32', data: refLogps, dims: [rows.length] },
  row_mask: { type: 'float32', data: Float32Array.from(rows, () => 1), dims: [rows.length] },
});
const families = ['llama', 'qwen2', 'gpt2'] as const;

async function logProbs(cfg: ReturnType<typeof parseConfig>, w: Map<string, Float32Array>, vocabChunks: number): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(buildLogProbGraph(cfg, w, { trainingForm: true, vocabChunks }).bytes);
  return (await s.run(batchTensors(ort, sequenceFeeds(batch)))).logp_sum.data as Float32Array;
}

/** One DPO step's loss, gradients and next state. */
async function dpoStep(cfg: ReturnType<typeof parseConfig>, w: Map<string, Float32Array>, opts: { checkpointing: Checkpointing; recompute?: boolean; lora?: boolean }) {
  const spec = dpoTrainStep(cfg, PAPER_DPO, M, { checkpointing: opts.checkpointing, lora: opts.lora ? defaultLora(cfg) : null });
  const graph = buildTrainStep({ ...spec, recompute: opts.recompute ?? spec.recompute, exposeGradients: true });
  const host = Object.fromEntries(weightSpecs(cfg).map((s) => [s.name, { data: w.get(s.name)!, dims: s.shape }]));
  const trainable = opts.lora
    ? Object.fromEntries(spec.trainable.map((p, k) => [p.name, { data: Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + k) * 0.1), dims: p.shape }]))
    : host;
  const session = await TrainSession.create(ort, graph, 'cpu', trainable, opts.lora ? host : {});
  const out = await session.step(feeds(), 1e-3, 1);
  const state = await session.parameters();
  await session.release();
  return { out, state };
}

describe('the vocabulary-chunked log-sum-exp', () => {
  for (const family of families) {
    it(`${family}: log-probs in 3 vocabulary slices equal the whole-vocabulary ones, and so do the DPO gradients`, async () => {
      const cfg = parseConfig(TINY_CONFIGS[family]);
      const w = randomWeights(cfg, 3, 0.2);
      const [plain, chunked] = [await logProbs(cfg, w, 1), await logProbs(cfg, w, 3)];
      for (let i = 0; i < plain.length; i++) expect(Math.abs(chunked[i] - plain[i]), `row ${i}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(plain[i])));
      const a = await dpoStep(cfg, w, { checkpointing: 'none' });
      const b = await dpoStep(cfg, w, { checkpointing: 'layers' });
      expect(Math.abs(b.out.loss[0] - a.out.loss[0])).toBeLessThan(1e-6);
      for (const s of weightSpecs(cfg)) {
        const [ga, gb] = [a.out[`grad.${s.name}`], b.out[`grad.${s.name}`]];
        const scale = Math.max(1e-6, ...Array.from(ga, Math.abs));
        const err = Math.max(...Array.from(ga, (x, i) => Math.abs(x - gb[i])));
        expect(err / scale, s.name).toBeLessThan(1e-4);
      }
    });

    it(`${family}: the DPO loss's gradient with chunks and recomputation matches finite differences`, async () => {
      const cfg = parseConfig(TINY_CONFIGS[family]);
      const w = randomWeights(cfg, 5, 0.2);
      const r = await dpoGradCheck(
        { cfg, weights: w, batch, ref: Array.from(refLogps), rowMask: rows.map(() => 1), m: M, loss: PAPER_DPO, logProbs: { vocabChunks: 3 } },
        { samplesPerInput: 2, recompute: true },
      );
      expect(r.worst, r.where).toBeLessThanOrEqual(1);
    });
  }
});

describe('activation checkpointing', () => {
  for (const lora of [false, true]) {
    for (const checkpointing of ['lm-head', 'layers'] as const) {
      it(`recomputing ${checkpointing === 'layers' ? 'every layer and the LM head' : 'the LM head'} changes no bit of a DPO step (${lora ? 'LoRA' : 'full'})`, async () => {
        const cfg = parseConfig({ ...TINY_CONFIGS.llama, tie_word_embeddings: true });
        const w = randomWeights(cfg, 7, 0.2);
        const kept = await dpoStep(cfg, w, { checkpointing: 'none', lora });
        const rebuilt = await dpoStep(cfg, w, { checkpointing, lora });
        expect(rebuilt.out).toEqual(kept.out);
        expect(rebuilt.state).toEqual(kept.state);
      });
    }
  }

  it('holds a fraction of the activations: the liveness peak of a 135M-shaped step at 36 × 128 tokens', () => {
    const cfg = parseConfig({
      architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: 49152, hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30,
      num_attention_heads: 9, num_key_value_heads: 3, max_position_embeddings: 2048, rms_norm_eps: 1e-5, rope_theta: 10000, tie_word_embeddings: true,
      hidden_act: 'silu', bos_token_id: 1, eos_token_id: 2, torch_dtype: 'float32',
    });
    const peak = (checkpointing: Checkpointing) =>
      graphMemory(buildTrainStep(dpoTrainStep(cfg, PAPER_DPO, 8, { lora: defaultLora(cfg), batch: { rows: 36, length: 128 }, checkpointing })).graph).peakBytes;
    const [kept, head, rebuilt] = [peak('none'), peak('lm-head'), peak('layers')];
    expect(rebuilt).toBeLessThan(kept / 5);
    // The head alone: the 6 slices' exp(logits − max) kept for the backward pass, 36 × 128 × 49152 floats, less one slice being rebuilt.
    const logits = 36 * 128 * 49152 * 4;
    expect(kept - head).toBeGreaterThan(logits / 2);
    expect(head).toBeGreaterThan(rebuilt);
  });
});
