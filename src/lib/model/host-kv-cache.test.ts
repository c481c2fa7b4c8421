import { describe, expect, it } from 'vitest';
import { HostKvCache } from './host-kv-cache';

// One tensor, 1 head, head dim 2: a position's entry is [row·100 + pos, -(row·100 + pos)].
const entry = (row: number, pos: number) => [row * 100 + pos, -(row * 100 + pos)];
const fresh = (rows: number, from: number, count: number) =>
  [Float32Array.from(Array.from({ length: rows }, (_, r) => Array.from({ length: count }, (_, i) => entry(r, from + i))).flat(2))];

/** [row][position] entries of the fed array, over the filled positions. */
function held(cache: HostKvCache): number[][][] {
  const { data, dims: [B, , cap, D] } = cache.pastFeeds();
  return Array.from({ length: B }, (_, b) => Array.from({ length: cache.length }, (_, p) => Array.from(data[0].subarray((b * cap + p) * D, (b * cap + p + 1) * D))));
}

describe('HostKvCache', () => {
  it('appends a prefill and single steps, growing in steps of growBy and keeping what it held', () => {
    const cache = new HostKvCache(1, 1, 2, 4);
    expect(cache.pastFeeds().dims).toEqual([0, 1, 0, 2]);
    cache.append(fresh(2, 0, 3), 2, 3);
    expect(cache.pastFeeds().dims).toEqual([2, 1, 4, 2]);
    for (let p = 3; p < 6; p++) cache.append(fresh(2, p, 1), 2, 1);
    expect(cache.pastFeeds().dims).toEqual([2, 1, 8, 2]);
    expect(held(cache)).toEqual([0, 1].map((r) => Array.from({ length: 6 }, (_, p) => entry(r, p))));
  });

  it('widens the mask to the capacity with zeros at unfilled slots, the new positions last', () => {
    const cache = new HostKvCache(1, 1, 2, 4);
    cache.append(fresh(2, 0, 2), 2, 2); // 2 filled, capacity 4
    const mask = BigInt64Array.from([0, 1, 1, 1, 1, 1].map(BigInt)); // [2 rows, 2 held + 1 new]
    expect(Array.from(cache.widenMask(mask, 2, 1), Number)).toEqual([0, 1, 0, 0, 1, 1, 1, 0, 0, 1]);
    expect(() => cache.widenMask(mask.subarray(0, 4), 2, 1)).toThrow('expected 2 × 3');
  });

  it('selects rows (repeats and drops) with their whole history', () => {
    const cache = new HostKvCache(1, 1, 2, 4);
    cache.append(fresh(3, 0, 2), 3, 2);
    cache.selectRows([2, 2, 0]);
    cache.append(fresh(3, 2, 1), 3, 1); // new rows 0..2 get entries of rows 0..2 at position 2
    expect(held(cache)).toEqual([
      [entry(2, 0), entry(2, 1), entry(0, 2)],
      [entry(2, 0), entry(2, 1), entry(1, 2)],
      [entry(0, 0), entry(0, 1), entry(2, 2)],
    ]);
    expect(() => cache.selectRows([3])).toThrow('row 3 is outside the batch of 3');
    expect(() => cache.append(fresh(2, 3, 1), 2, 1)).toThrow('a step of 2 rows on a cache of 3');
  });

  it('reset empties it', () => {
    const cache = new HostKvCache(1, 1, 2, 4);
    cache.append(fresh(1, 0, 3), 1, 3);
    cache.reset();
    expect(cache.length).toBe(0);
    expect(cache.pastFeeds().dims).toEqual([0, 1, 0, 2]);
  });
});
