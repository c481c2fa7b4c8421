import { describe, expect, it } from 'vitest';
import { Graph } from './graph';
import { adamwStep, ADAMW_DEFAULTS } from './adamw';
import { graphMemory } from './liveness';

/** K parameters of S floats each, with their gradients and moments as inputs: the optimizer part of a train step. */
function optimizerGraph(K: number, S: number, maxGradNorm: number | null, weightDecay = 0.1): Graph {
  const g = new Graph('adamw');
  const tensor = (name: string) => g.input(name, 'float32', [S]);
  const slots = Array.from({ length: K }, (_, k) => ({ param: tensor(`p${k}`), grad: tensor(`g${k}`), m: tensor(`m${k}`), v: tensor(`v${k}`), decay: true }));
  const r = adamwStep(slots, g.input('lr', 'float32', []), g.input('step', 'float32', []), { ...ADAMW_DEFAULTS, weightDecay, maxGradNorm });
  r.params.forEach((p, k) => g.output(p, `next.p${k}`));
  r.m.forEach((m, k) => g.output(m, `next.m${k}`));
  r.v.forEach((v, k) => g.output(v, `next.v${k}`));
  g.output(r.gradNorm, 'grad_norm');
  return g;
}

describe('adamwStep', () => {
  for (const maxGradNorm of [1, null]) {
    it(`keeps at most a few parameter-sized temporaries alive in ORT's order, however many parameters (clipping ${maxGradNorm ?? 'off'})`, () => {
      const S = 1000;
      const temporaries = (K: number) => {
        const m = graphMemory(optimizerGraph(K, S, maxGradNorm));
        return (m.peakBytes - m.outputBytes) / (4 * S);
      };
      // With clipping every update waits for the norm over all gradients; nothing per parameter may wait with it.
      expect(temporaries(16)).toBeLessThanOrEqual(3);
      expect(temporaries(16)).toBe(temporaries(2));
    });
  }

  it('passes over each parameter-sized tensor 13 times, 14 with weight decay (torch\'s order of operations: 16, 17)', () => {
    const passes = (weightDecay: number) => {
      const g = optimizerGraph(1, 1000, 1, weightDecay);
      return g.nodes.filter((n) => n.inputs.some((i) => g.values.get(i)?.shape[0] === 1000)).length;
    };
    expect(passes(0)).toBe(13);
    expect(passes(0.1)).toBe(14);
  });
});
