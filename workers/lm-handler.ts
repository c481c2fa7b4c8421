// The LM worker's routing: typed requests to the engine, progress back;
// queueing, cancel and errors are request-runner.ts's.
// One at a time matters here: ORT's backend initialisation must not run twice at once.
import type { FromWorker, LmRequests, ToWorker } from '../src/protocol';
import { createHandler } from './request-runner';

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

export function createLmHandler(engine: LmEngine, post: (reply: FromWorker<LmRequests>) => void): (msg: ToWorker<LmRequests>) => Promise<void> {
  return createHandler<LmRequests>(post, async (msg, progress) => {
    const { id } = msg;
    switch (msg.kind) {
      case 'probe-backends': {
        const result = await engine.probeBackends(msg.payload.seed, progress((stage: string) => post({ type: 'progress', id, kind: msg.kind, progress: { stage } })));
        post({ type: 'result', id, kind: msg.kind, result });
        break;
      }
      case 'engine-check': {
        const onStep = progress((p: { step: number; loss: number }) => post({ type: 'progress', id, kind: msg.kind, progress: p }));
        const result = await engine.engineCheck(msg.payload, (step, loss) => onStep({ step, loss }));
        post({ type: 'result', id, kind: msg.kind, result });
        break;
      }
      case 'op-coverage':
        post({ type: 'result', id, kind: msg.kind, result: await engine.opCoverage(msg.payload) });
        break;
      case 'load-lm': {
        const result = await engine.loadLm(msg.payload, progress((p) => post({ type: 'progress', id, kind: msg.kind, progress: p })));
        post({ type: 'result', id, kind: msg.kind, result });
        break;
      }
      case 'sample': {
        const result = await engine.sample(msg.payload, progress((p) => post({ type: 'progress', id, kind: msg.kind, progress: p })));
        post({ type: 'result', id, kind: msg.kind, result });
        break;
      }
      case 'generate-benchmark':
        post({ type: 'result', id, kind: msg.kind, result: await engine.generateBenchmark(msg.payload) });
        break;
    }
  });
}
