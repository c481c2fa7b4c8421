// Reverse-mode autodiff over a built graph: one walker (nodes in reverse build
// order, which is topological; fan-out gradients summed) and one rule table
// keyed by op type (grad-rules.ts). The backward pass is appended to the same
// graph, built from the same ops as the forward pass.
//
// With `recompute` (true, or the segment kinds to rebuild), each checkpoint
// segment of the forward pass (Graph.segments) is built again just before its
// backward part, and that part reads the rebuilt values: the forward's
// intermediates inside a segment die in the forward pass, and only the values
// that enter segments stay alive for the backward pass (activation
// checkpointing). The rebuilt nodes are the same ops on the same inputs, so
// the gradients are bit-identical to those without recomputation.
// Values marked Graph.recomputed are rebuilt the same way, one node, always.
import type { Graph, Value } from './graph';
import type { NodeSpec } from './model-proto';
import { add, equal, expand, reshape, scalar, slice, where } from './ops';
import { GRAD_RULES } from './grad-rules';

export interface GradientOptions {
  /** Rebuild checkpoint segments (true: all; a list: those of these kinds) in the backward pass instead of keeping their intermediates. */
  recompute?: boolean | readonly string[];
}

export function gradients(loss: Value, wrt: readonly Value[], { recompute = false }: GradientOptions = {}): Value[] {
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
  const segmentOf = new Int32Array(forwardCount).fill(-1);
  const rebuilds = (kind: string) => (typeof recompute === 'boolean' ? recompute : recompute.includes(kind));
  g.segments.forEach((s, k) => rebuilds(s.kind) && segmentOf.fill(k, s.start, s.end));
  const rebuilt = new Map<number, Map<string, Value>>();
  const recomputed = new Map<string, Value>();
  // Gradients the last rebuilt segment's backward part sent out of it (to parameters, to shared values):
  // the next segment is rebuilt only after them, so ORT finishes one segment before it rebuilds another.
  let sentOut: Value[] = [];
  let walking = -1;
  for (let i = forwardCount - 1; i >= 0; i--) {
    const node = g.nodes[i];
    if (!node.inputs.some((n) => requires.has(n))) continue;
    const dys = node.outputs.map(total);
    if (dys.every((d) => d === null)) continue;
    const rule = GRAD_RULES[node.opType];
    if (!rule) throw new Error(`gradients: no rule for ${node.opType} (node ${node.name})`);
    const segment = segmentOf[i];
    let values = (name: string) => valueOf(g, name);
    if (segment >= 0) {
      let copies = rebuilt.get(segment);
      if (!copies) {
        copies = rebuildSegment(g, g.segments[segment], [dys.find((d) => d !== null)!, ...sentOut]);
        rebuilt.set(segment, copies);
        sentOut = [];
        walking = segment;
      }
      const own = copies;
      values = (name) => own.get(name) ?? valueOf(g, name);
    } else if (g.recomputed.size) {
      const after = dys.find((d) => d !== null)!;
      values = (name) => {
        if (!g.recomputed.has(name)) return valueOf(g, name);
        let copy = recomputed.get(name);
        if (!copy) {
          const p = g.producer.get(name)!;
          copy = rebuildSegment(g, { start: p, end: p + 1 }, [after]).get(name)!;
          recomputed.set(name, copy);
        }
        return copy;
      };
    }
    const inputs = node.inputs.map((n) => (n ? values(n) : null));
    const outputs = node.outputs.map(values);
    const dxs = rule({ graph: g, node, inputs, outputs, dys, needs: (k) => requires.has(node.inputs[k]) });
    node.inputs.forEach((name, k) => {
      const dx = dxs[k];
      if (!dx || !requires.has(name)) return;
      const from = g.producer.get(name);
      if (segment >= 0 && segment === walking && (from === undefined || segmentOf[from] !== segment)) sentOut.push(dx);
      const list = pending.get(name);
      if (list) list.push(dx);
      else pending.set(name, [dx]);
    });
  }

  const grads = wrt.map((v) => {
    const dv = total(v.name);
    if (!dv) throw new Error(`gradients: the loss does not depend on ${v.name}`);
    return dv;
  });
  broadcastInsteadOfExpand(g, forwardCount, grads);
  // Rules return every input's gradient and a segment is rebuilt whole: what no gradient needs would
  // run for nothing and, read by nothing, ORT would run it early and keep what it reads alive.
  g.dropUnread(forwardCount, grads);
  return grads;
}

const BROADCASTING = new Set(['Add', 'Sub', 'Mul', 'Div']);

/**
 * A reduction's gradient is its output's gradient expanded back over the reduced axes
 * (grad-rules' expandReduced). Where a backward Expand is read only by elementwise ops
 * whose other operand already has the expanded shape, they read the Expand's input and
 * broadcast it themselves: the same values, without the expanded tensor (at the LM
 * head one [rows, T, V] tensor fewer alive, and one pass over it fewer). dropUnread
 * then removes the Expand.
 */
function broadcastInsteadOfExpand(g: Graph, from: number, keep: readonly Value[]): void {
  const kept = new Set([...g.outputs, ...keep].map((v) => v.name));
  const expands = g.nodes.slice(from).filter((n) => n.opType === 'Expand' && !kept.has(n.outputs[0]));
  const readers = new Map(expands.map((n) => [n.outputs[0], new Set<NodeSpec>()]));
  for (const n of g.nodes) for (const name of n.inputs) readers.get(name)?.add(n);
  const sameShape = (a: Value | undefined, b: Value) => a !== undefined && a.rank === b.rank && a.shape.every((d, k) => d === b.shape[k]);
  for (const node of expands) {
    const expanded = g.values.get(node.outputs[0])!;
    const users = [...readers.get(expanded.name)!];
    const broadcasts = users.length > 0 && users.every((u) => {
      const other = u.inputs[u.inputs[0] === expanded.name ? 1 : 0];
      return BROADCASTING.has(u.opType) && u.inputs.length === 2 && other !== expanded.name && sameShape(g.values.get(other), expanded);
    });
    if (!broadcasts) continue;
    for (const u of users) u.inputs = u.inputs.map((name) => (name === expanded.name ? node.inputs[0] : name));
  }
}

/**
 * The segment's nodes built again; returns each of its values' rebuilt copy by
 * the original's name. Values the segment reads from earlier nodes enter through
 * Where(c, v, v) with c computed from `after` (the gradient the segment's
 * backward part starts from, and what the previous segment's sent out): the
 * copies then differ from the originals as ORT sees them (its
 * common-subexpression pass would merge them back otherwise), and ORT cannot
 * run them before the backward pass reaches the segment, nor before it is done
 * with the previous one.
 */
function rebuildSegment(g: Graph, segment: { start: number; end: number }, after: Value[]): Map<string, Value> {
  const first = after.map((v) => slice(reshape(v, [-1]), [0], [0], [1])).reduce((a, b) => add(a, b));
  const gate = reshape(equal(first, first), []); // true unless NaN; either way Where returns v
  const copies = new Map<string, Value>();
  for (let j = segment.start; j < segment.end; j++) {
    const node = g.nodes[j];
    const inputs = node.inputs.map((name) => {
      if (!name) return null;
      const copy = copies.get(name);
      if (copy) return copy;
      const v = valueOf(g, name);
      if (g.producer.get(name) === undefined) return v; // graph inputs and initializers
      const entered = where(gate, v, v);
      copies.set(name, entered);
      return entered;
    });
    const outputs = g.node(node.opType, inputs, node.attrs, node.outputs.map((name) => valueOf(g, name)));
    node.outputs.forEach((name, k) => copies.set(name, outputs[k]));
  }
  return copies;
}

function valueOf(g: Graph, name: string): Value {
  const v = g.values.get(name);
  if (!v) throw new Error(`gradients: unknown value ${name}`);
  return v;
}
