// The LM worker's routing: typed requests to the engine, progress back;
// queueing, cancel and errors are request-runner.ts's.
// One at a time matters here: ORT's backend initialisation must not run twice at once.
import type { FromWorker, LmWorkerRequests, ToWorker } from '../src/protocol';
import { createEngineHandler, type Engine } from './request-runner';

export type LmEngine = Engine<LmWorkerRequests>;

export function createLmHandler(engine: LmEngine, post: (reply: FromWorker<LmWorkerRequests>) => void): (msg: ToWorker<LmWorkerRequests>) => Promise<void> {
  return createEngineHandler(engine, post);
}
