// Memory a causal LM needs in the lab's graphs (float32 throughout), before a
// byte is downloaded: what sampling holds, what full DPO fine-tuning holds,
// and what LoRA holds — checked against the WebGPU adapter's buffer limits.
// Training is sized from the train-step graph the run builds (liveness pass,
// onnx/liveness.ts) at the run's rows and length, not from a formula.
import { weightSpecs, type LmConfig } from './config';
import type { LoraConfig } from '../train/lora';
import { dpoTrainStep, PAPER_DPO, type Checkpointing } from '../train/dpo';
import { buildTrainStep, separateUpdatePays, UPDATE_SLICE } from '../onnx/train-step';
import { graphMemory } from '../onnx/liveness';

const F32 = 4;
/** The JS engine and onnxruntime themselves, before any model (measured with onnxruntime-node loaded). */
const RUNTIME_BYTES = 0.09 * 2 ** 30;
const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export interface MemoryEstimate {
  parameters: number;
  /** The weights as float32. */
  weightBytes: number;
  largestTensor: { name: string; bytes: number };
  /** The sampling graph's initializers: weights stored once, plus a tied embedding's transposed copy for the LM head. */
  samplingGraphBytes: number;
  /**
   * Sampling: the loaded weights and the KV cache twice (HostKvCache grows and
   * regroups rows by copying), and with weights as initializers (WASM, WebGPU:
   * inferenceWeights) what ORT builds from them while the session is created —
   * its copy of them (a tied embedding's transposed copy for the LM head included)
   * and the pre-transposed and prepacked copies made beside it.
   */
  inferenceBytes: number;
  /**
   * Full fine-tuning: the loaded weights, the train step's inputs (the trained
   * parameters, a copy the update changes in place), AdamW's moments, what the
   * gradient graph holds alive at once in the order ORT runs it (activations saved
   * for the backward pass, gradients), and the gradients' copy in JavaScript.
   */
  fullTrainingBytes: number;
  /** LoRA: the same for the LoRA train step, whose inputs are the frozen weights themselves. */
  loraTrainingBytes: number;
  /**
   * What WASM holds beyond each training figure: ort-web copies a run's inputs into its heap (full: the trained
   * parameters; LoRA: the frozen weights) while JavaScript keeps its own; onnxruntime-node reads them in place.
   */
  wasmInputCopyBytes: { full: number; lora: number };
  /** The largest single intermediate of a training pass (the logits and their gradient). */
  largestActivationBytes: number;
}

export interface Workload {
  /** Sequences per forward/backward pass and their padded length. */
  rows: number;
  length: number;
  /** Sampling batch (rows of the KV cache) and its context (prompt + new tokens). */
  sampleRows: number;
  sampleContext: number;
  /** How the sampling session gets the weights (inferenceWeights(ep)); 'initializers' when not given, as in the browser. */
  sampleWeights?: 'inputs' | 'initializers';
  lora: LoraConfig;
  /** Training with activation checkpointing (checkpointingOf a DpoConfig). */
  checkpointing?: Checkpointing;
}

export function estimateMemory(cfg: LmConfig, w: Workload): MemoryEstimate {
  const specs = weightSpecs(cfg);
  const parameters = specs.reduce((a, s) => a + count(s.shape), 0);
  const weightBytes = parameters * F32;
  const largest = specs.reduce((a, s) => (count(s.shape) > count(a.shape) ? s : a));
  const tiedHeadBytes = cfg.tieEmbeddings ? cfg.vocabSize * cfg.hiddenSize * F32 : 0;
  const kvCache = 2 * cfg.numLayers * w.sampleRows * cfg.numKvHeads * Math.min(w.sampleContext, cfg.maxPositions) * cfg.headDim * F32;
  const logits = w.rows * w.length * cfg.vocabSize;
  // Each training figure builds a train-step graph (about a second at 135M parameters): only when asked, once.
  let full: TrainStepBytes | undefined;
  let lora: TrainStepBytes | undefined;
  const fullStep = () => (full ??= trainStepBytes(cfg, w, null));
  const loraStep = () => (lora ??= trainStepBytes(cfg, w, w.lora));
  return {
    parameters,
    weightBytes,
    largestTensor: { name: largest.name, bytes: count(largest.shape) * F32 },
    samplingGraphBytes: weightBytes + tiedHeadBytes,
    inferenceBytes: weightBytes + (w.sampleWeights === 'inputs' ? 0 : 2 * (weightBytes + tiedHeadBytes)) + 2 * kvCache + RUNTIME_BYTES,
    // Full: the trained parameters are inputs beside the loaded weights; LoRA's inputs are the loaded weights.
    get fullTrainingBytes() {
      return weightBytes + fullStep().bytes + RUNTIME_BYTES;
    },
    get loraTrainingBytes() {
      return loraStep().bytes + RUNTIME_BYTES;
    },
    get wasmInputCopyBytes() {
      return { full: fullStep().inputBytes, lora: loraStep().inputBytes };
    },
    largestActivationBytes: logits * F32,
  };
}

interface TrainStepBytes {
  bytes: number;
  /** The graph's inputs: the trained state, or LoRA's frozen weights, and the batch. */
  inputBytes: number;
}

/**
 * One train step as the CPU EPs run it, for `rows` sequences of `length` tokens: the graph's inputs, the most it
 * holds alive at once and its outputs once more — ORT's JS API hands them back as fresh arrays, copied while ORT's
 * still exist. With separateUpdatePays the outputs are the gradients, and AdamW's moments stay in JavaScript beside
 * one run of the update (its inputs are views; its outputs and their copies).
 */
function trainStepBytes(cfg: LmConfig, w: Pick<Workload, 'rows' | 'length' | 'checkpointing'>, lora: LoraConfig | null): TrainStepBytes {
  // M only shapes the loss over rows, so one negative per prompt sizes any M (rows rounded up to pairs).
  const rows = 2 * Math.ceil(w.rows / 2);
  const spec = dpoTrainStep(cfg, PAPER_DPO, 1, { lora, batch: { rows, length: w.length }, checkpointing: w.checkpointing });
  const separate = separateUpdatePays('wasm', spec.trainable);
  const step = buildTrainStep({ ...spec, separateUpdate: separate });
  const m = graphMemory(step.graph);
  const trainable = spec.trainable.reduce((a, p) => a + count(p.shape), 0);
  // Fused, the moments are inputs and the next state the outputs; apart, the moments stay in JavaScript.
  const apart = separate ? 2 * F32 * trainable + 6 * UPDATE_SLICE * F32 : 0;
  return { bytes: m.inputBytes + m.initializerBytes + m.peakBytes + m.outputBytes + apart, inputBytes: m.inputBytes };
}

export interface DeviceLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/** Why the model cannot run on this WebGPU adapter, or null when every buffer fits. */
export function webGpuRefusal(e: MemoryEstimate, limits: DeviceLimits, mode: 'sample' | 'full' | 'lora'): string | null {
  const cap = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  if (e.largestTensor.bytes > cap) {
    return `${e.largestTensor.name} needs one ${mb(e.largestTensor.bytes)} buffer; this WebGPU adapter binds at most ${mb(cap)}. Use WASM, or a smaller model.`;
  }
  if (mode !== 'sample' && e.largestActivationBytes > cap) {
    return `a training pass holds ${mb(e.largestActivationBytes)} of logits in one buffer (adapter limit ${mb(cap)}): lower sequences per pass.`;
  }
  return null;
}

/** wasm32 addresses at most 4 GiB: why the model cannot run on WASM in this mode, or null. */
/** What a training run on WASM holds in all (the page's renderer): the training figure and WASM's copy of the run's inputs. */
export function wasmTrainingBytes(e: MemoryEstimate, mode: 'full' | 'lora'): number {
  return mode === 'full' ? e.fullTrainingBytes + e.wasmInputCopyBytes.full : e.loraTrainingBytes + e.wasmInputCopyBytes.lora;
}

export function wasmRefusal(e: MemoryEstimate, mode: 'sample' | 'full' | 'lora'): string | null {
  // WASM's heap holds everything but the loaded weights in JavaScript; LoRA's frozen weights are copied in as inputs.
  const need = mode === 'sample' ? e.inferenceBytes - e.weightBytes : mode === 'full' ? e.fullTrainingBytes - e.weightBytes : e.loraTrainingBytes;
  if (need <= 4 * 2 ** 30) return null;
  const gib = (need / 2 ** 30).toFixed(1);
  return `needs about ${gib} GiB; WebAssembly memory stops at 4 GiB.${mode === 'full' ? ' Use LoRA, or a smaller model.' : ' Use a smaller model, or fewer sequences per pass.'}`;
}
