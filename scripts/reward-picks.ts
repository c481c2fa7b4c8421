// A diagnosis for docs/experiments.md (P10): what the implicit reward of one trained Self-Contrast cell prefers among
// the SFT model's own samples. Trains the cell as compare:negatives does, then picks one of the k samples per
// evaluation prompt by several scores — the reward summed and per token, the likelihood under the SFT model and under
// the trained policy, the length — and prints each pick's verifier accuracy beside a random pick, and how the reward
// goes with length, with the SFT model's likelihood and with being right.
// Reads the samples a compare:negatives run with SELF_PAIRS cached (its log names both files):
//   POOL_CACHE=.cache/compare/pool-….json PAIRS_CACHE=.cache/compare/pool-….json npx tsx scripts/reward-picks.ts
//   LM=.cache/lm-plateau POOL_SPLIT=sft-train POOL=1000 SPLIT=validation EVAL=1000 LR=3e-5 M=8 SEED=1
import * as ort from 'onnxruntime-node';
import { scriptEnv, cachedPool, evaluationPrompts, probeSamples } from './cached-run';
import { cellData, summarize } from '../src/lib/experiments/grid';
import { cellDpoConfig, trainPolicy } from '../src/lib/experiments/cell-run';
import { rewardProbes } from '../src/lib/experiments/reward-probes';
import { DEFAULT_SETTINGS } from '../src/lib/settings';
import { verify } from '../src/lib/task/builtin';
import { cutPair } from '../src/lib/train/preference-data';
import { scoreSequences } from '../src/lib/train/held-out';
import { pickedAccuracy, pickHighest } from '../src/lib/train/reward-choice';
import { lmCodec } from '../src/lib/model/codec';

const env = scriptEnv('reward-picks');
const LR = Number(env('LR', '3e-5'));
const M = Number(env('M', '8'));
const SEED = Number(env('SEED', '1'));
const { lm, sampling } = await cachedPool(env);
const codec = lmCodec(lm);
const records = cellData({ method: 'self-contrast', m: M, a: 25, seed: SEED }, sampling).records;

const prompts = evaluationPrompts(env);
const samples = probeSamples(env);
const probes = rewardProbes(prompts, samples, (p, j) => verify(prompts[p], samples[p][j]) === true, SEED);

const config = cellDpoConfig({ ...DEFAULT_SETTINGS, lr: LR }, { method: 'self-contrast', m: M, seed: SEED }, [], lm.config.maxPositions);
const { weights: policy, steps } = await trainPolicy(ort, 'cpu', lm, records, config);

const rows = probes.candidates.flatMap((c) => {
  const prompt = codec.encodePrompt(c.prompt);
  return c.responses.map((r) => cutPair(prompt, codec.encodeResponse(r), config.max_length));
});
const pol = await scoreSequences(ort, 'cpu', lm, policy, rows, config.rows_per_pass);
const ref = await scoreSequences(ort, 'cpu', lm, lm.weights, rows, config.rows_per_pass);
const k = samples[0].length;
const reward = Array.from(pol.sum, (v, i) => v - ref.sum[i]);
const tokens = Array.from(pol.count);
const right = probes.correct.flat();
const perPrompt = (score: (i: number) => number) => prompts.map((_, p) => Array.from({ length: k }, (_, j) => score(p * k + j)));
const pick = (score: (i: number) => number) => {
  const picks = pickHighest(perPrompt(score));
  return `${(100 * pickedAccuracy(picks, probes.correct)).toFixed(1)}% (mean length ${summarize(picks.map((j, p) => tokens[p * k + j])).mean.toFixed(1)} tokens)`;
};
const corr = (a: number[], b: number[]) => {
  const ma = summarize(a).mean;
  const mb = summarize(b).mean;
  let ab = 0, aa = 0, bb = 0;
  a.forEach((x, i) => { ab += (x - ma) * (b[i] - mb); aa += (x - ma) ** 2; bb += (b[i] - mb) ** 2; });
  return (ab / Math.sqrt(aa * bb)).toFixed(3);
};
const meanWhere = (xs: number[], keep: boolean) => summarize(xs.filter((_, i) => right[i] === keep)).mean;
console.log(`Self-Contrast M = ${M}, a = 25%, lr ${LR}, seed ${SEED}: ${steps} steps on ${records.length} prompts; ${prompts.length} evaluation prompts × ${k} SFT samples`);
console.log(`random pick ${(100 * summarize(right.map(Number)).mean).toFixed(1)}%; samples' mean length: right ${meanWhere(tokens, true).toFixed(1)}, wrong ${meanWhere(tokens, false).toFixed(1)} tokens`);
console.log(`pick by the implicit reward, summed: ${pick((i) => reward[i])}; per token: ${pick((i) => reward[i] / tokens[i])}`);
console.log(`pick by the SFT model's likelihood, summed: ${pick((i) => ref.sum[i])}; per token: ${pick((i) => ref.sum[i] / tokens[i])}`);
console.log(`pick by the trained policy's likelihood, summed: ${pick((i) => pol.sum[i])}; per token: ${pick((i) => pol.sum[i] / tokens[i])}`);
console.log(`pick the shortest: ${pick((i) => -tokens[i])}; the longest: ${pick((i) => tokens[i])}`);
console.log(`reward (log π − log π_ref): mean on right samples ${meanWhere(reward, true).toFixed(3)}, on wrong ${meanWhere(reward, false).toFixed(3)}; `
  + `correlation with being right ${corr(reward, right.map(Number))}, with the SFT model's log-likelihood ${corr(reward, Array.from(ref.sum))}, with length ${corr(reward, tokens)}`);
