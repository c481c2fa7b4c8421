// The embedding worker's routing (queueing, cancel and errors are request-runner.ts's).
import type { EmbedRequests, FromWorker, ToWorker } from '../src/protocol';
import { createHandler } from './request-runner';

export interface EmbedEngine {
  load(payload: EmbedRequests['load-embedder']['payload'], onProgress: (p: EmbedRequests['load-embedder']['progress']) => void): Promise<EmbedRequests['load-embedder']['result']>;
  embed(payload: EmbedRequests['embed']['payload'], onProgress: (p: EmbedRequests['embed']['progress']) => void): Promise<EmbedRequests['embed']['result']>;
}

export function createEmbedHandler(engine: EmbedEngine, post: (reply: FromWorker<EmbedRequests>) => void): (msg: ToWorker<EmbedRequests>) => Promise<void> {
  return createHandler<EmbedRequests>(post, async (msg, progress) => {
    const { id } = msg;
    switch (msg.kind) {
      case 'load-embedder': {
        const result = await engine.load(msg.payload, progress((p) => post({ type: 'progress', id, kind: msg.kind, progress: p })));
        post({ type: 'result', id, kind: msg.kind, result });
        break;
      }
      case 'embed': {
        const result = await engine.embed(msg.payload, progress((p) => post({ type: 'progress', id, kind: msg.kind, progress: p })));
        post({ type: 'result', id, kind: msg.kind, result });
        break;
      }
    }
  });
}
