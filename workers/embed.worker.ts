/// <reference lib="webworker" />
// ort-web first: it sets ORT's wasm location before transformers.js loads.
import { configureOrtWeb } from './ort-web';
import { createEmbedHandler } from './embed-handler';
import { Embedder } from './embedder';
import type { EmbedRequests, ToWorker } from '../src/protocol';

if (!self.name?.startsWith('em-pthread')) {
  configureOrtWeb();
  let embedder: Embedder | null = null;
  const handle = createEmbedHandler(
    {
      'load-embedder': async (p, onProgress) => {
        // A local path, not a full URL: transformers.js probes optional files (the tokenizer) only on local paths.
        const next = await Embedder.load(p.source, p.backend, onProgress);
        await embedder?.release();
        embedder = next;
        return next.info;
      },
      embed: async (p, onProgress) => {
        if (!embedder) throw new Error('no embedding model is loaded');
        return embedder.embed(p.texts, onProgress);
      },
    },
    (reply) => self.postMessage(reply),
  );
  self.onmessage = (e: MessageEvent<ToWorker<EmbedRequests>>) => void handle(e.data);
}
