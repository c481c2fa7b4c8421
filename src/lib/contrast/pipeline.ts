// The whole Self-Contrast data step in one call, for scripts and tests that run
// outside the app (the app runs the same stages through its workers and panels):
// sample N responses per prompt, embed targets and samples, filter to M negatives.
import { generate, type LmStepper } from '../sample/generate';
import type { SamplingParams } from '../sample/logits';
import type { PromptCodec } from '../model/codec';
import { preferenceRecords, type PreferenceRecord } from '../data/export';
import { buildTable, rankCandidates, selectNegatives, type FilterSettings } from './filter';
import { cosineToTargets } from './similarity';

export interface SelfContrastOptions {
  samplesPerPrompt: number;
  sampling: SamplingParams;
  maxNewTokens: number;
  seed: number;
}

/** Unit vectors, row-major [texts, d]. */
export type EmbedTexts = (texts: string[]) => Promise<{ vectors: Float32Array; dimensions: number }>;

export interface SelfContrastData {
  /** Every sample's text per prompt, for inspection and verifier statistics. */
  samples: string[][];
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
  const owner = Int32Array.from(exportRows.flatMap((r, k) => r.samples.map(() => k)));
  const targets = await embed(rows.map((r) => r.target));
  const vectors = await embed(samples.flat());
  const table = buildTable(exportRows, cosineToTargets(targets.vectors, vectors.vectors, owner, targets.dimensions));
  const ranking = rankCandidates(table);
  return { samples, select: (filter) => preferenceRecords(exportRows, table, selectNegatives(table, ranking, filter)) };
}
