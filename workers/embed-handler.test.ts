import { describe, expect, it } from 'vitest';
import { createEmbedHandler } from './embed-handler';
import type { EmbedRequests, FromWorker } from '../src/protocol';

describe('embedding worker handler', () => {
  it('routes embed with progress and returns the vectors', async () => {
    const replies: FromWorker<EmbedRequests>[] = [];
    const handle = createEmbedHandler(
      {
        'load-embedder': async () => ({ source: '/models/embed', backend: 'wasm', dimensions: 2, pooling: 'mean', poolingSource: 'default' }),
        embed: async ({ texts }, onProgress) => {
          onProgress({ done: texts.length, total: texts.length });
          return { vectors: Float32Array.from([1, 0, 0, 1]), dimensions: 2, computed: 2 };
        },
        'time-backends': async () => ({ webgpu: null, wasm: { ok: true, perSecond: 100, unit: 'texts' } }),
      },
      (r) => replies.push(r),
    );
    await handle({ type: 'request', id: 4, kind: 'embed', payload: { texts: ['a', 'b'], backend: 'wasm' } });
    expect(replies).toEqual([
      { type: 'progress', id: 4, kind: 'embed', progress: { done: 2, total: 2 } },
      { type: 'result', id: 4, kind: 'embed', result: { vectors: Float32Array.from([1, 0, 0, 1]), dimensions: 2, computed: 2 } },
    ]);
  });

  it('reports a missing model as an error reply', async () => {
    const replies: FromWorker<EmbedRequests>[] = [];
    const handle = createEmbedHandler(
      { 'load-embedder': async () => { throw new Error('config.json is missing'); }, embed: async () => { throw new Error('unused'); }, 'time-backends': async () => { throw new Error('unused'); } },
      (r) => replies.push(r),
    );
    await handle({ type: 'request', id: 1, kind: 'load-embedder', payload: { source: { kind: 'local', localModelPath: '/models/', modelId: 'nope' }, backend: 'wasm', pooling: 'auto' } });
    expect(replies).toEqual([{ type: 'error', id: 1, error: { name: 'Error', message: 'config.json is missing' } }]);
  });
});
