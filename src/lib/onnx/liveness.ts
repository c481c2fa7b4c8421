// Memory a graph holds while it runs, from the graph itself: every value's
// bytes from its shape, and a liveness pass over the nodes in order (an
// intermediate lives from the node that makes it to the last node that reads
// it; graph outputs live to the end). ORT schedules and reuses buffers in its
// own way, so this is the plan's size, not ORT's arena to the byte.
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

export function graphMemory(g: Graph): GraphMemory {
  const sizeOf = (name: string) => valueBytes(g.values.get(name)!);
  const lastUse = new Map<string, number>();
  g.nodes.forEach((node, i) => node.inputs.forEach((name) => name && lastUse.set(name, i)));
  const outputs = new Set(g.outputs.map((v) => v.name));
  let live = 0;
  let peak = 0;
  let largestLive = { name: '', bytes: 0 };
  const alive = new Map<string, number>();
  g.nodes.forEach((node, i) => {
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
