// What every worker's message handler shares: requests run one at a time in
// arrival order (one device, one runtime), cancel reaches queued and running
// requests, and exceptions cross as {name, message}.
import { CancelledError, toErrorInfo, type FromWorker, type RequestSpecs } from '../src/protocol';

export interface RequestRunner {
  /** Queues work for request `id`; a throw becomes that request's error reply. */
  enqueue(id: number, work: () => Promise<void>): Promise<void>;
  cancel(id: number): void;
  /** Throws CancelledError when `id` was cancelled: call it at progress points. */
  checkCancel(id: number): void;
}

export function createRequestRunner<M extends RequestSpecs>(post: (reply: FromWorker<M>) => void): RequestRunner {
  const cancelled = new Set<number>();
  let queue = Promise.resolve();
  return {
    cancel: (id) => void cancelled.add(id),
    checkCancel: (id) => {
      if (cancelled.has(id)) throw new CancelledError();
    },
    enqueue(id, work) {
      queue = queue.then(async () => {
        try {
          if (cancelled.has(id)) throw new CancelledError();
          await work();
        } catch (e) {
          post({ type: 'error', id, error: toErrorInfo(e) });
        } finally {
          cancelled.delete(id);
        }
      });
      return queue;
    },
  };
}
