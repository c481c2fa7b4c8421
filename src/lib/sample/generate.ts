// Batched generation: R samples for each prompt, many prompts per batch, with
// a KV cache behind the LmStepper interface. Each prompt is prefilled once and
// its cache rows are then repeated R times; finished rows are dropped from the
// batch. Each sample draws from its own RNG stream (seed, prompt, sample), so
// results do not depend on batching.
import { createRng, type Rng } from '../random';
import { sampleToken, type SamplingParams } from './logits';

/** One forward step over a batch, the KV cache kept by the implementation. */
export interface LmStepper {
  /** Drops any cache: the next step is a prefill. */
  reset(): void;
  /**
   * Feeds `newLen` tokens per row ([batch, newLen] ids and positions) with the
   * full attention mask [batch, totalLen]; returns last-position logits [batch, V].
   */
  step(ids: BigInt64Array, positions: BigInt64Array, mask: BigInt64Array, batch: number, newLen: number, totalLen: number): Promise<Float32Array>;
  /** Rebuilds the cache batch from these rows of the current one (repeats and drops allowed). */
  selectRows(rows: readonly number[]): Promise<void>;
  readonly vocabSize: number;
}

export interface GenerateOptions {
  samplesPerPrompt: number;
  maxNewTokens: number;
  sampling: SamplingParams;
  seed: number;
  eosTokenIds: number[];
  /** Fed as left padding. */
  padTokenId: number;
  /** Each prompt's index in the caller's list, for its RNG streams (default: its position here): chunked requests then draw what one request would. */
  promptIndices?: readonly number[];
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
  /** Generated tokens, without the EOS token when finish is 'eos'. */
  tokens: number[];
  /** The decoded continuation (with stop strings), or null without a decoder. */
  text: string | null;
  /** Σ log p(token) under the model's own distribution (temperature 1, no truncation), EOS included. */
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
  /** Left padding of this row's prompt within the batch. */
  padLeft: number;
  tokens: number[];
  logprob: number;
  finish: FinishReason | null;
  text: string | null;
}

/** Drop finished rows once they are at least this share of the batch (a cache gather is not free). */
const COMPACT_SHARE = 0.25;

export async function generate(stepper: LmStepper, prompts: readonly number[][], opts: GenerateOptions): Promise<Sample[]> {
  const R = opts.samplesPerPrompt;
  const maxRows = Math.max(R, opts.maxBatchRows ?? 64);
  const promptsPerBatch = Math.max(1, Math.floor(maxRows / R));
  const eos = new Set(opts.eosTokenIds);
  const samples: Sample[] = [];
  let tokensGenerated = 0;

  for (let first = 0; first < prompts.length; first += promptsPerBatch) {
    const group = prompts.slice(first, first + promptsPerBatch);
    const width = Math.max(...group.map((p) => p.length));
    if (group.some((p) => p.length === 0)) throw new Error('generate: a prompt has no tokens');

    // Prefill each prompt once, left-padded to one width.
    const P = group.length;
    const ids = new BigInt64Array(P * width).fill(BigInt(opts.padTokenId));
    const positions = new BigInt64Array(P * width);
    const mask = new BigInt64Array(P * width);
    group.forEach((prompt, p) => {
      const pad = width - prompt.length;
      prompt.forEach((tok, i) => {
        ids[p * width + pad + i] = BigInt(tok);
        positions[p * width + pad + i] = BigInt(i);
        mask[p * width + pad + i] = 1n;
      });
    });
    stepper.reset();
    const prefillLogits = await stepper.step(ids, positions, mask, P, width, width);
    const V = stepper.vocabSize;

    // R rows per prompt share its prefill: repeat the cache rows.
    let rows: Row[] = group.flatMap((prompt, p) =>
      Array.from({ length: R }, (_, s) => ({
        promptIndex: first + p, sampleIndex: s, rng: sampleRng(opts.seed, opts.promptIndices?.[first + p] ?? first + p, s),
        promptLen: prompt.length, padLeft: width - prompt.length, tokens: [], logprob: 0, finish: null, text: null,
      })),
    );
    const all = rows;
    if (R > 1) await stepper.selectRows(rows.map((r) => r.promptIndex - first));
    let logits: Float32Array = new Float32Array(rows.length * V);
    rows.forEach((r, b) => logits.set(prefillLogits.subarray((r.promptIndex - first) * V, (r.promptIndex - first + 1) * V), b * V));
    let total = width;

    for (let step = 0; step < opts.maxNewTokens; step++) {
      const next = new BigInt64Array(rows.length);
      rows.forEach((row, b) => {
        if (row.finish) {
          next[b] = BigInt(opts.padTokenId); // kept until the next compaction; its output is ignored
          return;
        }
        const logitRow = logits.subarray(b * V, (b + 1) * V);
        const { token, logprob } = sampleToken(logitRow, opts.sampling, row.rng);
        row.logprob += logprob;
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

      let fed = next;
      if (rows.length - active >= COMPACT_SHARE * rows.length) {
        const keep = rows.flatMap((r, b) => (r.finish ? [] : [b]));
        await stepper.selectRows(keep);
        fed = BigInt64Array.from(keep, (b) => next[b]);
        rows = keep.map((b) => rows[b]);
      }

      // Decode: one new token per row; the mask covers the prompt (minus its padding) and all tokens since.
      total += 1;
      const B = rows.length;
      const stepMask = new BigInt64Array(B * total);
      rows.forEach((row, b) => stepMask.fill(1n, b * total + row.padLeft, (b + 1) * total));
      const stepPositions = BigInt64Array.from(rows, (row) => BigInt(row.promptLen + row.tokens.length - 1));
      logits = await stepper.step(fed, stepPositions, stepMask, B, 1, total);
    }

    for (const row of all) {
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
