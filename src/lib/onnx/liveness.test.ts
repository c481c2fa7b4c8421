// graphMemory on graphs small enough to count by hand, and on a real train step.
import { describe, expect, it } from 'vitest';
import { Graph } from './graph';
import { add, mul, sumAll } from './ops';
import { graphMemory } from './liveness';
import { buildTrainStep } from './train-step';
import { dpoTrainStep, PAPER_DPO } from '../train/dpo';
import { parseConfig } from '../model/config';
import { TINY_CONFIGS } from '../model/random-init';

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
