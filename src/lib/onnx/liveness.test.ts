// graphMemory on graphs small enough to count by hand, and on a real train step.
import { describe, expect, it } from 'vitest';
import { Graph } from './graph';
import { add, mul, sumAll } from './ops';
import { executionOrder, graphMemory } from './liveness';
import { encodeModel } from './model-proto';
import * as ort from 'onnxruntime-node';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainStep } from './train-step';
import { dpoTrainStep, PAPER_DPO } from '../train/dpo';
import { parseConfig } from '../model/config';
import { randomWeights, TINY_CONFIGS } from '../model/random-init';
import { packSequences, sequenceFeeds } from '../train/batches';

describe('graphMemory', () => {
  it('holds each intermediate from its node to its last reader, outputs to the end', () => {
    const g = new Graph('hand');
    const x = g.input('x', 'float32', [4]); // 16 bytes
    const a = add(x, 1); // 16
    const b = mul(a, 2); // 16: a and b alive (a is read again below)
    const c = add(a, b); // 16: a, b, c alive = 48, then a and b die
    g.output(sumAll(c), 's'); // 4: c and s alive = 20, then c dies
    const m = graphMemory(g);
    expect(m.inputBytes).toBe(16);
    expect(m.outputBytes).toBe(4);
    expect(m.peakBytes).toBe(48);
    expect(m.largestLive.bytes).toBe(16);
  });

  it("walks the nodes in the order ORT runs them (a checkpointed DPO step, ORT's profile)", async () => {
    const cfg = parseConfig(TINY_CONFIGS.llama);
    const step = buildTrainStep(dpoTrainStep(cfg, PAPER_DPO, 1, { checkpointing: 'layers' }));
    // Unoptimised, so ORT's nodes are ours; its profile lists every kernel in the order it ran.
    const dir = mkdtempSync(join(tmpdir(), 'order-'));
    const prefix = join(dir, 'profile');
    const session = await ort.InferenceSession.create(encodeModel(step.model), { graphOptimizationLevel: 'disabled', enableProfiling: true, profileFilePrefix: prefix });
    const weights = randomWeights(cfg, 1, 0.2);
    const batch = sequenceFeeds(packSequences([{ prompt: [1, 4, 5], response: [6, 2] }, { prompt: [1, 4], response: [7, 8, 2] }], 0));
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of step.model.graph.inputs) {
      const known = batch[input.name as keyof typeof batch];
      if (known) feeds[input.name] = new ort.Tensor(known.type, known.data, known.dims);
      else if (input.name === 'ref_logps' || input.name === 'row_mask') feeds[input.name] = new ort.Tensor('float32', Float32Array.from([-3, 1]), [2]);
      else if (input.shape.length === 0) feeds[input.name] = new ort.Tensor('float32', Float32Array.from([1]), []);
      else feeds[input.name] = new ort.Tensor('float32', weights.get(input.name) ?? new Float32Array(input.shape.reduce<number>((a, d) => a * Number(d), 1)), input.shape as number[]);
    }
    await session.run(feeds);
    session.endProfiling();
    const events = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8')) as { cat: string; name: string }[];
    const ran = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time')).map((e) => e.name.replace(/_kernel_time$/, ''));
    await session.release();
    expect(executionOrder(step.graph).map((i) => step.graph.nodes[i].name)).toEqual(ran);
  });

  it('sizes a DPO train step only when its batch dims are concrete', () => {
    const cfg = parseConfig(TINY_CONFIGS.llama);
    expect(() => graphMemory(buildTrainStep(dpoTrainStep(cfg, PAPER_DPO, 1)).graph)).toThrow(/symbolic dimension; build the graph with concrete batch dims/);
    const small = graphMemory(buildTrainStep(dpoTrainStep(cfg, PAPER_DPO, 1, { batch: { rows: 2, length: 8 } })).graph);
    const large = graphMemory(buildTrainStep(dpoTrainStep(cfg, PAPER_DPO, 1, { batch: { rows: 8, length: 32 } })).graph);
    // The step's outputs are the next parameters and moments: three times the trainable weights, at any batch.
    expect(large.outputBytes).toBe(small.outputBytes);
    expect(large.peakBytes).toBeGreaterThan(small.peakBytes);
    // The logits [rows, length, vocab] are alive at the peak.
    expect(large.peakBytes).toBeGreaterThan(8 * 32 * cfg.vocabSize * 4);
  });
});
