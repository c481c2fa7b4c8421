// The whole Self-Contrast data step in one call, for scripts and tests that run
// outside the app (the app runs the same stages through its workers and panels):
// sample N responses per prompt, embed targets and samples, filter to M negatives.
import { generate, type LmStepper } from '../sample/generate';
import type { SamplingParams } from '../sample/logits';
import type { PromptCodec, PromptInput } from '../model/codec';
import { preferenceRecords, type PreferenceRecord } from '../data/export';
import { buildTable, rankCandidates, selectNegatives, type FilterRule, type FilterSettings, type Ranking, type SimilarityTable } from './filter';
import { embedAndScore, type EmbedTexts } from './similarity';

export interface SelfContrastOptions {
  samplesPerPrompt: number;
  sampling: SamplingParams;
  maxNewTokens: number;
  seed: number;
}

export type { EmbedTexts };

export interface SelfContrastData {
  /** Every sample's text per prompt, for inspection and verifier statistics. */
  samples: string[][];
  /** Cosine similarity of every sample to its prompt's target, flat in prompt order. */
  similarity: Float32Array;
  /**
   * The table over each prompt's first `samplesPerPrompt` samples (all by default): the paper
   * draws 32 for M ≤ 8 and 64 for M = 16, and a prefix of 64 i.i.d. draws is such a draw of 32.
   */
  table(samplesPerPrompt?: number): { table: SimilarityTable; rankings: Record<FilterRule, Ranking> };
  /** Preference records for one filter setting (a%, M, seed): sampling and embedding are done once. */
  select(filter: FilterSettings, samplesPerPrompt?: number): PreferenceRecord[];
}

export async function selfContrastData(
  stepper: LmStepper, codec: PromptCodec, embed: EmbedTexts, rows: readonly { prompt: string; target: string }[], o: SelfContrastOptions,
): Promise<SelfContrastData> {
  const generated = await generate(stepper, rows.map((r) => codec.encodePrompt(r.prompt)), {
    samplesPerPrompt: o.samplesPerPrompt, maxNewTokens: o.maxNewTokens, sampling: o.sampling, seed: o.seed,
    eosTokenIds: codec.eosTokenIds, padTokenId: codec.padTokenId, maxBatchRows: 128,
  });
  const samples: string[][] = rows.map(() => []);
  for (const s of generated) samples[s.promptIndex][s.sampleIndex] = codec.decode(s.tokens);
  const similarity = await embedAndScore(rows.map((r, i) => ({ prompt: r.prompt, target: r.target, samples: samples[i] })), embed);
  return scoredSamples(rows, samples, similarity);
}

/** The data step from samples already drawn and scored (R per prompt, `similarity` flat in prompt order): what a cache restores. */
export function scoredSamples(rows: readonly { prompt: PromptInput; target: string }[], samples: string[][], similarity: Float32Array): SelfContrastData {
  const R = samples[0]?.length ?? 0;
  const exportRows = rows.map((r, i) => ({ prompt: r.prompt, target: r.target, samples: samples[i] }));
  const tables = new Map<number, { rows: typeof exportRows; table: SimilarityTable; rankings: Record<FilterRule, Ranking> }>();
  const prefix = (r = R) => {
    let t = tables.get(r);
    if (!t) {
      const sub = exportRows.map((row) => ({ ...row, samples: row.samples.slice(0, r) }));
      const sims = Float32Array.from(exportRows.flatMap((row, i) => Array.from(similarity.subarray(i * R, i * R + Math.min(r, row.samples.length)))));
      const table = buildTable(sub, sims);
      t = { rows: sub, table, rankings: { reference: rankCandidates(table, 'reference'), distinct: rankCandidates(table, 'distinct') } };
      tables.set(r, t);
    }
    return t;
  };
  return {
    samples,
    similarity,
    table: (r) => prefix(r),
    select: (filter, r) => {
      const t = prefix(r);
      return preferenceRecords(t.rows, t.table, selectNegatives(t.table, t.rankings[filter.rule], filter));
    },
  };
}
