// Every message between the UI and the workers. Requests carry ids; replies are
// result / progress / error, tagged with the request's kind so both ends stay typed.

import type { NodePlacement } from './lib/onnx/placement';
import type { FinishReason } from './lib/sample/generate';
import type { SamplerRounds } from './lib/sample/throughput';
import type { ImportFormat, ImportSummary } from './lib/data/import';
import type { PreferenceRecord } from './lib/data/export';
import type { DpoStepLog } from './lib/train/dpo-run';
import type { DpoConfig } from './lib/train/dpo-config';
import type { DeviceLimits, MemoryEstimate } from './lib/model/memory';
import type { CellOutcome } from './lib/experiments/runner';
import type { CellStage } from './lib/experiments/cell-run';
import type { Candidates } from './lib/train/reward-choice';
import type { RewardProbes } from './lib/experiments/reward-probes';

import type { AdapterInfo, Backend, StageTimings } from './lib/backend-choice';
import type { Pooling, PoolingSetting } from './lib/model/pooling';
import type { LongPromptPolicy } from './lib/model/context';
export type { Backend };

export interface ErrorInfo {
  name: string;
  message: string;
}

export type BackendRun =
  | { backend: Backend; ok: true; ms: number; output: number[]; detail: string }
  | { backend: Backend; ok: false; reason: string };

export interface BackendReport {
  webgpu: BackendRun;
  wasm: BackendRun;
  /** Largest |webgpu − wasm| over the probe's outputs, when both ran. */
  maxAbsDiff: number | null;
  /** The backend the lab uses from here on: webgpu when it ran, else wasm. */
  chosen: Backend | null;
  wasmThreads: number;
  crossOriginIsolated: boolean;
  adapter: AdapterInfo;
}

export interface EngineCheckResult {
  backend: Backend;
  losses: number[];
  /** Final parameters by name, for comparison with onnxruntime-node. */
  params: Record<string, number[]>;
  /** Tensor location of every piece of train state after each step. */
  locations: Record<string, string>[];
  /** Mean time of steps 2..n (step 1 uploads state and compiles kernels). */
  msPerStep: number;
  placement: NodePlacement;
}

export interface OpCoverageResult {
  backend: Backend;
  outputs: Record<string, number[]>;
  placement: NodePlacement;
}

export interface LmInfo {
  source: string;
  modelType: string;
  parameters: number;
  vocabSize: number;
  layers: number;
  hiddenSize: number;
  contextLength: number;
  hasChatTemplate: boolean;
  /** PEFT's default LoRA target modules for this architecture. */
  loraTargets: string[];
}

export type { PromptInput } from './lib/model/codec';
import type { PromptInput } from './lib/model/codec';

export interface SampleRequest {
  prompts: PromptInput[];
  samplesPerPrompt: number;
  temperature: number;
  topP: number;
  topK: number;
  maxNewTokens: number;
  seed: number;
  backend: Backend;
  stop: string[];
  /** Prompts longer than the context minus maxNewTokens: skipped (no samples) or left-truncated. */
  longPrompts: LongPromptPolicy;
  /** Each prompt's index in the dataset: its samples' RNG streams, so chunking does not change what is drawn. */
  promptIndices?: number[];
}

export interface SampleOutput {
  promptIndex: number;
  sampleIndex: number;
  text: string;
  tokens: number[];
  logprob: number;
  finish: FinishReason;
}

export interface SampleResult {
  samples: SampleOutput[];
  /** Prompts too long for the context, by index, that got no samples (longPrompts: skip). */
  skipped: number[];
  /** Prompts whose start was dropped to fit (longPrompts: truncate-left). */
  truncated: number[];
  backend: Backend;
  /** Generated tokens per second over the whole request (prefill included). */
  tokensPerSecond: number;
}

export interface SampleProgress {
  promptsDone: number;
  promptsTotal: number;
  tokensGenerated: number;
}

export interface GenerateBenchmarkRequest {
  backend: Backend;
  prompt: string;
  samplesPerPrompt: number;
  newTokens: number;
  /** Full-size rounds of both before measuring (wasm code tiers up over the first runs). */
  warmups: number;
  /** Measured rounds; each runs ours then theirs. */
  rounds: number;
  /** Where transformers.js finds the same model (its localModelPath and model id). */
  transformers: { localModelPath: string; modelId: string };
}

export interface GenerateBenchmarkResult {
  backend: Backend;
  promptTokens: number;
  warmup: SamplerRounds;
  measured: SamplerRounds;
}

/** The shipped encoder (a path the lab serves), a transformers.js-format repository on the Hub host, or such a folder dropped in. */
export type EmbedderSource =
  | { kind: 'local'; localModelPath: string; modelId: string }
  | { kind: 'hub'; id: string; host: string }
  | { kind: 'files'; files: File[] };

export interface EmbedderInfo {
  source: string;
  backend: Backend;
  dimensions: number;
  pooling: Pooling;
  /** Where the pooling came from: the model's 1_Pooling/config.json, the lab's default (mean), or the setting. */
  poolingSource: 'model' | 'default' | 'setting';
}

/** Where a causal LM comes from: a URL folder in Hugging Face layout, or files the user dropped (a folder, or a zip). */
export type LmSource = { kind: 'url'; baseUrl: string } | { kind: 'files'; files: File[] } | { kind: 'hub'; id: string; host: string };

/** What loading a Hub model will take, known before the weights download. */
export interface HubPlan {
  /** host/org/name@revision */
  source: string;
  modelType: string;
  files: { name: string; bytes: number | null; cached: boolean }[];
  totalBytes: number;
  cachedBytes: number;
  memory: MemoryEstimate;
  limits: DeviceLimits | null;
  /** Why WebGPU cannot sample / fully fine-tune / LoRA-train it; null when it fits. */
  refusal: { sample: string | null; full: string | null; lora: string | null };
}

export type TimeBackendsRequest =
  | { stage: 'sample'; backends: Backend[]; samplesPerPrompt: number; newTokens: number }
  | { stage: 'train'; backends: Backend[]; config: DpoConfig; records: PreferenceRecord[] };

export interface TrainDpoRequest {
  /** Names the run's checkpoint in OPFS; a resumed run reuses its id. */
  runId: string;
  label: string;
  backend: Backend;
  config: DpoConfig;
  records: PreferenceRecord[];
  /** Save a checkpoint every this many optimizer steps (and on pause and at the end). */
  checkpointEvery: number;
  /** Continue from the run's last checkpoint. */
  resume: boolean;
}

export type TrainProgress =
  /** The worker lowered rows per pass to fit the backend's memory: the run trains with this config. */
  | { stage: 'plan'; config: DpoConfig; reason: string }
  | { stage: 'reference'; done: number; total: number }
  | { stage: 'step'; log: DpoStepLog; totalSteps: number }
  | { stage: 'checkpoint'; step: number }
  /** The storage could not hold a checkpoint (quota): the run goes on in memory. */
  | { stage: 'checkpoint-failed'; step: number; reason: string };

export interface TrainDpoResult {
  runId: string;
  stepsDone: number;
  totalSteps: number;
  history: DpoStepLog[];
  prompts: number;
}

export interface CheckpointSummary {
  runId: string;
  label: string;
  step: number;
  totalSteps: number;
  config: DpoConfig;
  history: DpoStepLog[];
  bytes: number;
  savedAt: number;
}

export interface EvaluateRequest {
  backend: Backend;
  /** The trained policy of this run; null for the loaded (SFT) model. */
  runId: string | null;
  /** Built-in task prompts scored by its verifier (none when the data is not the built-in task). */
  taskPrompts: string[];
  maxNewTokens: number;
  /** Held-out preference groups for reward accuracy against the loaded model as reference. */
  heldOut: PreferenceRecord[];
  /** The run's config: its M, β and max_length for the held-out pairs, its seed for sampling. */
  config: DpoConfig;
}

export interface EvaluateResult {
  runId: string | null;
  /** Verifier accuracy, greedy and sampled at T = 1; null without task prompts. */
  greedy: number | null;
  sampled: number | null;
  taskPrompts: number;
  /** TRL's rewards/accuracies and margins on the held-out pairs; null without them or for the reference itself. */
  rewardAccuracy: number | null;
  rewardMargin: number | null;
  pairs: number;
}

/** One cell of an experiment grid: DPO from the loaded model on the cell's pairs, then greedy verifier accuracy. */
export interface ExperimentCellRequest {
  backend: Backend;
  /** None: the loaded (SFT) model is evaluated only. */
  records: PreferenceRecord[];
  config: DpoConfig;
  evalPrompts: string[];
  /** Where there is no verifier: held-out pairs; the cell is then scored by reward accuracy on them. */
  heldOut: PreferenceRecord[];
  maxNewTokens: number;
  /** Also this many T = 1 responses per evaluation prompt, scored by the verifier (the authors' evaluation); 0: greedy only. */
  sampledSamplesPerPrompt: number;
  /** The implicit reward's probes, with their candidates' log-probs under the loaded model (candidate-log-probs); null: none. */
  probes: (RewardProbes & { referenceLogProbs: number[][] }) | null;
}

export interface CandidateLogProbsRequest {
  backend: Backend;
  candidates: Candidates[];
  /** As the cells' DpoConfig has them: each sequence cut as DPO cuts it, this many rows a pass. */
  maxLength: number;
  rowsPerPass: number;
}

export interface ExportModelRequest {
  runId: string;
  /** merged: full model safetensors (LoRA folded in); adapter: PEFT adapter files (LoRA runs). */
  format: 'merged' | 'adapter';
}

/** The embedding worker's requests (transformers.js feature extraction). */
export type EmbedRequests = {
  'load-embedder': { payload: { source: EmbedderSource; backend: Backend; pooling: PoolingSetting }; result: EmbedderInfo; progress: { file: string; loaded: number; total: number | null } };
  /** Unit vectors, row-major [texts, dimensions]; each distinct text is embedded once and cached. */
  embed: { payload: { texts: string[]; backend: Backend }; result: { vectors: Float32Array; dimensions: number; computed: number }; progress: { done: number; total: number } };
  /** The encoder's texts per second on each backend (the measurement behind the embedding stage's backend). */
  'time-backends': { payload: { backends: Backend[]; texts: number }; result: StageTimings; progress: { backend: Backend } };
};

/** The import worker: JSONL parsing off the page thread. */
export type ImportRequests = {
  'import-jsonl': { payload: { file: File; format: ImportFormat | null }; result: ImportSummary; progress: { bytes: number; total: number; lines: number } };
};

/** Per request kind: what goes in, what comes back, what progress looks like. */
export type LmRequests = {
  'probe-backends': { payload: { seed: number }; result: BackendReport; progress: { stage: string } };
  'engine-check': {
    payload: { backend: Backend; steps: number; seed: number; lr: number };
    result: EngineCheckResult;
    progress: { step: number; loss: number };
  };
  'op-coverage': { payload: { backend: Backend }; result: OpCoverageResult; progress: never };
  'hub-plan': { payload: { id: string; host: string }; result: HubPlan; progress: never };
  /** Prompt tokens as the loaded model sees them (chat template included). */
  'prompt-lengths': { payload: { prompts: PromptInput[] }; result: { lengths: number[]; contextLength: number }; progress: never };
  /** One real step of the loaded model's sampling or DPO training on each backend (the measurement behind each stage's backend). */
  'time-backends': { payload: TimeBackendsRequest; result: StageTimings; progress: { backend: Backend } };
  'load-lm': { payload: LmSource; result: LmInfo; progress: { file: string; loaded: number; total: number | null } };
  sample: { payload: SampleRequest; result: SampleResult; progress: SampleProgress };
  'train-dpo': { payload: TrainDpoRequest; result: TrainDpoResult; progress: TrainProgress };
  evaluate: { payload: EvaluateRequest; result: EvaluateResult; progress: { stage: string; done: number; total: number } };
  'experiment-cell': { payload: ExperimentCellRequest; result: CellOutcome; progress: { stage: CellStage; done: number; total: number } };
  /** Σ log p of every candidate response under the loaded model, per prompt: the reward probes' reference, once per grid. */
  'candidate-log-probs': { payload: CandidateLogProbsRequest; result: { logProbs: number[][] }; progress: { done: number; total: number } };
  /** A zip of Hugging Face files, named for download. */
  'export-model': { payload: ExportModelRequest; result: { fileName: string; zip: Blob }; progress: never };
  'list-checkpoints': { payload: Record<string, never>; result: CheckpointSummary[]; progress: never };
  'delete-checkpoint': { payload: { runId: string }; result: { deleted: boolean }; progress: never };
};

/** The LM worker's requests for scripted checks only (src/debug.ts, loaded with ?debug); the app never sends them. */
export type LmDebugRequests = {
  'next-token-logits': { payload: { text: string; backend: Backend }; result: { ids: number[]; logits: Float32Array }; progress: never };
  'generate-benchmark': { payload: GenerateBenchmarkRequest; result: GenerateBenchmarkResult; progress: never };
};

/** Everything the LM worker answers. */
export type LmWorkerRequests = LmRequests & LmDebugRequests;

/** What each request kind of a worker takes, returns and reports. */
export type RequestSpecs = { [kind: string]: { payload: unknown; result: unknown; progress: unknown } };

export type Request<M extends RequestSpecs> = { [K in keyof M]: { type: 'request'; id: number; kind: K; payload: M[K]['payload'] } }[keyof M];
export interface CancelRequest {
  type: 'cancel';
  id: number;
}
export type ToWorker<M extends RequestSpecs> = Request<M> | CancelRequest;

export type ResultReply<M extends RequestSpecs, K extends keyof M = keyof M> = { [P in K]: { type: 'result'; id: number; kind: P; result: M[P]['result'] } }[K];
export type ProgressReply<M extends RequestSpecs, K extends keyof M = keyof M> = { [P in K]: { type: 'progress'; id: number; kind: P; progress: M[P]['progress'] } }[K];
export interface ErrorReply {
  type: 'error';
  id: number;
  error: ErrorInfo;
}
export type FromWorker<M extends RequestSpecs> = ResultReply<M> | ProgressReply<M> | ErrorReply;

export function isResultOf<M extends RequestSpecs, K extends keyof M>(reply: FromWorker<M>, kind: K): reply is FromWorker<M> & ResultReply<M, K> {
  return reply.type === 'result' && reply.kind === kind;
}

export function isProgressOf<M extends RequestSpecs, K extends keyof M>(reply: FromWorker<M>, kind: K): reply is FromWorker<M> & ProgressReply<M, K> {
  return reply.type === 'progress' && reply.kind === kind;
}

export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** Thrown inside a worker when the UI cancelled the request. */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor() {
    super('cancelled');
  }
}
