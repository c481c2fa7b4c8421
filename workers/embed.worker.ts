/// <reference lib="webworker" />
// ort-web first: it sets ORT's wasm location before transformers.js loads.
import { configureOrtWeb, guardWebGpu } from './ort-web';
import { createEmbedHandler } from './embed-handler';
import { Embedder, THROUGHPUT_TEXTS } from './embedder';
import { isResultOf, type Backend, type EmbedderSource, type EmbedRequests, type ToWorker } from '../src/protocol';
import type { StageTimings } from '../src/lib/backend-choice';
import type { PoolingSetting } from '../src/lib/model/pooling';

if (!self.name?.startsWith('em-pthread')) {
  configureOrtWeb();
  // The loaded encoder, one instance per backend it has run on (each compiled on first use).
  let source: EmbedderSource | null = null;
  let pooling: PoolingSetting = 'auto';
  const byBackend = new Map<Backend, Embedder>();
  const on = async (backend: Backend): Promise<Embedder> => {
    if (!source) throw new Error('no embedding model is loaded');
    let e = byBackend.get(backend);
    if (!e) {
      e = await Embedder.load(source, backend, pooling, () => {});
      byBackend.set(backend, e);
    }
    return e;
  };
  const handle = createEmbedHandler(
    {
      'load-embedder': async (p, onProgress) => {
        // A local path, not a full URL: transformers.js probes optional files (the tokenizer) only on local paths.
        const next = await Embedder.load(p.source, p.backend, p.pooling, onProgress);
        for (const e of byBackend.values()) await e.release();
        byBackend.clear();
        byBackend.set(p.backend, next);
        source = p.source;
        pooling = p.pooling;
        return next.info;
      },
      embed: async (p, onProgress) => {
        const work = (await on(p.backend)).embed(p.texts, onProgress);
        return p.backend === 'webgpu' ? guardWebGpu(work) : work;
      },
      'time-backends': async (p, onProgress) => {
        const timings: StageTimings = { webgpu: null, wasm: null };
        for (const backend of p.backends) {
          onProgress({ backend });
          try {
            timings[backend] = { ok: true, perSecond: await (await on(backend)).throughput(THROUGHPUT_TEXTS.slice(0, p.texts)), unit: 'texts' };
          } catch (e) {
            timings[backend] = { ok: false, reason: e instanceof Error ? e.message : String(e) };
          }
        }
        return timings;
      },
    },
    // Vectors are a fresh array per request: moved to the page, not copied.
    (reply) => self.postMessage(reply, isResultOf(reply, 'embed') ? [reply.result.vectors.buffer] : []),
  );
  self.onmessage = (e: MessageEvent<ToWorker<EmbedRequests>>) => void handle(e.data);
}
