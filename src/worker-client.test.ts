// The page side of the worker protocol against a fake Worker that answers as the real handlers do
// (workers/request-runner.ts): replies are matched by id whatever their order, progress reaches only its own call,
// cancel sends the request's id, a failed start or a stopped worker fails every pending call.
import { describe, expect, it } from 'vitest';
import { WorkerClient, WorkerError } from './worker-client';
import type { FromWorker, LmRequests, ToWorker } from './protocol';

class FakeWorker {
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  readonly sent: ToWorker<LmRequests>[] = [];
  terminated = false;
  postMessage(msg: ToWorker<LmRequests>): void {
    this.sent.push(msg);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(msg: FromWorker<LmRequests>): void {
    this.onmessage?.({ data: msg } as MessageEvent);
  }
}

const client = () => {
  const worker = new FakeWorker();
  return { worker, lm: new WorkerClient<LmRequests>(worker as unknown as Worker) };
};

describe('WorkerClient', () => {
  it('numbers requests and settles each by its id, whatever order the replies come in', async () => {
    const { worker, lm } = client();
    const a = lm.call('prompt-lengths', { prompts: ['a'] });
    const b = lm.call('list-checkpoints', {});
    expect(worker.sent.map((m) => (m.type === 'request' ? [m.id, m.kind] : null))).toEqual([[1, 'prompt-lengths'], [2, 'list-checkpoints']]);
    worker.reply({ type: 'result', id: 2, kind: 'list-checkpoints', result: [] });
    worker.reply({ type: 'result', id: 1, kind: 'prompt-lengths', result: { lengths: [3], contextLength: 512 } });
    expect(await a.promise).toEqual({ lengths: [3], contextLength: 512 });
    expect(await b.promise).toEqual([]);
  });

  it('hands progress only to its own call, then the result', async () => {
    const { worker, lm } = client();
    const seen: unknown[] = [];
    const other: unknown[] = [];
    const payload = {} as LmRequests['evaluate']['payload'];
    const a = lm.call('evaluate', payload, (p) => seen.push(p));
    lm.call('evaluate', payload, (p) => other.push(p));
    const result = { runId: null, greedy: 0.5, sampled: null, taskPrompts: 2, rewardAccuracy: null, rewardMargin: null, pairs: 0 };
    worker.reply({ type: 'progress', id: 1, kind: 'evaluate', progress: { stage: 'greedy', done: 1, total: 2 } });
    worker.reply({ type: 'progress', id: 1, kind: 'evaluate', progress: { stage: 'greedy', done: 2, total: 2 } });
    worker.reply({ type: 'result', id: 1, kind: 'evaluate', result });
    expect(await a.promise).toEqual(result);
    expect(seen).toEqual([{ stage: 'greedy', done: 1, total: 2 }, { stage: 'greedy', done: 2, total: 2 }]);
    expect(other).toEqual([]);
    // A late reply for a settled call is ignored.
    worker.reply({ type: 'progress', id: 1, kind: 'evaluate', progress: { stage: 'greedy', done: 3, total: 2 } });
    expect(seen).toHaveLength(2);
  });

  it("cancel sends the request's id; the worker's CancelledError rejects with its name", async () => {
    const { worker, lm } = client();
    const call = lm.call('list-checkpoints', {});
    call.cancel();
    expect(worker.sent.at(-1)).toEqual({ type: 'cancel', id: 1 });
    worker.reply({ type: 'error', id: 1, error: { name: 'CancelledError', message: 'cancelled' } });
    await expect(call.promise).rejects.toMatchObject({ name: 'CancelledError', message: 'cancelled' });
    await expect(call.promise).rejects.toBeInstanceOf(WorkerError);
  });

  it('a worker that fails to start, or is stopped, fails every pending call by name', async () => {
    const { worker, lm } = client();
    const a = lm.call('list-checkpoints', {});
    worker.onerror?.({ message: '' } as ErrorEvent);
    await expect(a.promise).rejects.toMatchObject({ name: 'WorkerLoadError', message: 'the worker failed to start' });
    const b = lm.call('list-checkpoints', {});
    lm.terminate();
    expect(worker.terminated).toBe(true);
    await expect(b.promise).rejects.toMatchObject({ name: 'WorkerStopped' });
  });
});
