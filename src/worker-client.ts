// The UI side of the worker protocol: one call per request, resolved by id,
// with progress callbacks and cancel.
import { isProgressOf, isResultOf, type FromWorker, type LmKind, type LmRequests } from './protocol';

export interface Call<K extends LmKind> {
  promise: Promise<LmRequests[K]['result']>;
  cancel(): void;
}

export class WorkerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class LmClient {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: FromWorker) => void>();

  constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.pending.get(e.data.id)?.(e.data);
    worker.onerror = (e: ErrorEvent) => {
      const error: FromWorker = { type: 'error', id: 0, error: { name: 'WorkerLoadError', message: e.message || 'the worker failed to start' } };
      for (const [id, settle] of this.pending) settle({ ...error, id });
    };
  }

  call<K extends LmKind>(kind: K, payload: LmRequests[K]['payload'], onProgress?: (p: LmRequests[K]['progress']) => void): Call<K> {
    const id = this.nextId++;
    const promise = new Promise<LmRequests[K]['result']>((resolve, reject) => {
      this.pending.set(id, (reply) => {
        if (isProgressOf(reply, kind)) {
          onProgress?.(reply.progress);
          return;
        }
        this.pending.delete(id);
        if (isResultOf(reply, kind)) resolve(reply.result);
        else if (reply.type === 'error') reject(new WorkerError(reply.error.name, reply.error.message));
      });
    });
    this.worker.postMessage({ type: 'request', id, kind, payload });
    return { promise, cancel: () => this.worker.postMessage({ type: 'cancel', id }) };
  }
}
