// LmStepper over an onnxruntime session of the decoder graph, keeping the KV
// cache between steps where it is cheapest for the execution provider:
//   webgpu       the graph returns the whole cache (present.*); the outputs stay
//                in GPU buffers and are fed straight back as past_key_values.*;
//   wasm, cpu    the graph returns only the step's keys and values, kept in
//                host arrays with spare capacity (HostKvCache says why).
// Only logits come to JavaScript either way.
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { createSession, readFloats, type ExecutionProvider, type OrtApi } from '../onnx/runtime';
import type { LmStepper } from '../sample/generate';
import type { LmConfig } from './config';
import type { CacheOutputs } from './decoder';
import { buildDecoderGraph, inferenceWeights, pastName, presentName, weightFeeds } from './graphs';
import { HostKvCache } from './host-kv-cache';
import { Graph } from '../onnx/graph';
import { gather } from '../onnx/ops';
import { encodeModel } from '../onnx/model-proto';

const cacheNames = (cfg: LmConfig, name: typeof pastName): string[] =>
  Array.from({ length: cfg.numLayers }, (_, l) => [name(l, 'key'), name(l, 'value')]).flat();

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

/** Where the cache lives between steps. */
interface KvStore {
  /** past_key_values.* feeds and the attention mask over them, from the caller's [batch, length + newLen] mask. */
  feeds(mask: BigInt64Array, batch: number, newLen: number): { past: Record<string, Tensor>; mask: BigInt64Array; width: number };
  /** Takes the step's present.* outputs. */
  update(out: Record<string, Tensor>, batch: number, newLen: number): Promise<void>;
  selectRows(rows: readonly number[]): Promise<void>;
  reset(): void;
  release(): Promise<void>;
}

/** The whole cache as the session's own output tensors (GPU buffers on WebGPU), fed back as they are. */
class DeviceKvStore implements KvStore {
  private past: Record<string, Tensor> | null = null;
  private rowGather: InferenceSession | null = null;

  constructor(
    private readonly ort: OrtApi,
    private readonly cfg: LmConfig,
    private readonly ep: ExecutionProvider,
  ) {}

  static sessionOptions(cfg: LmConfig, ep: ExecutionProvider): InferenceSession.SessionOptions {
    if (ep !== 'webgpu') return {};
    return { preferredOutputLocation: Object.fromEntries(cacheNames(cfg, presentName).map((n) => [n, 'gpu-buffer' as const])) };
  }

  feeds(mask: BigInt64Array, batch: number) {
    const { cfg } = this;
    const empty = () => new this.ort.Tensor('float32', new Float32Array(0), [batch, cfg.numKvHeads, 0, cfg.headDim]);
    const past = Object.fromEntries(cacheNames(cfg, pastName).map((n) => [n, this.past?.[n] ?? empty()]));
    return { past, mask, width: mask.length / batch };
  }

  async update(out: Record<string, Tensor>): Promise<void> {
    this.dispose();
    this.past = this.cacheFrom(out);
  }

  async selectRows(rows: readonly number[]): Promise<void> {
    if (!this.past) throw new Error('selectRows: no cache yet (prefill first)');
    this.rowGather ??= await createSession(this.ort, buildRowGather(this.cfg), this.ep, DeviceKvStore.sessionOptions(this.cfg, this.ep));
    const out = await this.rowGather.run({ ...this.past, rows: new this.ort.Tensor('int64', BigInt64Array.from(rows, BigInt), [rows.length]) });
    await this.update(out);
  }

  reset(): void {
    this.dispose();
  }

  async release(): Promise<void> {
    this.dispose();
    await this.rowGather?.release();
  }

  private cacheFrom(out: Record<string, Tensor>): Record<string, Tensor> {
    const past: Record<string, Tensor> = {};
    for (let l = 0; l < this.cfg.numLayers; l++) for (const kind of ['key', 'value'] as const) past[pastName(l, kind)] = out[presentName(l, kind)];
    return past;
  }

  private dispose(): void {
    if (this.past) for (const t of Object.values(this.past)) if (t.location === 'gpu-buffer') t.dispose();
    this.past = null;
  }
}

/** The cache in host arrays; the graph hands back only each step's keys and values. */
class HostKvStore implements KvStore {
  private readonly cache: HostKvCache;

  constructor(
    private readonly ort: OrtApi,
    private readonly cfg: LmConfig,
  ) {
    this.cache = new HostKvCache(2 * cfg.numLayers, cfg.numKvHeads, cfg.headDim);
  }

  feeds(mask: BigInt64Array, batch: number, newLen: number) {
    const { data, dims } = this.cache.pastFeeds();
    if (data[0].length && dims[0] !== batch) throw new Error(`DecoderSession: a step of ${batch} rows on a cache of ${dims[0]}`);
    const shape = [batch, dims[1], dims[2], dims[3]];
    const past = Object.fromEntries(cacheNames(this.cfg, pastName).map((n, i) => [n, new this.ort.Tensor('float32', data[i], shape)]));
    const widened = this.cache.widenMask(mask, batch, newLen);
    return { past, mask: widened, width: widened.length / batch };
  }

  async update(out: Record<string, Tensor>, batch: number, newLen: number): Promise<void> {
    this.cache.append(await Promise.all(cacheNames(this.cfg, presentName).map((n) => readFloats(out[n]))), batch, newLen);
  }

  async selectRows(rows: readonly number[]): Promise<void> {
    if (this.cache.length === 0) throw new Error('selectRows: no cache yet (prefill first)');
    this.cache.selectRows(rows);
  }

  reset(): void {
    this.cache.reset();
  }

  async release(): Promise<void> {
    this.cache.reset();
  }
}

export class DecoderSession implements LmStepper {
  private constructor(
    private readonly ort: OrtApi,
    private readonly session: InferenceSession,
    private readonly cfg: LmConfig,
    private readonly kv: KvStore,
    private readonly weightFeeds: Record<string, Tensor>,
  ) {}

  /**
   * Compiles the sampling graph (last-position logits), the weights placed as
   * inferenceWeights says for the EP. `cacheOutputs` overrides where the cache
   * is kept (tests compare the two ways on one EP).
   */
  static async create(ort: OrtApi, cfg: LmConfig, weights: Map<string, Float32Array>, ep: ExecutionProvider, cacheOutputs?: CacheOutputs): Promise<DecoderSession> {
    const outputs = cacheOutputs ?? (ep === 'webgpu' ? 'all' : 'new');
    const fed = inferenceWeights(ep) === 'inputs';
    const model = buildDecoderGraph(cfg, fed ? undefined : weights, { lastTokenOnly: true, cacheOutputs: outputs, external: true });
    const session = await createSession(ort, model, ep, outputs === 'all' ? DeviceKvStore.sessionOptions(cfg, ep) : {});
    const kv = outputs === 'all' ? new DeviceKvStore(ort, cfg, ep) : new HostKvStore(ort, cfg);
    return new DecoderSession(ort, session, cfg, kv, fed ? weightFeeds(ort, cfg, weights) : {});
  }

  get vocabSize(): number {
    return this.cfg.vocabSize;
  }

  reset(): void {
    this.kv.reset();
  }

  async step(ids: BigInt64Array, positions: BigInt64Array, mask: BigInt64Array, batch: number, newLen: number, totalLen: number): Promise<Float32Array> {
    const { ort } = this;
    if (mask.length !== batch * totalLen) throw new Error(`DecoderSession: mask has ${mask.length} entries, expected ${batch} × ${totalLen}`);
    const kv = this.kv.feeds(mask, batch, newLen);
    const out = await this.session.run({
      ...this.weightFeeds,
      input_ids: new ort.Tensor('int64', ids, [batch, newLen]),
      position_ids: new ort.Tensor('int64', positions, [batch, newLen]),
      attention_mask: new ort.Tensor('int64', kv.mask, [batch, kv.width]),
      ...kv.past,
    });
    await this.kv.update(out, batch, newLen);
    return readFloats(out.logits);
  }

  selectRows(rows: readonly number[]): Promise<void> {
    return this.kv.selectRows(rows);
  }

  async release(): Promise<void> {
    await this.kv.release();
    await this.session.release();
  }
}
