// Sentence embeddings through @huggingface/transformers' feature-extraction
// pipeline (mean pooling, normalised), cached by text so each distinct text is
// embedded once per model.
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import type { Backend, EmbedderInfo } from '../src/protocol';

const BATCH = 32;

export class Embedder {
  private readonly cache = new Map<string, Float32Array>();

  private constructor(
    private readonly extractor: FeatureExtractionPipeline,
    readonly info: EmbedderInfo,
  ) {}

  static async load(localModelPath: string, modelId: string, backend: Backend, onProgress: (p: { file: string; loaded: number; total: number | null }) => void): Promise<Embedder> {
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.useBrowserCache = false;
    env.localModelPath = localModelPath;
    const extractor = await pipeline('feature-extraction', modelId, {
      device: backend,
      dtype: 'fp32',
      progress_callback: (p) => {
        if (p.status === 'progress') onProgress({ file: p.file, loaded: p.loaded, total: p.total || null });
      },
    });
    const probe = await extractor(['dimension probe'], { pooling: 'mean', normalize: true });
    const dimensions = probe.dims[1];
    return new Embedder(extractor, { source: `${localModelPath}${modelId}`, backend, dimensions });
  }

  /** Unit vectors for the texts, row-major; `computed` counts the texts not found in the cache. */
  async embed(texts: readonly string[], onProgress: (p: { done: number; total: number }) => void): Promise<{ vectors: Float32Array; dimensions: number; computed: number }> {
    const { dimensions } = this.info;
    const missing = [...new Set(texts.filter((t) => !this.cache.has(t)))];
    for (let i = 0; i < missing.length; i += BATCH) {
      const batch = missing.slice(i, i + BATCH);
      const out = await this.extractor(batch, { pooling: 'mean', normalize: true });
      const data = out.data as Float32Array;
      batch.forEach((t, r) => this.cache.set(t, data.slice(r * dimensions, (r + 1) * dimensions)));
      onProgress({ done: Math.min(i + BATCH, missing.length), total: missing.length });
    }
    const vectors = new Float32Array(texts.length * dimensions);
    texts.forEach((t, r) => vectors.set(this.cache.get(t)!, r * dimensions));
    return { vectors, dimensions, computed: missing.length };
  }

  async release(): Promise<void> {
    await this.extractor.dispose();
  }
}
