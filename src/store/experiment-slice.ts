import type { StateCreator } from 'zustand';
import type { Backend, ExperimentCellRequest, PromptInput, SampleRequest } from '../protocol';
import { pace } from '../lib/pace';
import type { PreferenceRecord } from '../lib/data/export';
import { PAPER_FILTER } from '../lib/contrast/filter';
import { stopStrings, type LabSettings } from '../lib/settings';
import { scoredSamples } from '../lib/contrast/pipeline';
import { embedAndScore } from '../lib/contrast/similarity';
import { cellKey, cellLabel, gridCells, gridSamples, poolSampling, type Cell, type PoolSampling } from '../lib/experiments/grid';
import { poolLabelling, runGrid, type CellOutcome } from '../lib/experiments/runner';
import { cellDpoConfig } from '../lib/experiments/cell-run';
import { gridSpecOf } from '../lib/experiments/page-grid';
import { probeBaselines, rewardProbes } from '../lib/experiments/reward-probes';
import type { CellResult } from '../lib/experiments/figures';
import { isBuiltinTask, singleTurnText, verify } from '../lib/task/builtin';
import { builtinTestPrompts } from '../lib/task/served';
import { stageDecision, type BackendSlice } from './backend-slice';
import type { ModelSlice } from './model-slice';
import { deleteValue, storedValue, storeValue } from './session-storage';
import { embedClient, lmClient } from './workers';
import { SAMPLING_CHUNK, type DataSlice } from './data-slice';

/** A grid as it ran: everything it uses is fixed when it starts, so a resume after a reload or a settings change runs the same grid. */
export interface GridRun {
  id: string;
  settings: LabSettings;
  cells: Cell[];
  results: CellResult[];
  /** When each finished cell finished (ms since the epoch), by cellKey: a resume leaves these as they are. */
  finishedAt: Record<string, number>;
  backends: Record<'sample' | 'embed' | 'train', Backend>;
  /**
   * The quality axis: greedy verifier accuracy on the built-in test prompts, or, on data without a verifier, reward
   * accuracy on held-out pairs (the `gridEvalPrompts` prompts after the pool: target vs one Self-Contrast negative).
   */
  metric: GridMetric;
  /** The verifier's labelling of the pool's first R samples (Fig. 6's reference); null until sampled or without a verifier. */
  labelling: { samples: number; wrong: number } | null;
  poolSeconds: number | null;
  /**
   * The implicit reward's probes (gridRewardSamples > 0, built-in task): test prompts sampled, how many give a
   * right/wrong pair, and what any pick among their samples is compared with. Absent or null: not probed.
   */
  probes?: { samples: number; prompts: number; pairs: number; randomPick: number; anyRight: number; seconds: number } | null;
  status: 'running' | 'paused' | 'done' | 'failed';
  error: string | null;
}

export type GridMetric = 'verifier' | 'reward';

export interface GridProgress {
  cellsDone: number;
  cellsTotal: number;
  current: string | null;
  stage: string;
  done: number;
  total: number;
  /** From the finished cells' own times; null before the first trained cell. */
  secondsLeft: number | null;
}

export interface GridRatesMeasured {
  samplingTokensPerSecond: number;
  embeddingTextsPerSecond: number;
  promptTokens: number;
  /** Mean tokens a sample generated. */
  responseTokens: number;
  /** What they were measured with: a change of these asks for a new measurement. */
  key: string;
}

/** What the rates depend on besides the machine. */
export const ratesKey = (s: LabSettings, backends: { sample: Backend; embed: Backend }) => `${s.maxNewTokens}|${gridSamples(gridSpecOf(s))}|${s.lm}|${s.embedder}|${backends.sample}|${backends.embed}`;

export interface ExperimentSlice {
  experiment: {
    run: GridRun | null;
    progress: GridProgress | null;
    restored: boolean;
    /** Why the grid could not start (no verifier, too few prompts). */
    startError: string | null;
    /** This machine's rates on the grid's own work (one sampling chunk, its embedding, one DPO step): the estimate's inputs. */
    rates: GridRatesMeasured | null;
    measuringRates: boolean;
  };
  /**
   * Measures what the estimate needs on the real path: one chunk of pool prompts sampled as the grid samples them,
   * its texts embedded, and one DPO step (the Train step's measurement).
   */
  measureGridRates: () => Promise<void>;
  /** Starts the grid the settings describe on the loaded built-in task (its pool prompts, the served test split). */
  startGrid: () => Promise<void>;
  /** Runs the cells the stored grid has not finished, with the grid's own settings. */
  resumeGrid: () => Promise<void>;
  /** Stops at the current cell; finished cells stay. */
  cancelGrid: () => void;
  clearGrid: () => Promise<void>;
  /** Brings back the grid stored in this browser (after a reload: paused where it stopped). */
  restoreGrid: () => Promise<void>;
}

const RUN_KEY = 'experiment';
const POOL_KEY = 'experiment-pool';
/**
 * How the grid samples a chunk of its prompts (starting at `at`): the paper's T = 1, every prompt's own RNG streams;
 * the pool R per prompt with the run's seed, unless told otherwise (the reward probes: another seed, so test prompt p
 * does not share pool prompt p's random streams).
 */
function gridSampleRequest(s: LabSettings, prompts: PromptInput[], at: number, backend: Backend, draw = { samplesPerPrompt: gridSamples(gridSpecOf(s)), seed: s.seed }): SampleRequest {
  return {
    prompts, samplesPerPrompt: draw.samplesPerPrompt, temperature: 1, topP: 1, topK: 0, maxNewTokens: s.maxNewTokens, seed: draw.seed,
    backend, stop: stopStrings(s), longPrompts: 'skip', promptIndices: prompts.map((_, k) => at + k),
  };
}

interface StoredPool {
  runId: string;
  samples: string[][];
  similarity: Float32Array;
  /** The reward probes' samples of the test prompts, once drawn, and their log-probs under the loaded model. */
  probeSamples?: string[][];
  probeReference?: number[][];
}

type Lab = ExperimentSlice & DataSlice & ModelSlice & BackendSlice;

let cancelCurrent: (() => void) | null = null;
let cancelled = false;

class GridCancelled extends Error {
  override name = 'CancelledError';
}

/** What a grid on the loaded data measures: the verifier where the data is the built-in task. */
export const gridMetricOf = (s: { data: Pick<Lab['data'], 'rows'> }): GridMetric => (isBuiltinTask(s.data.rows.slice(0, 50).map((r) => r.prompt)) ? 'verifier' : 'reward');

/**
 * The grid's prompts from the loaded data, with their SFT targets: the pool's first `gridPrompts`, and where there is
 * no verifier the next `gridEvalPrompts` for the held-out pairs.
 */
function gridRows(s: Pick<Lab, 'data'>, settings: Pick<LabSettings, 'gridPrompts' | 'gridEvalPrompts'>, metric: GridMetric): { prompt: PromptInput; target: string }[] {
  const n = settings.gridPrompts + (metric === 'reward' ? settings.gridEvalPrompts : 0);
  const rows = s.data.rows.slice(0, n);
  if (!rows.length) throw new Error('load data first (the built-in task, or a file of your own)');
  if (rows.length < n) {
    throw new Error(metric === 'reward'
      ? `the grid asks for ${settings.gridPrompts} pool prompts and ${settings.gridEvalPrompts} held-out prompts after them; the data has ${rows.length}`
      : `the grid asks for ${n} pool prompts; the data has ${rows.length}`);
  }
  return rows.map((r) => ({ prompt: metric === 'verifier' ? singleTurnText(r.prompt)! : r.prompt, target: r.target }));
}

export const createExperimentSlice: StateCreator<Lab, [], [], ExperimentSlice> = (set, get) => {
  const setRun = (patch: Partial<GridRun>) => {
    const run = get().experiment.run;
    if (!run) return;
    const next = { ...run, ...patch };
    set((s) => ({ experiment: { ...s.experiment, run: next } }));
    return storeValue(RUN_KEY, next);
  };
  const progress = (patch: Partial<GridProgress>) => set((s) => ({ experiment: { ...s.experiment, progress: s.experiment.progress && { ...s.experiment.progress, ...patch } } }));
  /** One worker call at a time, cancellable from the page. */
  const call = async <T,>(c: { promise: Promise<T>; cancel(): void }): Promise<T> => {
    if (cancelled) throw new GridCancelled('cancelled');
    cancelCurrent = c.cancel;
    try {
      return await c.promise;
    } finally {
      cancelCurrent = null;
    }
  };

  /** `samplesPerPrompt` samples of every prompt, in chunks the page can cancel between; `draw` as gridSampleRequest takes it. */
  const sampleAll = async (s: LabSettings, prompts: PromptInput[], backend: Backend, stage: string, draw?: { samplesPerPrompt: number; seed: number }): Promise<string[][]> => {
    const samples: string[][] = prompts.map(() => []);
    for (let at = 0; at < prompts.length; at += SAMPLING_CHUNK) {
      const chunk = prompts.slice(at, at + SAMPLING_CHUNK);
      progress({ stage, done: at, total: prompts.length });
      const result = await call(lmClient().call('sample', gridSampleRequest(s, chunk, at, backend, draw)));
      for (const out of result.samples) samples[at + out.promptIndex][out.sampleIndex] = out.text;
      if (result.skipped.length) throw new Error(`prompt ${at + result.skipped[0] + 1} is longer than the model's context`);
    }
    return samples;
  };

  /** Samples and embeds the grid's rows once (stored under POOL_KEY); the pool, and the held-out pairs where there is no verifier. */
  const samplePool = async (run: GridRun, rows: { prompt: PromptInput; target: string }[]): Promise<{ pool: PoolSampling; heldOut: PreferenceRecord[] }> => {
    const stored = await storedValue<StoredPool>(POOL_KEY);
    let samples: string[][];
    let similarity: Float32Array;
    const t0 = performance.now();
    const R = gridSamples(gridSpecOf(run.settings));
    if (stored?.runId === run.id) {
      ({ samples, similarity } = stored);
    } else {
      samples = await sampleAll(run.settings, rows.map((r) => r.prompt), run.backends.sample, `sampling ${R} per prompt`);
      const embedder = embedClient();
      similarity = await embedAndScore(rows.map((r, i) => ({ target: r.target, samples: samples[i] })), (texts) =>
        call(embedder.call('embed', { texts, backend: run.backends.embed }, (p) => progress({ stage: 'embedding the samples', done: p.done, total: p.total }))));
      await storeValue(POOL_KEY, { runId: run.id, samples, similarity } satisfies StoredPool);
    }
    const P = run.settings.gridPrompts;
    const poolRows = rows.slice(0, P);
    const poolData = scoredSamples(poolRows, samples.slice(0, P), similarity.subarray(0, P * R));
    let pool: PoolSampling;
    let heldOut: PreferenceRecord[] = [];
    if (run.metric === 'verifier') {
      const texts = poolRows.map((r) => r.prompt as string);
      const verdicts = samples.map((sampled, p) => sampled.map((t) => verify(texts[p], t) === true));
      pool = poolSampling(poolRows, poolData, (p, j) => verdicts[p][j]);
    } else {
      pool = poolSampling(poolRows, poolData, null);
      // Held-out pairs, the same for every cell: each held-out prompt's target against one negative the paper's filter picks.
      heldOut = scoredSamples(rows.slice(P), samples.slice(P), similarity.subarray(P * R)).select({ ...PAPER_FILTER, m: 1, seed: run.settings.seed }, 32);
      if (!heldOut.length) throw new Error(`none of the ${rows.length - P} held-out prompts gives a pair (their samples are all alike): reward accuracy cannot be measured`);
    }
    await setRun({ labelling: poolLabelling(pool, 32), poolSeconds: stored?.runId === run.id ? run.poolSeconds : (performance.now() - t0) / 1000 });
    return { pool, heldOut };
  };

  /**
   * The reward probes (k samples per test prompt at T = 1, seed + 1) and their candidates' log-probs under the loaded
   * model, computed once per run and stored beside the pool.
   */
  const sampleProbes = async (run: GridRun, evalPrompts: string[], info: { contextLength: number }): Promise<ExperimentCellRequest['probes']> => {
    const s = run.settings;
    const stored = await storedValue<StoredPool>(POOL_KEY);
    const mine = stored?.runId === run.id ? stored : null;
    const t0 = performance.now();
    let samples = mine?.probeSamples;
    if (!samples) {
      samples = await sampleAll(s, evalPrompts, run.backends.sample, `sampling ${s.gridRewardSamples} per test prompt (reward probes)`, { samplesPerPrompt: s.gridRewardSamples, seed: s.seed + 1 });
      if (mine) await storeValue(POOL_KEY, { ...mine, probeSamples: samples } satisfies StoredPool);
    }
    const verdicts = samples.map((texts, p) => texts.map((t) => verify(evalPrompts[p], t) === true));
    const probes = rewardProbes(evalPrompts, samples, (p, j) => verdicts[p][j], s.seed);
    // Every cell's max_length and rows per pass are the same: SFT's config says them.
    const config = cellDpoConfig(s, { method: 'sft', m: 1, seed: s.seed }, [], info.contextLength);
    const referenceLogProbs = mine?.probeReference ?? (await call(lmClient().call('candidate-log-probs', {
      backend: run.backends.train, candidates: probes.candidates, maxLength: config.max_length, rowsPerPass: config.rows_per_pass,
    }, (p) => progress({ stage: 'reward probes: the loaded model\'s log-probs', done: p.done, total: p.total })))).logProbs;
    if (mine && !mine.probeReference) await storeValue(POOL_KEY, { ...mine, probeSamples: samples, probeReference: referenceLogProbs } satisfies StoredPool);
    const seconds = mine?.probeReference ? (run.probes?.seconds ?? 0) : (performance.now() - t0) / 1000;
    await setRun({ probes: { samples: s.gridRewardSamples, prompts: evalPrompts.length, pairs: probes.pairs.length, ...probeBaselines(probes.correct), seconds } });
    return { ...probes, referenceLogProbs };
  };

  const execute = async () => {
    const run = get().experiment.run;
    const info = get().lm.info;
    if (!run || !info) return;
    cancelled = false;
    const s = run.settings;
    const total = run.cells.length;
    set((st) => ({ experiment: { ...st.experiment, progress: { cellsDone: run.results.length, cellsTotal: total, current: null, stage: 'starting', done: 0, total: 0, secondsLeft: null } } }));
    await setRun({ status: 'running', error: null });
    try {
      const rows = gridRows(get(), s, run.metric);
      const evalPrompts = run.metric === 'verifier' ? (await builtinTestPrompts()).slice(0, s.gridEvalPrompts) : [];
      const startedAt = performance.now();
      const doneBefore = run.results.length;
      let heldOut: PreferenceRecord[] = [];
      let probes: ExperimentCellRequest['probes'] = null;
      // Runs stored before the reward probes existed have no gridRewardSamples: not probed, as they ran.
      const probing = run.metric === 'verifier' && (s.gridRewardSamples ?? 0) > 0;
      // Runs stored before the T = 1 evaluation existed have no gridEvalSampled: greedy only, as they ran.
      const sampledSamplesPerPrompt = run.metric === 'verifier' ? (s.gridEvalSampled ?? 0) : 0;
      const evaluating = run.metric === 'verifier' ? `evaluating (greedy${sampledSamplesPerPrompt ? ` and ${sampledSamplesPerPrompt} T = 1 samples per prompt` : ''}, verifier)` : 'evaluating (reward accuracy, held-out pairs)';
      await runGrid(run.cells, run.results, {
        samplePool: async () => {
          const sampled = await samplePool(get().experiment.run!, rows);
          heldOut = sampled.heldOut;
          if (probing) probes = await sampleProbes(get().experiment.run!, evalPrompts, info);
          return sampled.pool;
        },
        trainAndEvaluate: (cell, records): Promise<CellOutcome> => call(lmClient().call('experiment-cell', {
          backend: run.backends.train, records, config: cellDpoConfig(s, cell, info.loraTargets, info.contextLength), evalPrompts, heldOut, maxNewTokens: s.maxNewTokens, sampledSamplesPerPrompt,
          probes,
        }, (p) => progress({ stage: p.stage === 'reference' ? 'reference log-probs' : p.stage === 'train' ? 'DPO steps' : evaluating, done: p.done, total: p.total }))),
      }, {
        minPrompts: s.promptsPerStep,
        onCellStart: (cell) => progress({ current: cellLabel(cell) + `, seed ${cell.seed}`, stage: 'selecting pairs', done: 0, total: 0 }),
        onCell: (result) => {
          const current = get().experiment.run!;
          const results = [...current.results, result];
          // Cells differ in cost (M = 8 trains on 9 rows per prompt, SFT only evaluates): the pace so far is a rough guide.
          progress({ cellsDone: results.length, secondsLeft: pace(startedAt, performance.now(), results.length - doneBefore, total - doneBefore).secondsLeft });
          void setRun({ results, finishedAt: { ...current.finishedAt, [cellKey(result.cell)]: Date.now() } });
        },
      });
      await setRun({ status: 'done' });
    } catch (e) {
      const wasCancel = e instanceof Error && e.name === 'CancelledError';
      await setRun({ status: wasCancel ? 'paused' : 'failed', error: wasCancel ? null : e instanceof Error ? e.message : String(e) });
    } finally {
      set((st) => ({ experiment: { ...st.experiment, progress: null } }));
    }
  };

  return {
    experiment: { run: null, progress: null, restored: false, startError: null, rates: null, measuringRates: false },
    measureGridRates: async () => {
      const st = get();
      const s = st.settings;
      const backends = { sample: stageDecision(st, 'sample').backend, embed: stageDecision(st, 'embed').backend };
      set((x) => ({ experiment: { ...x.experiment, measuringRates: true } }));
      try {
        const rows = gridRows(st, s, gridMetricOf(st)).slice(0, SAMPLING_CHUNK);
        const t0 = performance.now();
        const sampled = await lmClient().call('sample', gridSampleRequest(s, rows.map((r) => r.prompt), 0, backends.sample)).promise;
        const samplingSeconds = (performance.now() - t0) / 1000;
        const tokens = sampled.samples.reduce((a, x) => a + x.tokens.length, 0);
        // Texts the encoder has not seen (its cache would make them free): the measurement's own samples, salted.
        const texts = [...rows.map((r) => r.target), ...sampled.samples.map((x) => x.text)].map((t) => `${t} (${Date.now().toString(36)})`);
        const t1 = performance.now();
        const embedded = await embedClient().call('embed', { texts, backend: backends.embed }).promise;
        const embeddingSeconds = (performance.now() - t1) / 1000;
        const lengths = await lmClient().call('prompt-lengths', { prompts: rows.map((r) => r.prompt) }).promise;
        const rates: GridRatesMeasured = {
          samplingTokensPerSecond: tokens / samplingSeconds, embeddingTextsPerSecond: embedded.computed / embeddingSeconds,
          promptTokens: lengths.lengths.reduce((a, b) => a + b, 0) / lengths.lengths.length, responseTokens: tokens / Math.max(1, sampled.samples.length),
          key: ratesKey(s, backends),
        };
        set((x) => ({ experiment: { ...x.experiment, rates } }));
        // One DPO step as the Train step times it: pairs of the pool's own lengths (the timing needs lengths, not meaning).
        const trainRows = st.data.rows.slice(0, 16);
        await get().measureTraining(trainRows.map((r, i) => ({ prompt: r.prompt, chosen: r.target, rejected: Array.from({ length: s.m }, (_, k) => trainRows[(i + k + 1) % trainRows.length].target) })));
      } catch (e) {
        set((x) => ({ experiment: { ...x.experiment, startError: `measuring this machine's rates failed: ${e instanceof Error ? e.message : String(e)}` } }));
      } finally {
        set((x) => ({ experiment: { ...x.experiment, measuringRates: false } }));
      }
    },
    startGrid: async () => {
      const st = get();
      const settings = st.settings;
      const metric = gridMetricOf(st);
      try {
        gridRows(st, settings, metric);
      } catch (e) {
        set((s) => ({ experiment: { ...s.experiment, startError: e instanceof Error ? e.message : String(e) } }));
        return;
      }
      const run: GridRun = {
        id: `grid-${Date.now().toString(36)}`, settings, metric, cells: gridCells(gridSpecOf(settings, metric === 'verifier')), results: [], finishedAt: {},
        backends: { sample: stageDecision(st, 'sample').backend, embed: stageDecision(st, 'embed').backend, train: stageDecision(st, 'train').backend },
        labelling: null, poolSeconds: null, status: 'running', error: null,
      };
      set((s) => ({ experiment: { ...s.experiment, run, startError: null } }));
      await deleteValue(POOL_KEY);
      await execute();
    },
    resumeGrid: execute,
    cancelGrid: () => {
      cancelled = true;
      cancelCurrent?.();
    },
    clearGrid: async () => {
      set((s) => ({ experiment: { ...s.experiment, run: null } }));
      await deleteValue(RUN_KEY);
      await deleteValue(POOL_KEY);
    },
    restoreGrid: async () => {
      const run = (await storedValue<GridRun>(RUN_KEY)) ?? null;
      // A grid that was running when the page closed is paused where it stopped.
      const restored = run && run.status === 'running' ? { ...run, status: 'paused' as const } : run;
      set((s) => ({ experiment: { ...s.experiment, run: restored, restored: true } }));
    },
  };
};
