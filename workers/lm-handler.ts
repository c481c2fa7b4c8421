// The LM worker's message handler: routes typed requests to the engine, reports
// progress, turns exceptions into {name, message}, and honours cancel.
// Requests run one at a time: they share one ORT runtime and one device, and
// ORT's backend initialisation must not run twice concurrently.
import { CancelledError, toErrorInfo, type FromWorker, type LmRequest, type LmRequests, type ToWorker } from '../src/protocol';

export interface LmEngine {
  probeBackends(seed: number, onStage: (stage: string) => void): Promise<LmRequests['probe-backends']['result']>;
  engineCheck(
    payload: LmRequests['engine-check']['payload'],
    onStep: (step: number, loss: number) => void,
  ): Promise<LmRequests['engine-check']['result']>;
  opCoverage(payload: LmRequests['op-coverage']['payload']): Promise<LmRequests['op-coverage']['result']>;
  loadLm(payload: LmRequests['load-lm']['payload'], onProgress: (p: LmRequests['load-lm']['progress']) => void): Promise<LmRequests['load-lm']['result']>;
  sample(payload: LmRequests['sample']['payload'], onProgress: (p: LmRequests['sample']['progress']) => void): Promise<LmRequests['sample']['result']>;
  generateBenchmark(payload: LmRequests['generate-benchmark']['payload']): Promise<LmRequests['generate-benchmark']['result']>;
}

export function createLmHandler(engine: LmEngine, post: (reply: FromWorker) => void): (msg: ToWorker) => Promise<void> {
  const cancelled = new Set<number>();
  const checkCancel = (id: number): void => {
    if (cancelled.has(id)) throw new CancelledError();
  };

  const run = async (msg: LmRequest): Promise<void> => {
    const { id } = msg;
    if (cancelled.has(id)) {
      cancelled.delete(id);
      post({ type: 'error', id, error: toErrorInfo(new CancelledError()) });
      return;
    }
    try {
      switch (msg.kind) {
        case 'probe-backends': {
          const result = await engine.probeBackends(msg.payload.seed, (stage) => {
            checkCancel(id);
            post({ type: 'progress', id, kind: msg.kind, progress: { stage } });
          });
          post({ type: 'result', id, kind: msg.kind, result });
          break;
        }
        case 'engine-check': {
          const result = await engine.engineCheck(msg.payload, (step, loss) => {
            checkCancel(id);
            post({ type: 'progress', id, kind: msg.kind, progress: { step, loss } });
          });
          post({ type: 'result', id, kind: msg.kind, result });
          break;
        }
        case 'op-coverage': {
          post({ type: 'result', id, kind: msg.kind, result: await engine.opCoverage(msg.payload) });
          break;
        }
        case 'load-lm': {
          const result = await engine.loadLm(msg.payload, (progress) => {
            checkCancel(id);
            post({ type: 'progress', id, kind: msg.kind, progress });
          });
          post({ type: 'result', id, kind: msg.kind, result });
          break;
        }
        case 'generate-benchmark': {
          post({ type: 'result', id, kind: msg.kind, result: await engine.generateBenchmark(msg.payload) });
          break;
        }
        case 'sample': {
          const result = await engine.sample(msg.payload, (progress) => {
            checkCancel(id);
            post({ type: 'progress', id, kind: msg.kind, progress });
          });
          post({ type: 'result', id, kind: msg.kind, result });
          break;
        }
      }
    } catch (e) {
      post({ type: 'error', id, error: toErrorInfo(e) });
    } finally {
      cancelled.delete(id);
    }
  };

  let queue = Promise.resolve();
  return (msg) => {
    if (msg.type === 'cancel') {
      cancelled.add(msg.id);
      return Promise.resolve();
    }
    queue = queue.then(() => run(msg));
    return queue;
  };
}
