// Sequence log-probs of (prompt, response) pairs under fixed weights: the DPO
// reference model, and held-out reward accuracy. One log-prob graph with the
// weights as initializers, run over right-padded chunks.
import type { InferenceSession } from 'onnxruntime-common';
import { createSession, readFloats, batchTensors, TRAIN_SESSION_OPTIONS, type ExecutionProvider, type OrtApi } from '../onnx/runtime';
import { packSequences, sequenceFeeds, type TokenizedPair } from '../train/batches';
import { buildLogProbGraph } from './graphs';
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
  ) {}

  /**
   * `trainingForm`: log-probs equal, bit for bit, to a train-step graph's on the
   * same batch (the DPO reference, so rewards are exactly 0 while policy = reference).
   */
  static async create(
    ort: OrtApi,
    cfg: LmConfig,
    weights: Map<string, Float32Array>,
    ep: ExecutionProvider,
    padTokenId: number,
    { trainingForm = false } = {},
  ): Promise<SequenceScorer> {
    const graph = buildLogProbGraph(cfg, weights, { trainingForm });
    return new SequenceScorer(ort, await createSession(ort, graph, ep, trainingForm ? TRAIN_SESSION_OPTIONS : {}), padTokenId);
  }

  async score(rows: readonly TokenizedPair[], rowsPerRun = 32, onProgress?: (done: number, total: number) => void): Promise<SequenceScores> {
    const sum = new Float32Array(rows.length);
    const count = new Float32Array(rows.length);
    for (let at = 0; at < rows.length; at += rowsPerRun) {
      const chunk = rows.slice(at, at + rowsPerRun);
      const out = await this.session.run(batchTensors(this.ort, sequenceFeeds(packSequences(chunk, this.padTokenId))));
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
