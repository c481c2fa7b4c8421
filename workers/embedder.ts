// Sentence embeddings through @huggingface/transformers' feature-extraction
// pipeline (the model's own pooling, normalised), cached by text so each distinct text is
// embedded once per model: in memory, and in IndexedDB so a reload keeps them.
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import type { Backend, EmbedderInfo, EmbedderSource } from '../src/protocol';
import { hubFileUrl, parseRepoId } from '../src/lib/model/hub';
import { poolingFromConfig, resolvePooling, type PoolingSetting } from '../src/lib/model/pooling';

const BATCH = 32;
const DB = 'self-contrast-embeddings';
const STORE = 'vectors';

/** Persistent cache: key = model source, backend and text → Float32Array. */
class VectorStore {
  private db: Promise<IDBDatabase | null>;

  constructor() {
    this.db = new Promise((resolve) => {
      if (typeof indexedDB === 'undefined') return resolve(null);
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(null); // no persistence (private mode): memory cache only
    });
  }

  async getMany(keys: string[]): Promise<(Float32Array | undefined)[]> {
    const db = await this.db;
    if (!db || !keys.length) return keys.map(() => undefined);
    const store = db.transaction(STORE, 'readonly').objectStore(STORE);
    return Promise.all(keys.map((k) => new Promise<Float32Array | undefined>((resolve) => {
      const req = store.get(k);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(undefined);
    })));
  }

  async putMany(entries: [string, Float32Array][]): Promise<void> {
    const db = await this.db;
    if (!db || !entries.length) return;
    const tx = db.transaction(STORE, 'readwrite');
    for (const [k, v] of entries) tx.objectStore(STORE).put(v, k);
    await new Promise<void>((resolve) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => resolve();
    });
  }
}

const vectorStore = new VectorStore();

/** A batch like the lab's samples (short answers of varied length): what the backends are timed on. */
export const THROUGHPUT_TEXTS = Array.from({ length: 32 }, (_, i) =>
  [`The answer is ${i * 7 + 3}.`, `First add ${i} and ${i + 5}, which gives ${2 * i + 5}; then subtract 4 to get ${2 * i + 1}.`, `I can't help with that request, but here is a safer alternative to consider instead.`][i % 3]);

const DROPPED_PATH = '__dropped-encoder__';

/** A read-only stand-in for the Web Cache that transformers.js consults before fetching: the dropped files by path. */
function droppedFilesCache(files: File[], modelId: string): { match(key: string): Promise<Response | undefined>; put(): Promise<void> } {
  // Paths inside the folder: "my-encoder/onnx/model.onnx" → "onnx/model.onnx".
  const byPath = new Map(files.map((f) => [(f.webkitRelativePath || f.name).split('/').slice(f.webkitRelativePath ? 1 : 0).join('/'), f]));
  return {
    match: async (key) => {
      const at = key.indexOf(`${modelId}/`);
      if (at < 0) return undefined;
      const file = byPath.get(key.slice(at + modelId.length + 1));
      return file ? new Response(file, { headers: { 'content-length': String(file.size) } }) : undefined;
    },
    put: async () => {},
  };
}

/** sentence-transformers' pooling config beside the model, if it has one. */
async function readPoolingConfig(source: EmbedderSource): Promise<unknown> {
  const file = '1_Pooling/config.json';
  try {
    if (source.kind === 'files') {
      const f = source.files.find((x) => (x.webkitRelativePath || x.name).endsWith(file));
      return f ? JSON.parse(await f.text()) : null;
    }
    const url = source.kind === 'local' ? `${source.localModelPath}${source.modelId}/${file}` : hubFileUrl(parseRepoId(source.id, source.host), file);
    const response = await fetch(url);
    return response.ok ? await response.json() : null;
  } catch {
    return null; // absent or not JSON: the model states no pooling
  }
}

export class Embedder {
  private readonly cache = new Map<string, Float32Array>();

  private constructor(
    private readonly extractor: FeatureExtractionPipeline,
    readonly info: EmbedderInfo,
  ) {}

  static async load(source: EmbedderSource, backend: Backend, poolingSetting: PoolingSetting, onProgress: (p: { file: string; loaded: number; total: number | null }) => void): Promise<Embedder> {
    let modelId: string;
    let revision = 'main';
    let label: string;
    env.useCustomCache = false;
    if (source.kind === 'files') {
      // A dropped folder: transformers.js asks its cache first, so the cache answers from the files.
      // The path sits under /models/, where the lab's server answers 404 for anything not dropped.
      env.allowLocalModels = true;
      env.allowRemoteModels = false;
      env.useBrowserCache = false;
      env.useCustomCache = true;
      env.customCache = droppedFilesCache(source.files, DROPPED_PATH);
      env.localModelPath = '/models/';
      modelId = DROPPED_PATH;
      label = source.files.length ? `${source.files[0].webkitRelativePath.split('/')[0] || 'dropped files'}/` : 'dropped files';
    } else if (source.kind === 'local') {
      // The shipped default, served by the lab: no download cache needed.
      env.allowLocalModels = true;
      env.allowRemoteModels = false;
      env.useBrowserCache = false;
      env.localModelPath = source.localModelPath;
      modelId = source.modelId;
      label = `${source.localModelPath}${source.modelId}`;
    } else {
      // A Hub repository in transformers.js layout, from the configured host only; cached by URL (revision included).
      const repo = parseRepoId(source.id, source.host);
      env.allowLocalModels = false;
      env.allowRemoteModels = true;
      env.useBrowserCache = true;
      env.remoteHost = `${repo.host}/`;
      env.remotePathTemplate = '{model}/resolve/{revision}/';
      modelId = repo.repo;
      revision = repo.revision;
      label = `${repo.host}/${repo.repo}@${repo.revision}`;
    }
    const extractor = await pipeline('feature-extraction', modelId, {
      revision,
      device: backend,
      dtype: 'fp32',
      progress_callback: (p) => {
        if (p.status === 'progress') onProgress({ file: p.file, loaded: p.loaded, total: p.total || null });
      },
    });
    const { pooling, source: poolingSource } = resolvePooling(poolingSetting, poolingFromConfig(await readPoolingConfig(source)));
    const probe = await extractor(['dimension probe'], { pooling, normalize: true });
    const dimensions = probe.dims[1];
    return new Embedder(extractor, { source: label, backend, dimensions, pooling, poolingSource });
  }

  /** Unit vectors for the texts, row-major; `computed` counts the texts found in neither cache. */
  async embed(texts: readonly string[], onProgress: (p: { done: number; total: number }) => void): Promise<{ vectors: Float32Array; dimensions: number; computed: number }> {
    const { dimensions, source, backend, pooling } = this.info;
    // Keyed by backend too: vectors agree across backends only to float tolerance.
    const key = (t: string) => `${source}\u0000${backend}\u0000${pooling}\u0000${t}`;
    const unseen = [...new Set(texts.filter((t) => !this.cache.has(t)))];
    const stored = await vectorStore.getMany(unseen.map(key));
    unseen.forEach((t, i) => stored[i] && this.cache.set(t, stored[i]!));
    const missing = unseen.filter((_, i) => !stored[i]);
    for (let i = 0; i < missing.length; i += BATCH) {
      const batch = missing.slice(i, i + BATCH);
      const out = await this.extractor(batch, { pooling, normalize: true });
      const data = out.data as Float32Array;
      const fresh = batch.map((t, r): [string, Float32Array] => [t, data.slice(r * dimensions, (r + 1) * dimensions)]);
      for (const [t, v] of fresh) this.cache.set(t, v);
      await vectorStore.putMany(fresh.map(([t, v]) => [key(t), v]));
      onProgress({ done: Math.min(i + BATCH, missing.length), total: missing.length });
    }
    const vectors = new Float32Array(texts.length * dimensions);
    texts.forEach((t, r) => vectors.set(this.cache.get(t)!, r * dimensions));
    return { vectors, dimensions, computed: missing.length };
  }

  /** Texts per second of the encoder alone (no caches): what the backend choice compares. */
  async throughput(texts: string[]): Promise<number> {
    const { pooling } = this.info;
    await this.extractor(texts.slice(0, 2), { pooling, normalize: true });
    const t0 = performance.now();
    await this.extractor(texts, { pooling, normalize: true });
    return texts.length / ((performance.now() - t0) / 1000);
  }

  async release(): Promise<void> {
    await this.extractor.dispose();
  }
}
