import { describe, expect, it } from 'vitest';
import { createLmHandler, type LmEngine } from './lm-handler';
import type { BackendReport, FromWorker, LmWorkerRequests } from '../src/protocol';

const report: BackendReport = {
  webgpu: { backend: 'webgpu', ok: false, reason: 'none here' },
  wasm: { backend: 'wasm', ok: true, ms: 1, output: [1], detail: '1 thread(s)' },
  maxAbsDiff: null,
  chosen: 'wasm',
  wasmThreads: 1,
  crossOriginIsolated: false,
  adapter: { available: false, fallback: false, description: 'none here' },
};

const notCalled = async (): Promise<never> => {
  throw new Error('not called in this test');
};

function harness(parts: Partial<LmEngine>) {
  const engine: LmEngine = {
    'probe-backends': notCalled, 'hub-plan': notCalled, 'engine-check': notCalled, 'op-coverage': notCalled, 'load-lm': notCalled, sample: notCalled, 'next-token-logits': notCalled, 'generate-benchmark': notCalled,
    'train-dpo': notCalled, evaluate: notCalled, 'experiment-cell': notCalled, 'candidate-log-probs': notCalled, 'export-model': notCalled, 'list-checkpoints': notCalled, 'delete-checkpoint': notCalled, 'time-backends': notCalled, 'prompt-lengths': notCalled, ...parts,
  };
  const replies: FromWorker<LmWorkerRequests>[] = [];
  return { replies, handle: createLmHandler(engine, (r) => replies.push(r)) };
}

describe('LM worker handler', () => {
  it('streams progress, then the result, tagged with the request id and kind', async () => {
    const { replies, handle } = harness({
      'probe-backends': async (_payload, onProgress) => {
        onProgress({ stage: 'wasm' });
        onProgress({ stage: 'webgpu' });
        return report;
      },
    });
    await handle({ type: 'request', id: 7, kind: 'probe-backends', payload: { seed: 1 } });
    expect(replies).toEqual([
      { type: 'progress', id: 7, kind: 'probe-backends', progress: { stage: 'wasm' } },
      { type: 'progress', id: 7, kind: 'probe-backends', progress: { stage: 'webgpu' } },
      { type: 'result', id: 7, kind: 'probe-backends', result: report },
    ]);
  });

  it('turns an engine exception into {name, message}', async () => {
    const { replies, handle } = harness({
      'probe-backends': async () => {
        throw new RangeError('bad seed');
      },
    });
    await handle({ type: 'request', id: 3, kind: 'probe-backends', payload: { seed: -1 } });
    expect(replies).toEqual([{ type: 'error', id: 3, error: { name: 'RangeError', message: 'bad seed' } }]);
  });

  it('cancels at the next progress point', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { replies, handle } = harness({
      'probe-backends': async (_payload, onProgress) => {
        await gate;
        onProgress({ stage: 'webgpu' });
        return report;
      },
    });
    const running = handle({ type: 'request', id: 9, kind: 'probe-backends', payload: { seed: 1 } });
    await handle({ type: 'cancel', id: 9 });
    release();
    await running;
    expect(replies).toEqual([{ type: 'error', id: 9, error: { name: 'CancelledError', message: 'cancelled' } }]);
  });

  it('runs requests one at a time, in order', async () => {
    const log: string[] = [];
    const { handle } = harness({
      'probe-backends': async ({ seed }) => {
        log.push(`start ${seed}`);
        await new Promise((r) => setTimeout(r, 5));
        log.push(`end ${seed}`);
        return report;
      },
    });
    await Promise.all([
      handle({ type: 'request', id: 1, kind: 'probe-backends', payload: { seed: 1 } }),
      handle({ type: 'request', id: 2, kind: 'probe-backends', payload: { seed: 2 } }),
    ]);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('cancels a queued request before it starts', async () => {
    const { replies, handle } = harness({ 'probe-backends': async () => report });
    const first = handle({ type: 'request', id: 1, kind: 'probe-backends', payload: { seed: 1 } });
    const second = handle({ type: 'request', id: 2, kind: 'probe-backends', payload: { seed: 1 } });
    await handle({ type: 'cancel', id: 2 });
    await Promise.all([first, second]);
    expect(replies.filter((r) => r.id === 2)).toEqual([{ type: 'error', id: 2, error: { name: 'CancelledError', message: 'cancelled' } }]);
  });
});
