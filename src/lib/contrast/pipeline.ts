// The whole Self-Contrast data step in one call, for scripts and tests that run
// outside the app (the app runs the same stages through its workers and panels):
// sample N responses per prompt, embed targets and samples, filter to M negatives.
import { generate, type LmStepper } from '../sample/generate';
import type { SamplingParams } from '../sample/logits';
import type { PromptCodec } from '../model/codec';
import { preferenceRecords, type PreferenceRecord } from '../data/export';
import { buildTable, rankCandidates, selectNegatives, type FilterSettings, type SimilarityTable } from './filter';
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
  table: SimilarityTable;
  /** Preference records for one filter setting (a%, M, seed): sampling and embedding are done once. */
  select(filter: FilterSettings): PreferenceRecord[];
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
  const exportRows = rows.map((r, i) => ({ prompt: r.prompt, target: r.target, samples: samples[i] }));
  const table = buildTable(exportRows, await embedAndScore(exportRows, embed));
  const rankings = { reference: rankCandidates(table, 'reference'), distinct: rankCandidates(table, 'distinct') };
  return { samples, table, select: (filter) => preferenceRecords(exportRows, table, selectNegatives(table, rankings[filter.rule], filter)) };
}
