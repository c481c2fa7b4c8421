// The UI side of the worker protocol: one call per request, resolved by id,
// with progress callbacks and cancel. One class for every worker, typed by its
// request map.
import { isProgressOf, isResultOf, type EmbedRequests, type FromWorker, type ImportRequests, type LmRequests, type RequestSpecs } from './protocol';

export interface Call<M extends RequestSpecs, K extends keyof M> {
  promise: Promise<M[K]['result']>;
  cancel(): void;
}

export class WorkerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class WorkerClient<M extends RequestSpecs> {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: FromWorker<M>) => void>();

  constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<FromWorker<M>>) => this.pending.get(e.data.id)?.(e.data);
    worker.onerror = (e: ErrorEvent) => {
      for (const [id, settle] of this.pending) settle({ type: 'error', id, error: { name: 'WorkerLoadError', message: e.message || 'the worker failed to start' } });
    };
  }

  call<K extends keyof M & string>(kind: K, payload: M[K]['payload'], onProgress?: (p: M[K]['progress']) => void): Call<M, K> {
    const id = this.nextId++;
    const promise = new Promise<M[K]['result']>((resolve, reject) => {
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

  /** Stops the worker; pending calls fail. */
  terminate(): void {
    this.worker.terminate();
    for (const [id, settle] of this.pending) settle({ type: 'error', id, error: { name: 'WorkerStopped', message: 'the worker was stopped' } });
  }
}

export type LmClient = WorkerClient<LmRequests>;
export type EmbedClient = WorkerClient<EmbedRequests>;
export type ImportClient = WorkerClient<ImportRequests>;
