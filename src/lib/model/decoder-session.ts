// LmStepper over an onnxruntime session of the decoder graph: keeps the KV
// cache between steps. On WebGPU the present.* outputs stay in GPU buffers and
// are fed straight back as past_key_values.*; only logits come to JavaScript.
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { createSession, readFloats, type ExecutionProvider, type OrtApi } from '../onnx/runtime';
import type { LmStepper } from '../sample/generate';
import type { LmConfig } from './config';
import { buildDecoderGraph, pastName, presentName } from './graphs';
import { Graph } from '../onnx/graph';
import { gather } from '../onnx/ops';
import { encodeModel } from '../onnx/model-proto';

/** Gathers batch rows of every cache tensor: rows [N] int64 → past.* [N, KV, S, D]. */
function buildRowGather(cfg: LmConfig): Uint8Array {
  const g = new Graph('kv_row_gather');
  const rows = g.input('rows', 'int64', ['rows']);
  for (let l = 0; l < cfg.numLayers; l++) {
    for (const kind of ['key', 'value'] as const) {
      const past = g.input(pastName(l, kind), 'float32', ['batch', cfg.numKvHeads, 'past', cfg.headDim]);
      g.output(gather(past, rows, 0), presentName(l, kind));
    }
  }
  return encodeModel(g.toModel());
}

/** On WebGPU the cache outputs stay in GPU buffers. */
function cacheOnGpu(cfg: LmConfig, ep: ExecutionProvider): InferenceSession.SessionOptions {
  if (ep !== 'webgpu') return {};
  const names = Array.from({ length: cfg.numLayers }, (_, l) => [presentName(l, 'key'), presentName(l, 'value')]).flat();
  return { preferredOutputLocation: Object.fromEntries(names.map((n) => [n, 'gpu-buffer' as const])) };
}

export class DecoderSession implements LmStepper {
  private past: Record<string, Tensor> | null = null;
  private rowGather: InferenceSession | null = null;

  private constructor(
    private readonly ort: OrtApi,
    private readonly session: InferenceSession,
    private readonly cfg: LmConfig,
    private readonly ep: ExecutionProvider,
  ) {}

  /** Compiles the sampling graph (last-position logits) with the weights as initializers. */
  static async create(ort: OrtApi, cfg: LmConfig, weights: Map<string, Float32Array>, ep: ExecutionProvider): Promise<DecoderSession> {
    const model = buildDecoderGraph(cfg, weights, { lastTokenOnly: true });
    const session = await createSession(ort, model, ep, cacheOnGpu(cfg, ep));
    return new DecoderSession(ort, session, cfg, ep);
  }

  get vocabSize(): number {
    return this.cfg.vocabSize;
  }

  /** Where the cache lives now ('gpu-buffer' on WebGPU after the first step). */
  cacheLocations(): string[] {
    return this.past ? Object.values(this.past).map((t) => t.location) : [];
  }

  reset(): void {
    this.disposePast();
  }

  async step(ids: BigInt64Array, positions: BigInt64Array, mask: BigInt64Array, batch: number, newLen: number, totalLen: number): Promise<Float32Array> {
    const { ort, cfg } = this;
    const feeds: Record<string, Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [batch, newLen]),
      position_ids: new ort.Tensor('int64', positions, [batch, newLen]),
      attention_mask: new ort.Tensor('int64', mask, [batch, totalLen]),
    };
    for (let l = 0; l < cfg.numLayers; l++) {
      for (const kind of ['key', 'value'] as const) {
        feeds[pastName(l, kind)] = this.past?.[pastName(l, kind)] ?? new ort.Tensor('float32', new Float32Array(0), [batch, cfg.numKvHeads, 0, cfg.headDim]);
      }
    }
    const out = await this.session.run(feeds);
    this.disposePast();
    this.past = this.cacheFrom(out);
    return readFloats(out.logits);
  }

  async selectRows(rows: readonly number[]): Promise<void> {
    if (!this.past) throw new Error('selectRows: no cache yet (prefill first)');
    this.rowGather ??= await createSession(this.ort, buildRowGather(this.cfg), this.ep, cacheOnGpu(this.cfg, this.ep));
    const out = await this.rowGather.run({ ...this.past, rows: new this.ort.Tensor('int64', BigInt64Array.from(rows, BigInt), [rows.length]) });
    this.disposePast();
    this.past = this.cacheFrom(out);
  }

  private cacheFrom(out: Record<string, Tensor>): Record<string, Tensor> {
    const past: Record<string, Tensor> = {};
    for (let l = 0; l < this.cfg.numLayers; l++) for (const kind of ['key', 'value'] as const) past[pastName(l, kind)] = out[presentName(l, kind)];
    return past;
  }

  private disposePast(): void {
    if (this.past) for (const t of Object.values(this.past)) if (t.location === 'gpu-buffer') t.dispose();
    this.past = null;
  }

  async release(): Promise<void> {
    this.disposePast();
    await this.rowGather?.release();
    await this.session.release();
  }
}
