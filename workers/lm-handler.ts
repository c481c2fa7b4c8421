// The LM worker's message handler: routes typed requests to the engine, reports
// progress, turns exceptions into {name, message}, and honours cancel.
import { CancelledError, toErrorInfo, type FromWorker, type LmRequests, type ToWorker } from '../src/protocol';

export interface LmEngine {
  probeBackends(seed: number, onStage: (stage: string) => void): Promise<LmRequests['probe-backends']['result']>;
}

export function createLmHandler(engine: LmEngine, post: (reply: FromWorker) => void): (msg: ToWorker) => Promise<void> {
  const cancelled = new Set<number>();
  const checkCancel = (id: number): void => {
    if (cancelled.has(id)) throw new CancelledError();
  };

  return async (msg) => {
    if (msg.type === 'cancel') {
      cancelled.add(msg.id);
      return;
    }
    const { id } = msg;
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
      }
    } catch (e) {
      post({ type: 'error', id, error: toErrorInfo(e) });
    } finally {
      cancelled.delete(id);
    }
  };
}
