// Reverse-mode autodiff over a built graph: one walker (nodes in reverse build
// order, which is topological; fan-out gradients summed) and one rule table
// keyed by op type (grad-rules.ts). The backward pass is appended to the same
// graph, built from the same ops as the forward pass.
import type { Graph, Value } from './graph';
import { add, expand, scalar } from './ops';
import { GRAD_RULES } from './grad-rules';

export function gradients(loss: Value, wrt: readonly Value[]): Value[] {
  const g = loss.graph;
  if (loss.shape.some((d) => d !== 1)) throw new Error(`gradients: the loss must be a scalar, got [${loss.shape.join(', ')}]`);

  // Values that depend on a parameter: only they receive gradients.
  const requires = new Set<string>(wrt.map((v) => v.name));
  for (const node of g.nodes) {
    if (node.inputs.some((i) => requires.has(i))) for (const o of node.outputs) requires.add(o);
  }
  for (const v of g.noGradient) requires.delete(v.name);

  const pending = new Map<string, Value[]>();
  const total = (name: string): Value | null => {
    const parts = pending.get(name);
    if (!parts || parts.length === 0) return null;
    const sum = parts.reduce((a, b) => add(a, b));
    pending.set(name, [sum]);
    return sum;
  };
  pending.set(loss.name, [loss.rank === 0 ? scalar(g, 1) : expand(scalar(g, 1), loss.shape)]);

  const forwardCount = g.nodes.length; // the backward nodes appended below are not walked
  for (let i = forwardCount - 1; i >= 0; i--) {
    const node = g.nodes[i];
    if (!node.inputs.some((n) => requires.has(n))) continue;
    const dys = node.outputs.map(total);
    if (dys.every((d) => d === null)) continue;
    const rule = GRAD_RULES[node.opType];
    if (!rule) throw new Error(`gradients: no rule for ${node.opType} (node ${node.name})`);
    const inputs = node.inputs.map((n) => (n ? valueOf(g, n) : null));
    const outputs = node.outputs.map((n) => valueOf(g, n));
    const dxs = rule({ graph: g, node, inputs, outputs, dys, needs: (k) => requires.has(node.inputs[k]) });
    node.inputs.forEach((name, k) => {
      const dx = dxs[k];
      if (!dx || !requires.has(name)) return;
      const list = pending.get(name);
      if (list) list.push(dx);
      else pending.set(name, [dx]);
    });
  }

  return wrt.map((v) => {
    const dv = total(v.name);
    if (!dv) throw new Error(`gradients: the loss does not depend on ${v.name}`);
    return dv;
  });
}

function valueOf(g: Graph, name: string): Value {
  const v = g.values.get(name);
  if (!v) throw new Error(`gradients: unknown value ${name}`);
  return v;
}
