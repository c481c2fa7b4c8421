// The sampling benchmark's shared setup: R copies of one prompt, a fixed number
// of new tokens for every row (no early EOS), ours vs transformers.js generate().
import { generate, type LmStepper } from './generate';

/** Tokens per second of each round, ours and transformers.js side by side. */
export interface SamplerRounds {
  ours: number[];
  transformers: number[];
}

export interface ThroughputSetup {
  promptIds: number[];
  samplesPerPrompt: number;
  newTokens: number;
  seed: number;
}

/** Tokens per second of our batched sampler (temperature 1, top-p 1, no EOS stop). */
export async function ourTokensPerSecond(stepper: LmStepper, s: ThroughputSetup, padTokenId: number): Promise<number> {
  const t0 = performance.now();
  const samples = await generate(stepper, [s.promptIds], {
    samplesPerPrompt: s.samplesPerPrompt, maxNewTokens: s.newTokens, sampling: { temperature: 1, topP: 1, topK: 0 },
    seed: s.seed, eosTokenIds: [], padTokenId, maxBatchRows: s.samplesPerPrompt,
  });
  const tokens = samples.reduce((a, x) => a + x.tokens.length, 0);
  return tokens / ((performance.now() - t0) / 1000);
}

/** The same generation through transformers.js: model.generate() with sampling and min = max new tokens. */
export async function transformersTokensPerSecond(
  model: { generate: (opts: Record<string, unknown>) => Promise<unknown> },
  TensorCtor: new (type: 'int64', data: BigInt64Array, dims: number[]) => unknown,
  s: ThroughputSetup,
): Promise<number> {
  const R = s.samplesPerPrompt;
  const T = s.promptIds.length;
  const ids = new BigInt64Array(R * T);
  for (let r = 0; r < R; r++) s.promptIds.forEach((t, i) => (ids[r * T + i] = BigInt(t)));
  const t0 = performance.now();
  await model.generate({
    input_ids: new TensorCtor('int64', ids, [R, T]),
    attention_mask: new TensorCtor('int64', new BigInt64Array(R * T).fill(1n), [R, T]),
    do_sample: true, temperature: 1, top_p: 1, top_k: 0,
    max_new_tokens: s.newTokens, min_new_tokens: s.newTokens,
  });
  return (R * s.newTokens) / ((performance.now() - t0) / 1000);
}

/**
 * Warm-up rounds, then measured rounds, each running ours and then theirs on
 * the same setup: both see the same machine state, and wasm code that tiers up
 * over the first runs is warm for both before anything is measured.
 */
export async function samplerRounds(
  ours: () => Promise<number>,
  theirs: () => Promise<number>,
  warmups: number,
  rounds: number,
): Promise<{ warmup: SamplerRounds; measured: SamplerRounds }> {
  const run = async (n: number): Promise<SamplerRounds> => {
    const r: SamplerRounds = { ours: [], transformers: [] };
    for (let i = 0; i < n; i++) {
      r.ours.push(await ours());
      r.transformers.push(await theirs());
    }
    return r;
  };
  const warmup = await run(warmups);
  return { warmup, measured: await run(rounds) };
}
