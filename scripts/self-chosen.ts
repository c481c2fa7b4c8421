// A diagnosis for docs/experiments.md (P15): Self-Contrast with the chosen response taken from the SFT model's own
// samples (the one most similar to the target; `cellData`'s `chosen: 'closest-sample'`) against the paper's (the SFT
// target as chosen) and the control, each trained as compare:negatives trains its cells; greedy verifier accuracy.
// Reads the pool samples a compare:negatives run cached (its log names the file):
//   POOL_CACHE=.cache/compare/pool-….json npx tsx scripts/self-chosen.ts
//   LM=.cache/lm-plateau POOL_SPLIT=sft-train POOL=1000 SPLIT=validation EVAL=1000 LRS=3e-5,1e-4 SEEDS=1,2
//   OUT=path writes every cell's accuracy to path.json as it comes, and mean ± sd per cell at the end.
import { writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { scriptEnv, cachedPool, evaluationPrompts } from './cached-run';
import { cellData, cellLabel, summarize, type Cell, type CellDataOptions } from '../src/lib/experiments/grid';
import { cellDpoConfig, trainPolicy, verifierAccuracy } from '../src/lib/experiments/cell-run';
import { DEFAULT_SETTINGS } from '../src/lib/settings';
import { verify } from '../src/lib/task/builtin';

const env = scriptEnv('self-chosen');
const LRS = env('LRS', '3e-5,1e-4').split(',').map(Number);
const SEEDS = env('SEEDS', '1,2').split(',').map(Number);
const { lm, rows: poolRows, sampling } = await cachedPool(env);
const evalPrompts = evaluationPrompts(env);

const sft = await verifierAccuracy(ort, 'cpu', lm, lm.weights, { evalPrompts, maxNewTokens: 96 });
console.log(`SFT: greedy ${(100 * sft.greedy).toFixed(1)}% on ${evalPrompts.length} prompts; pool ${poolRows.length} prompts`);
const cells: [Omit<Cell, 'seed'>, CellDataOptions, string][] = [
  [{ method: 'sft-targets', m: 1, a: 0 }, {}, ''],
  [{ method: 'self-contrast', m: 1, a: 25 }, {}, ''], [{ method: 'self-contrast', m: 8, a: 25 }, {}, ''],
  [{ method: 'self-contrast', m: 1, a: 25 }, { chosen: 'closest-sample' }, ', self-chosen'], [{ method: 'self-contrast', m: 8, a: 25 }, { chosen: 'closest-sample' }, ', self-chosen'],
];
const OUT = process.env.OUT;
const settings = Object.fromEntries(['LM', 'POOL_SPLIT', 'POOL', 'SPLIT', 'EVAL', 'LRS', 'SEEDS', 'POOL_CACHE'].map((k) => [k, process.env[k] ?? null]));
const results: { lr: number; seed: number; cell: string; greedy: number; steps: number; prompts: number; chosenRight: number }[] = [];
const persist = () => OUT && writeFileSync(`${OUT}.json`, JSON.stringify({ settings, sft: sft.greedy, cells: results }, null, 2) + '\n');
for (const lr of LRS) {
  for (const seed of SEEDS) {
    for (const [c, options, suffix] of cells) {
      const cell = { ...c, seed };
      const { records } = cellData(cell, sampling, options);
      const right = records.filter((r) => verify(r.prompt as string, r.chosen) === true).length;
      const { weights, steps } = await trainPolicy(ort, 'cpu', lm, records, cellDpoConfig({ ...DEFAULT_SETTINGS, lr }, cell, [], lm.config.maxPositions));
      const { greedy } = await verifierAccuracy(ort, 'cpu', lm, weights, { evalPrompts, maxNewTokens: 96 });
      results.push({ lr, seed, cell: cellLabel(cell) + suffix, greedy, steps, prompts: records.length, chosenRight: right / records.length });
      persist();
      console.log(`lr ${lr}, seed ${seed}, ${(cellLabel(cell) + suffix).padEnd(44)} greedy ${(100 * greedy).toFixed(1)}%  (${steps} steps on ${records.length} prompts; chosen right ${(100 * right / records.length).toFixed(1)}%)`);
    }
  }
}
for (const lr of LRS) {
  for (const label of [...new Set(results.map((r) => r.cell))]) {
    const accuracies = results.filter((r) => r.lr === lr && r.cell === label).map((r) => 100 * r.greedy);
    const { mean, sd } = summarize(accuracies);
    console.log(`lr ${lr}, ${label.padEnd(44)} ${mean.toFixed(2)} ± ${sd.toFixed(2)}  (${accuracies.map((a) => a.toFixed(2)).join(', ')})`);
  }
}
