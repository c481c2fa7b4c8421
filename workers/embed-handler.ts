// The embedding worker's routing (queueing, cancel and errors are request-runner.ts's).
import type { EmbedRequests, FromWorker, ToWorker } from '../src/protocol';
import { createEngineHandler, type Engine } from './request-runner';

export type EmbedEngine = Engine<EmbedRequests>;

export function createEmbedHandler(engine: EmbedEngine, post: (reply: FromWorker<EmbedRequests>) => void): (msg: ToWorker<EmbedRequests>) => Promise<void> {
  return createEngineHandler(engine, post);
}
