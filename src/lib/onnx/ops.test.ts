import { describe, expect, it } from 'vitest';
import { Graph } from './graph';
import { add, concat, gather, matmul, reduceSum, reshape, slice, END, unsqueeze } from './ops';

describe('build-time shape checks', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['B', 'T', 8]);
  const w = g.input('w', 'float32', [8, 4]);

  it('infers shapes through broadcasting, matmul, reshape and reductions', () => {
    expect(matmul(x, w).shape).toEqual(['B', 'T', 4]);
    expect(add(x, g.input('bias', 'float32', [8])).shape).toEqual(['B', 'T', 8]);
    expect(reshape(x, [0, 0, 2, 4]).shape).toEqual(['B', 'T', 2, 4]);
    expect(reshape(x, [-1, 8]).shape).toHaveLength(2);
    expect(reduceSum(x, [-1], true).shape).toEqual(['B', 'T', 1]);
    expect(unsqueeze(w, [0]).shape).toEqual([1, 8, 4]);
    expect(slice(w, [0], [2], [END]).shape).toEqual([6, 4]);
    expect(slice(w, [1], [-3], [END]).shape).toEqual([8, 3]);
    expect(concat([w, w], 1).shape).toEqual([8, 8]);
    expect(gather(w, g.input('ids', 'int64', ['B', 'T'])).shape).toEqual(['B', 'T', 4]);
  });

  it('names the op and the shapes when they do not fit', () => {
    expect(() => matmul(w, g.input('y', 'float32', [2, 5, 3]))).toThrow(/MatMul: inner dims 4 and 5 differ \(w\[8, 4\], y\[2, 5, 3\]\)/);
    expect(() => add(w, g.input('v', 'float32', [5]))).toThrow(/Add: dims 4 and 5 do not broadcast/);
    expect(() => reshape(w, [3, -1])).toThrow(/Reshape: cannot infer -1/);
    expect(() => g.input('x', 'float32', [1])).toThrow(/already used/);
  });
});
