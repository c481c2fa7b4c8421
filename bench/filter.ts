// Recompute time of the Self-Contrast filter when a% or M moves, for 20k
// prompts × 32 samples (the budget: under 100 ms), against ranking
// from scratch each time.
//   npm run bench:filter
import { buildTable, rankCandidates, selectNegatives, PAPER_FILTER } from '../src/lib/contrast/filter';
import { createRng } from '../src/lib/random';

const P = 20_000;
const R = 32;
const rng = createRng(1);
const prompts = Array.from({ length: P }, (_, p) => ({ target: `target ${p}`, samples: Array.from({ length: R }, (_, s) => `sample ${p}.${s % 30}`) })); // a few duplicates
const sims = Float32Array.from({ length: P * R }, () => rng() * 2 - 1);

const t0 = performance.now();
const table = buildTable(prompts, sims);
const t1 = performance.now();
const ranking = rankCandidates(table);
const t2 = performance.now();

const settings = [5, 10, 25, 50, 75, 100].flatMap((a) => [1, 8, 16].map((m) => ({ ...PAPER_FILTER, a, m })));
const recompute: number[] = [];
for (const s of settings) {
  const t = performance.now();
  selectNegatives(table, ranking, s);
  recompute.push(performance.now() - t);
}
const fromScratch: number[] = [];
for (const s of settings.slice(0, 5)) {
  const t = performance.now();
  selectNegatives(table, rankCandidates(table), s);
  fromScratch.push(performance.now() - t);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`filter, ${P} prompts × ${R} samples`);
console.log(`  build table (dedup by text, once)   ${(t1 - t0).toFixed(1)} ms`);
console.log(`  rank candidates (once)              ${(t2 - t1).toFixed(1)} ms`);
console.log(`  recompute on a%/M change (median of ${recompute.length})  ${median(recompute).toFixed(1)} ms  (max ${Math.max(...recompute).toFixed(1)} ms; budget 100 ms)`);
console.log(`  re-ranking every time instead       ${median(fromScratch).toFixed(1)} ms`);
