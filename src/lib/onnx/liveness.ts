// Memory a graph holds while it runs, from the graph itself: every value's
// bytes from its shape, and a liveness pass over the nodes in the order ORT
// runs them (an intermediate lives from the node that makes it to the last node
// that reads it; graph outputs live to the end). ORT reuses buffers in its own
// way, so this is the plan's size, not ORT's arena to the byte.
import type { Graph, Value } from './graph';
import { DTYPE_BYTES } from './model-proto';

export interface GraphMemory {
  initializerBytes: number;
  inputBytes: number;
  /** Graph outputs (held from when they are made to the end of the run). */
  outputBytes: number;
  /** The most bytes of intermediates and outputs alive at once. */
  peakBytes: number;
  /** The largest value alive at that peak. */
  largestLive: { name: string; bytes: number };
}

function valueBytes(v: Value): number {
  let n = DTYPE_BYTES[v.dtype];
  for (const d of v.shape) {
    if (typeof d !== 'number') throw new Error(`graphMemory: ${v} has a symbolic dimension; build the graph with concrete batch dims`);
    n *= d;
  }
  return n;
}

/**
 * Node indices in the order ORT's sequential executor runs them (its default
 * ExecutionOrder: GraphViewer's reverse depth-first search from the nodes no
 * other node reads, in node order, each node's producers pushed lowest index
 * first so the highest is visited first; a node runs when all it reads has).
 */
export function executionOrder(g: Graph): number[] {
  const producers = g.nodes.map((node) => [...new Set(node.inputs.map((name) => g.producer.get(name)).filter((p) => p !== undefined))].sort((a, b) => a - b));
  const read = new Uint8Array(g.nodes.length);
  for (const ps of producers) for (const p of ps) read[p] = 1;
  const visited = new Uint8Array(g.nodes.length);
  const order: number[] = [];
  const stack: [number, boolean][] = [];
  for (let i = 0; i < g.nodes.length; i++) if (!read[i]) stack.push([i, false]);
  while (stack.length) {
    const [i, leaving] = stack.pop()!;
    if (leaving) {
      order.push(i);
      continue;
    }
    if (visited[i]) continue;
    visited[i] = 1;
    stack.push([i, true]);
    for (const p of producers[i]) if (!visited[p]) stack.push([p, false]);
  }
  return order;
}

export function graphMemory(g: Graph): GraphMemory {
  const sizeOf = (name: string) => valueBytes(g.values.get(name)!);
  const order = executionOrder(g);
  const lastUse = new Map<string, number>();
  order.forEach((n, i) => g.nodes[n].inputs.forEach((name) => name && lastUse.set(name, i)));
  const outputs = new Set(g.outputs.map((v) => v.name));
  let live = 0;
  let peak = 0;
  let largestLive = { name: '', bytes: 0 };
  const alive = new Map<string, number>();
  order.forEach((n, i) => {
    const node = g.nodes[n];
    for (const name of node.outputs) {
      const bytes = sizeOf(name);
      alive.set(name, bytes);
      live += bytes;
    }
    if (live > peak) {
      peak = live;
      largestLive = [...alive].reduce((a, [name, bytes]) => (bytes > a.bytes ? { name, bytes } : a), { name: '', bytes: 0 });
    }
    for (const name of new Set(node.inputs)) {
      const bytes = alive.get(name);
      if (bytes !== undefined && lastUse.get(name) === i && !outputs.has(name)) {
        alive.delete(name);
        live -= bytes;
      }
    }
    // A value no node reads (and no output names) is freed at once.
    for (const name of node.outputs) {
      if (!lastUse.has(name) && !outputs.has(name) && alive.has(name)) {
        live -= alive.get(name)!;
        alive.delete(name);
      }
    }
  });
  const initializerBytes = [...g.initializers.values()].reduce((a, t) => a + t.raw.byteLength, 0);
  return {
    initializerBytes,
    inputBytes: g.inputs.reduce((a, v) => a + valueBytes(v), 0),
    outputBytes: g.outputs.reduce((a, v) => a + valueBytes(v), 0),
    peakBytes: peak,
    largestLive,
  };
}
