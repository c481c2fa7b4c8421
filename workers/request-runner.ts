// What every worker's message handler shares: requests run one at a time in
// arrival order (one device, one runtime), cancel reaches queued and running
// requests at their progress points, and exceptions cross as {name, message}.
// A worker supplies only its routing: request kind → engine call.
import { CancelledError, toErrorInfo, type FromWorker, type Request, type RequestSpecs, type ToWorker } from '../src/protocol';

/** Wraps a progress sender so that each report is also a cancellation point. */
export type ProgressPoint = <P>(send: (p: P) => void) => (p: P) => void;

export function createHandler<M extends RequestSpecs>(
  post: (reply: FromWorker<M>) => void,
  route: (msg: Request<M>, progress: ProgressPoint) => Promise<void>,
): (msg: ToWorker<M>) => Promise<void> {
  const cancelled = new Set<number>();
  let queue = Promise.resolve();
  return (msg) => {
    if (msg.type === 'cancel') {
      cancelled.add(msg.id);
      return Promise.resolve();
    }
    const { id } = msg;
    const progress: ProgressPoint = (send) => (p) => {
      if (cancelled.has(id)) throw new CancelledError();
      send(p);
    };
    queue = queue.then(async () => {
      try {
        if (cancelled.has(id)) throw new CancelledError();
        await route(msg, progress);
      } catch (e) {
        post({ type: 'error', id, error: toErrorInfo(e) });
      } finally {
        cancelled.delete(id);
      }
    });
    return queue;
  };
}

/** A worker's engine: one async function per request kind, reporting progress through its callback. */
export type Engine<M extends RequestSpecs> = {
  [K in keyof M]: (payload: M[K]['payload'], onProgress: (p: M[K]['progress']) => void) => Promise<M[K]['result']>;
};

/** Routes each request to the engine function of its kind; every progress report is a cancellation point. */
export function createEngineHandler<M extends RequestSpecs>(engine: Engine<M>, post: (reply: FromWorker<M>) => void): (msg: ToWorker<M>) => Promise<void> {
  return createHandler<M>(post, async (msg, progress) => {
    const { id, kind } = msg;
    // The mapped type ties payload, progress and result to the kind; TypeScript cannot follow that through an index.
    const run = engine[kind] as (payload: unknown, onProgress: (p: unknown) => void) => Promise<unknown>;
    const result = await run(msg.payload, progress((p: unknown) => post({ type: 'progress', id, kind, progress: p } as FromWorker<M>)));
    post({ type: 'result', id, kind, result } as FromWorker<M>);
  });
}
