// A pool with known verdicts for the grid's tests: no model, only the shape of one.
import { scoredSamples } from '../contrast/pipeline';
import { createRng } from '../random';
import { poolSampling, type PoolSampling } from './grid';

/** A pool of P prompts × R samples: sample j of prompt p says "p:v" for v = j % distinct, right when v < right. */
export function syntheticPool(P: number, R: number, distinct: (p: number) => number, right: (p: number) => number): PoolSampling {
  const rng = createRng(4);
  const rows = Array.from({ length: P }, (_, p) => ({ prompt: `prompt ${p}`, target: `${p}:target` }));
  const samples = rows.map((_, p) => Array.from({ length: R }, (_, j) => `${p}:${j % distinct(p)}`));
  // Right samples lie near the target, wrong ones far, with noise; equal texts get equal similarity.
  const sim = new Map<string, number>();
  const similarity = Float32Array.from(samples.flatMap((texts, p) => texts.map((t) => {
    if (!sim.has(t)) sim.set(t, (Number(t.split(':')[1]) < right(p) ? 0.8 : 0.3) + 0.1 * rng());
    return sim.get(t)!;
  })));
  return poolSampling(rows, scoredSamples(rows, samples, similarity), (p, j) => j % distinct(p) < right(p));
}

