// Every gradient rule against central finite differences in float64.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { gradCheck } from './gradcheck';
import { GRAD_RULES } from './grad-rules';
import { OP_CASES as cases } from './op-cases';

describe('gradient rules vs central finite differences (float64), atol 1e-4 + rtol 1e-3', () => {
  for (const c of cases) {
    it(`${c.rule}${c.name ? ` (${c.name})` : ''}`, async () => {
      const r = await gradCheck(ort, c.inputs, c.f, { reference64: c.f64 });
      expect(r.checked).toBeGreaterThan(0);
      expect(r.worst, r.where).toBeLessThanOrEqual(1);
    });
  }

  it("broadcasts a reduction's gradient in the elementwise ops that read it: no Expand in the backward pass", async () => {
    const { Graph } = await import('./graph');
    const { gradients } = await import('./autodiff');
    const op = await import('./ops');
    const g = new Graph('broadcast');
    const x = g.input('x', 'float32', ['rows', 8]);
    const centered = op.sub(x, op.reduceMean(x, [-1], true));
    const lse = op.log(op.reduceSum(op.exp(centered), [-1], true));
    gradients(op.sumAll(op.mul(op.mul(centered, lse), x)), [x]);
    expect(g.nodes.filter((n) => n.opType === 'Expand')).toEqual([]);
  });

  it('a value marked recomputed is read by the backward pass as a copy built there: the original dies in the forward pass', async () => {
    const { Graph } = await import('./graph');
    const { gradients } = await import('./autodiff');
    const op = await import('./ops');
    const g = new Graph('silu');
    const x = g.input('x', 'float32', [4, 8]);
    const s = op.sigmoid(x);
    g.recomputed.add(s.name);
    const y = op.mul(x, s);
    gradients(op.sumAll(op.mul(y, y)), [x]);
    expect(g.nodes.filter((n) => n.inputs.includes(s.name)).map((n) => n.outputs[0])).toEqual([y.name]);
    expect(g.nodes.filter((n) => n.opType === 'Sigmoid')).toHaveLength(2);
  });

  it('covers every differentiable rule in the table', () => {
    const nonDifferentiable = ['Equal', 'Less', 'Greater', 'GreaterOrEqual', 'LessOrEqual', 'Not', 'Shape'];
    const tested = new Set(cases.map((c) => c.rule));
    const untested = Object.keys(GRAD_RULES).filter((r) => !tested.has(r) && !nonDifferentiable.includes(r));
    expect(untested).toEqual([]);
  });
});
