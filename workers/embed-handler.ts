// The embedding worker's message handler (queueing, cancel and errors are the request runner's).
import type { EmbedRequests, FromWorker, ToWorker } from '../src/protocol';
import { createRequestRunner } from './request-runner';

export interface EmbedEngine {
  load(payload: EmbedRequests['load-embedder']['payload'], onProgress: (p: EmbedRequests['load-embedder']['progress']) => void): Promise<EmbedRequests['load-embedder']['result']>;
  embed(payload: EmbedRequests['embed']['payload'], onProgress: (p: EmbedRequests['embed']['progress']) => void): Promise<EmbedRequests['embed']['result']>;
}

export function createEmbedHandler(engine: EmbedEngine, post: (reply: FromWorker<EmbedRequests>) => void): (msg: ToWorker<EmbedRequests>) => Promise<void> {
  const runner = createRequestRunner(post);
  return (msg) => {
    if (msg.type === 'cancel') {
      runner.cancel(msg.id);
      return Promise.resolve();
    }
    const { id } = msg;
    return runner.enqueue(id, async () => {
      switch (msg.kind) {
        case 'load-embedder': {
          const result = await engine.load(msg.payload, (p) => {
            runner.checkCancel(id);
            post({ type: 'progress', id, kind: msg.kind, progress: p });
          });
          post({ type: 'result', id, kind: msg.kind, result });
          break;
        }
        case 'embed': {
          const result = await engine.embed(msg.payload, (p) => {
            runner.checkCancel(id);
            post({ type: 'progress', id, kind: msg.kind, progress: p });
          });
          post({ type: 'result', id, kind: msg.kind, result });
          break;
        }
      }
    });
  };
}
