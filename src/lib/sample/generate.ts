// Batched generation: R samples for each prompt, many prompts per batch, with
// a KV cache behind the LmStepper interface. Each sample draws from its own
// RNG stream (seed, prompt, sample), so results do not depend on batching.
import { createRng, type Rng } from '../random';
import { logProbOf, sampleToken, type SamplingParams } from './logits';

/** One forward step over a batch, the KV cache kept by the implementation. */
export interface LmStepper {
  /** Drops any cache: the next step is a prefill. */
  reset(): void;
  /**
   * Feeds `newLen` tokens per row ([batch, newLen] ids and positions) with the
   * full attention mask [batch, totalLen]; returns last-position logits [batch, V].
   */
  step(ids: BigInt64Array, positions: BigInt64Array, mask: BigInt64Array, batch: number, newLen: number, totalLen: number): Promise<Float32Array>;
  readonly vocabSize: number;
}

export interface GenerateOptions {
  samplesPerPrompt: number;
  maxNewTokens: number;
  sampling: SamplingParams;
  seed: number;
  eosTokenIds: number[];
  /** Fed to finished rows and to left padding. */
  padTokenId: number;
  /** Most rows in one batch (prompts are grouped so all R samples of a prompt share it). */
  maxBatchRows?: number;
  /** Stop strings, checked on the decoded continuation; the stop string is cut off. */
  stop?: { strings: string[]; decode: (ids: number[]) => string };
  /** Called after each step; throwing from it cancels the run. */
  onProgress?: (p: GenerateProgress) => void;
}

export interface GenerateProgress {
  promptsDone: number;
  promptsTotal: number;
  tokensGenerated: number;
  /** Rows still generating in the current batch. */
  activeRows: number;
}

export type FinishReason = 'eos' | 'stop' | 'length';

export interface Sample {
  promptIndex: number;
  sampleIndex: number;
  tokens: number[];
  /** The decoded continuation (with stop strings), or null without a decoder. */
  text: string | null;
  /** Σ log p(token) under the model's own distribution (temperature 1, no truncation). */
  logprob: number;
  finish: FinishReason;
}

/** A stream per (seed, prompt, sample): FNV-style mixing keeps nearby seeds apart. */
export function sampleRng(seed: number, promptIndex: number, sampleIndex: number): Rng {
  let h = 2166136261 ^ seed;
  for (const v of [promptIndex, sampleIndex]) {
    h = Math.imul(h ^ v, 16777619);
    h ^= h >>> 13;
  }
  return createRng(h >>> 0);
}

interface Row {
  promptIndex: number;
  sampleIndex: number;
  rng: Rng;
  promptLen: number;
  tokens: number[];
  logprob: number;
  finish: FinishReason | null;
  text: string | null;
}

export async function generate(stepper: LmStepper, prompts: readonly number[][], opts: GenerateOptions): Promise<Sample[]> {
  const R = opts.samplesPerPrompt;
  const maxRows = Math.max(R, opts.maxBatchRows ?? 64);
  const promptsPerBatch = Math.max(1, Math.floor(maxRows / R));
  const eos = new Set(opts.eosTokenIds);
  const samples: Sample[] = [];
  let tokensGenerated = 0;

  for (let first = 0; first < prompts.length; first += promptsPerBatch) {
    const group = prompts.slice(first, first + promptsPerBatch);
    const rows: Row[] = group.flatMap((p, gi) =>
      Array.from({ length: R }, (_, s) => ({
        promptIndex: first + gi, sampleIndex: s, rng: sampleRng(opts.seed, first + gi, s),
        promptLen: p.length, tokens: [], logprob: 0, finish: null, text: null,
      })),
    );
    const B = rows.length;
    const width = Math.max(...group.map((p) => p.length));
    if (width === 0) throw new Error('generate: a prompt has no tokens');

    // Prefill: prompts left-padded to one width.
    let ids = new BigInt64Array(B * width);
    let positions = new BigInt64Array(B * width);
    let mask = new BigInt64Array(B * width);
    rows.forEach((row, b) => {
      const prompt = group[row.promptIndex - first];
      const pad = width - prompt.length;
      for (let t = 0; t < width; t++) {
        const real = t >= pad;
        ids[b * width + t] = BigInt(real ? prompt[t - pad] : opts.padTokenId);
        positions[b * width + t] = BigInt(real ? t - pad : 0);
        mask[b * width + t] = real ? 1n : 0n;
      }
    });
    stepper.reset();
    let logits = await stepper.step(ids, positions, mask, B, width, width);
    let total = width;

    for (let step = 0; step < opts.maxNewTokens; step++) {
      const V = stepper.vocabSize;
      const next = new BigInt64Array(B);
      rows.forEach((row, b) => {
        if (row.finish) {
          next[b] = BigInt(opts.padTokenId);
          return;
        }
        const logitRow = logits.subarray(b * V, (b + 1) * V);
        const token = sampleToken(logitRow, opts.sampling, row.rng);
        row.logprob += logProbOf(logitRow, token);
        next[b] = BigInt(token);
        tokensGenerated++;
        if (eos.has(token)) {
          row.finish = 'eos';
          return;
        }
        row.tokens.push(token);
        if (opts.stop && opts.stop.strings.length) {
          const text = opts.stop.decode(row.tokens);
          const at = Math.min(...opts.stop.strings.map((s) => text.indexOf(s)).filter((i) => i >= 0));
          if (Number.isFinite(at)) {
            row.finish = 'stop';
            row.text = text.slice(0, at);
          }
        }
        if (!row.finish && row.tokens.length >= opts.maxNewTokens) row.finish = 'length';
      });
      const active = rows.filter((r) => !r.finish).length;
      opts.onProgress?.({ promptsDone: first, promptsTotal: prompts.length, tokensGenerated, activeRows: active });
      if (active === 0) break;

      // Decode: one new token per row; the mask grows by one real column.
      const grown = new BigInt64Array(B * (total + 1));
      for (let b = 0; b < B; b++) {
        grown.set(mask.subarray(b * total, (b + 1) * total), b * (total + 1));
        grown[b * (total + 1) + total] = 1n;
      }
      mask = grown;
      total += 1;
      ids = next;
      positions = BigInt64Array.from(rows, (row) => BigInt(row.promptLen + row.tokens.length - 1));
      logits = await stepper.step(ids, positions, mask, B, 1, total);
    }

    for (const row of rows) {
      samples.push({
        promptIndex: row.promptIndex,
        sampleIndex: row.sampleIndex,
        tokens: row.tokens,
        text: row.text ?? (opts.stop ? opts.stop.decode(row.tokens) : null),
        logprob: row.logprob,
        finish: row.finish ?? 'length',
      });
    }
    opts.onProgress?.({ promptsDone: Math.min(first + group.length, prompts.length), promptsTotal: prompts.length, tokensGenerated, activeRows: 0 });
  }
  return samples;
}
