import type { StateCreator } from 'zustand';
import type { ImportFormat, ImportSummary, SftRow } from '../lib/data/import';
import { buildTable, medianCutoff, rankCandidates, selectNegatives, similarityHistogram, type FilterResult, type Histogram, type Ranking, type SimilarityTable } from '../lib/contrast/filter';
import { embedAndScore } from '../lib/contrast/similarity';
import { isWebGpuLoss } from '../lib/backend-choice';
import { pace, type Pace } from '../lib/pace';
import type { ExportRow } from '../lib/data/export';
import { DEFAULT_SETTINGS, filterSettingsOf, parseSettings, stopStrings, type LabSettings } from '../lib/settings';
import type { Backend, SampleProgress } from '../protocol';
import { embedClient, importClient, lmClient, restartWorker } from './workers';
import { builtinPoolFile } from '../lib/task/served';
import type { ModelSlice } from './model-slice';

export interface Scored {
  table: SimilarityTable;
  ranking: Ranking;
  /** Rows that have samples, in table order (indices into data.rows). */
  rowIndex: number[];
}

export interface DataSlice {
  settings: LabSettings;
  data: {
    status: 'empty' | 'importing' | 'ready';
    fileName: string | null;
    importedLines: number;
    importedBytes: { bytes: number; total: number } | null;
    importError: string | null;
    summary: ImportSummary | null;
    rows: SftRow[];
    /** Samples per row (imported `outputs` or sampled here). */
    samples: (string[] | null)[];
    /** `failedOn`: the backend a failed run was on (WebGPU failures offer to continue on WASM). */
    sampling: { running: boolean; progress: (SampleProgress & Pace) | null; error: string | null; failedOn: Backend | null; current: number[] };
    scoring: { running: boolean; error: string | null; failedOn: Backend | null; progress: ({ done: number; total: number } & Pace) | null };
    scored: Scored | null;
    filter: FilterResult | null;
    histogram: Histogram | null;
    /** Median over prompts of the similarity where the a% pool ends. */
    cutoff: number | null;
    /** Prompt tokens (chat template included) under the loaded model, and its context. */
    promptLengths: { lengths: number[]; contextLength: number } | null;
    /** Prompts that did not fit the context when sampled: skipped, or their start dropped. */
    longPrompts: { skipped: number; truncated: number };
  };
  /** Applies the valid part of the patch (each value through the settings table's parse); returns the invalid ones, named. */
  setSettings: (patch: Partial<LabSettings>) => string[];
  importFile: (file: File, format?: ImportFormat) => Promise<void>;
  /** The built-in task's Self-Contrast pool split, imported as a dropped file would be. */
  loadBuiltinTask: () => Promise<void>;
  sampleDataset: (backend: Backend, limit?: number) => Promise<void>;
  cancelDatasetSampling: () => void;
  /** After WebGPU failed mid-run: a fresh worker with the same model, then the rest of the work on WASM. */
  continueOnWasm: (stage: 'sample' | 'embed') => Promise<void>;
  scoreSamples: (backend: Backend) => Promise<void>;
  /** Stops embedding at the next batch; what was embedded stays cached. */
  cancelScoring: () => void;
  /** Re-selects negatives for the current settings (after a reload restores the scores). */
  refreshFilter: () => void;
  /** Measures every prompt in tokens under the loaded model (after an import or a model change). */
  checkPromptLengths: () => Promise<void>;
  /** Forgets the dataset, its samples and scores (the persisted session too). */
  newSession: () => void;
}

/** The scored prompts with their targets and samples, in table order: what the filter and exports index. */
export function exportRowsOf(data: Pick<DataSlice['data'], 'rows' | 'samples' | 'scored'>): ExportRow[] {
  if (!data.scored) return [];
  return data.scored.rowIndex.map((i) => ({ prompt: data.rows[i].prompt, target: data.rows[i].target, samples: data.samples[i]! }));
}

let cancelSampling: (() => void) | null = null;
let cancelScoring: (() => void) | null = null;

/** A failed run's message; a WebGPU failure says what is kept, since WASM can carry on from there. */
function failureMessage(e: unknown, backend: Backend, kept: string): string {
  const message = e instanceof Error ? e.message : String(e);
  if (backend !== 'webgpu') return message;
  return `${isWebGpuLoss(message) ? 'The WebGPU device was lost' : 'WebGPU failed'} (${message}); ${kept}.`;
}

/** Prompts per sampling request: each is a cancellation point, and each finished one is kept. */
export const SAMPLING_CHUNK = 8;

export const createDataSlice: StateCreator<DataSlice & Pick<ModelSlice, 'reloadLm' | 'reloadEmbedder'>, [], [], DataSlice> = (set, get) => {
  /** Re-selects negatives for the current a%/M: milliseconds even for 20k prompts (bench/filter). */
  const refilter = () => {
    let { scored } = get().data;
    if (!scored) return;
    const s = filterSettingsOf(get().settings);
    if (scored.ranking.rule !== s.rule) scored = { ...scored, ranking: rankCandidates(scored.table, s.rule) };
    const { table, ranking } = scored;
    const filter = selectNegatives(table, ranking, s);
    set((st) => ({ data: { ...st.data, scored, filter, histogram: similarityHistogram(table, ranking, filter.inPool), cutoff: medianCutoff(table, ranking, filter.inPool) } }));
  };

  const emptyData: DataSlice['data'] = {
    status: 'empty', fileName: null, importedLines: 0, importedBytes: null, importError: null, summary: null, rows: [], samples: [],
    sampling: { running: false, progress: null, error: null, failedOn: null, current: [] }, scoring: { running: false, error: null, failedOn: null, progress: null },
    scored: null, filter: null, histogram: null, cutoff: null, promptLengths: null, longPrompts: { skipped: 0, truncated: 0 },
  };

  return {
    settings: DEFAULT_SETTINGS,
    data: emptyData,
    refreshFilter: refilter,
    newSession: () => set({ data: emptyData, settings: DEFAULT_SETTINGS }),
    setSettings: (patch) => {
      const { settings: valid, invalid } = parseSettings(patch);
      set((st) => ({ settings: { ...st.settings, ...valid } }));
      if ('filterRule' in valid || 'a' in valid || 'm' in valid || 'seed' in valid || 'shortPrompts' in valid) refilter();
      return invalid;
    },
    importFile: async (file, format) => {
      set((st) => ({ data: { ...st.data, status: 'importing', fileName: file.name, importedLines: 0, importedBytes: null, importError: null } }));
      try {
        const summary = await importClient().call('import-jsonl', { file, format: format ?? null }, (p) =>
          set((st) => ({ data: { ...st.data, importedLines: p.lines, importedBytes: { bytes: p.bytes, total: p.total } } })),
        ).promise;
        set((st) => ({
          data: {
            ...st.data, status: 'ready', summary, rows: summary.rows, samples: summary.rows.map((r) => r.samples ?? null),
            scored: null, filter: null, histogram: null, cutoff: null, promptLengths: null, longPrompts: { skipped: 0, truncated: 0 },
          },
        }));
      } catch (e) {
        // A failed import keeps what the session had.
        set((st) => ({ data: { ...st.data, status: st.data.rows.length ? 'ready' : 'empty', importError: e instanceof Error ? e.message : String(e) } }));
      }
    },
    loadBuiltinTask: async () => {
      try {
        await get().importFile(await builtinPoolFile(), 'prompt-completion');
      } catch (e) {
        set((st) => ({ data: { ...st.data, importError: e instanceof Error ? e.message : String(e) } }));
      }
    },
    sampleDataset: async (backend, limit) => {
      const { rows } = get().data;
      const s = get().settings;
      const todo = rows.map((_, i) => i).filter((i) => !get().data.samples[i]).slice(0, limit ?? rows.length);
      set((st) => ({ data: { ...st.data, sampling: { running: true, progress: null, error: null, failedOn: null, current: [] } } }));
      let done = 0;
      let tokens = 0;
      const startedAt = performance.now();
      const progress = (promptsDone: number, tokensGenerated: number) => {
        const byPrompts = pace(startedAt, performance.now(), promptsDone, todo.length);
        return { promptsDone, promptsTotal: todo.length, tokensGenerated, perSecond: pace(startedAt, performance.now(), tokensGenerated, 0).perSecond, secondsLeft: byPrompts.secondsLeft };
      };
      try {
        // Chunks of prompts: each chunk's samples are stored (and persisted) as it finishes,
        // so a reload or a cancel loses at most one chunk.
        for (let at = 0; at < todo.length; at += SAMPLING_CHUNK) {
          const chunk = todo.slice(at, at + SAMPLING_CHUNK);
          set((st) => ({ data: { ...st.data, sampling: { ...st.data.sampling, current: chunk } } }));
          const call = lmClient().call('sample', {
            prompts: chunk.map((i) => rows[i].prompt), samplesPerPrompt: s.samplesPerPrompt, temperature: s.temperature, topP: s.topP, topK: s.topK,
            maxNewTokens: s.maxNewTokens, seed: s.seed, backend, stop: stopStrings(s), longPrompts: s.longPrompts, promptIndices: chunk,
          }, (p) => set((st) => ({ data: { ...st.data, sampling: { ...st.data.sampling, progress: progress(done, tokens + p.tokensGenerated) } } })));
          // Prompts count once their samples are stored (the chunk ends): the bar and "N of M prompts have samples" agree.
          cancelSampling = call.cancel;
          const result = await call.promise;
          const samples = [...get().data.samples];
          const fresh = new Map<number, string[]>();
          for (const out of result.samples) {
            const row = chunk[out.promptIndex];
            fresh.set(row, [...(fresh.get(row) ?? []), out.text]);
            tokens += out.tokens.length;
          }
          for (const [row, texts] of fresh) samples[row] = texts;
          // A prompt too long for the context is done with no samples: it counts as sampled and is scored nowhere.
          for (const k of result.skipped) samples[chunk[k]] = [];
          if (result.skipped.length || result.truncated.length) {
            set((st) => ({ data: { ...st.data, longPrompts: { skipped: st.data.longPrompts.skipped + result.skipped.length, truncated: st.data.longPrompts.truncated + result.truncated.length } } }));
          }
          done += chunk.length;
          set((st) => ({ data: { ...st.data, samples, sampling: { ...st.data.sampling, progress: progress(done, tokens) } } }));
        }
        set((st) => ({ data: { ...st.data, sampling: { ...st.data.sampling, running: false, current: [] } } }));
      } catch (e) {
        const cancelled = e instanceof Error && e.name === 'CancelledError';
        const error = cancelled ? null : failureMessage(e, backend, `${done} of ${todo.length} prompts sampled before it are kept`);
        set((st) => ({ data: { ...st.data, sampling: { running: false, current: [], progress: st.data.sampling.progress, error, failedOn: cancelled ? null : backend } } }));
      } finally {
        cancelSampling = null;
      }
    },
    cancelDatasetSampling: () => cancelSampling?.(),
    checkPromptLengths: async () => {
      const { rows } = get().data;
      if (!rows.length) return;
      try {
        const promptLengths = await lmClient().call('prompt-lengths', { prompts: rows.map((r) => r.prompt) }).promise;
        set((st) => ({ data: { ...st.data, promptLengths } }));
      } catch {
        set((st) => ({ data: { ...st.data, promptLengths: null } })); // no model yet: measured after it loads
      }
    },
    continueOnWasm: async (stage) => {
      const lab = get();
      if (stage === 'sample') {
        lab.setSettings({ sampleBackend: 'wasm' });
        restartWorker('lm');
        if (await lab.reloadLm()) await get().sampleDataset('wasm');
      } else {
        lab.setSettings({ embedBackend: 'wasm' });
        restartWorker('embed');
        if (await lab.reloadEmbedder()) await get().scoreSamples('wasm');
      }
    },
    scoreSamples: async (backend) => {
      const { rows, samples } = get().data;
      const rowIndex = rows.map((_, i) => i).filter((i) => samples[i]?.length);
      const scoring = (patch: Partial<DataSlice['data']['scoring']>) => set((st) => ({ data: { ...st.data, scoring: { ...st.data.scoring, ...patch } } }));
      scoring({ running: true, error: null, failedOn: null, progress: null });
      try {
        const prompts = rowIndex.map((i) => ({ target: rows[i].target, samples: samples[i]! }));
        const embedder = embedClient();
        const table = buildTable(prompts, await embedAndScore(prompts, (texts) => {
          const startedAt = performance.now();
          const call = embedder.call('embed', { texts, backend }, (p) => scoring({ progress: { ...p, ...pace(startedAt, performance.now(), p.done, p.total) } }));
          cancelScoring = call.cancel;
          return call.promise;
        }));
        set((st) => ({ data: { ...st.data, scored: { table, ranking: rankCandidates(table, get().settings.filterRule), rowIndex } } }));
        scoring({ running: false, progress: null });
        refilter();
      } catch (e) {
        // Vectors already computed stay cached in the embedding worker; a retry embeds only the rest.
        const cancelled = e instanceof Error && e.name === 'CancelledError';
        scoring({ running: false, progress: null, error: cancelled ? null : failureMessage(e, backend, 'embeddings computed before it are kept'), failedOn: cancelled ? null : backend });
      } finally {
        cancelScoring = null;
      }
    },
    cancelScoring: () => cancelScoring?.(),
  };
};
