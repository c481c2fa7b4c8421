// Sequence log-probs of (prompt, response) pairs under fixed weights: the DPO
// reference model, and held-out reward accuracy. One log-prob graph, run over
// right-padded chunks, with the weights placed as inferenceWeights says — and,
// for the DPO reference on WASM too, as inputs fed from the loaded weights, as
// the train step has them: ORT then holds no copy of them between runs (ort-web
// copies them in for a run and frees them after; the reference runs seldom).
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { createSession, readFloats, batchTensors, TRAIN_SESSION_OPTIONS, type ExecutionProvider, type OrtApi } from '../onnx/runtime';
import { packSequences, sequenceFeeds, type TokenizedPair } from '../train/batches';
import { buildLogProbGraph, inferenceWeights, weightFeeds } from './graphs';
import type { LmConfig } from './config';

export interface SequenceScores {
  /** Σ log p over each row's response tokens. */
  sum: Float32Array;
  /** Response tokens per row. */
  count: Float32Array;
}

export class SequenceScorer {
  private constructor(
    private readonly ort: OrtApi,
    private readonly session: InferenceSession,
    private readonly padTokenId: number,
    private readonly weightFeeds: Record<string, Tensor> = {},
  ) {}

  /**
   * `trainingForm`: log-probs equal, bit for bit, to a train-step graph's on the
   * same batch (the DPO reference, so rewards are exactly 0 while policy = reference);
   * `vocabChunks` as that graph has it (sequenceLogProbs).
   */
  static async create(
    ort: OrtApi,
    cfg: LmConfig,
    weights: Map<string, Float32Array>,
    ep: ExecutionProvider,
    padTokenId: number,
    { trainingForm = false, vocabChunks = 1 } = {},
  ): Promise<SequenceScorer> {
    // On WebGPU weights fed per run would cross to the GPU every run: they stay initializers there.
    const fed = inferenceWeights(ep) === 'inputs' || (trainingForm && ep !== 'webgpu');
    const graph = buildLogProbGraph(cfg, fed ? undefined : weights, { trainingForm, vocabChunks, external: true });
    const session = await createSession(ort, graph, ep, trainingForm ? TRAIN_SESSION_OPTIONS : {});
    return new SequenceScorer(ort, session, padTokenId, fed ? weightFeeds(ort, cfg, weights) : {});
  }

  /**
   * `rowsPerRun` rows a run, each run padded to its longest row, or to `length`
   * when given (a run then computes what a batch of that length would).
   */
  async score(
    rows: readonly TokenizedPair[],
    { rowsPerRun = 32, length, onProgress }: { rowsPerRun?: number; length?: number; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<SequenceScores> {
    const sum = new Float32Array(rows.length);
    const count = new Float32Array(rows.length);
    for (let at = 0; at < rows.length; at += rowsPerRun) {
      const chunk = rows.slice(at, at + rowsPerRun);
      const out = await this.session.run({ ...this.weightFeeds, ...batchTensors(this.ort, sequenceFeeds(packSequences(chunk, this.padTokenId, length))) });
      sum.set(await readFloats(out.logp_sum), at);
      count.set(await readFloats(out.token_count), at);
      onProgress?.(Math.min(rows.length, at + rowsPerRun), rows.length);
    }
    return { sum, count };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
