/// <reference lib="webworker" />
import { createLmHandler } from './lm-handler';
import { probeBackends, describeWebGpu } from './backend-probe';
import { configureOrtWeb, useWebGpuAdapter } from './ort-web';
import { engineCheck, opCoverage } from './engine-check';
import { installOrtLogTap } from './ort-log';
import type { ToWorker } from '../src/protocol';

// ORT's wasm thread workers re-run this chunk; only the real worker handles messages.
if (!self.name?.startsWith('em-pthread')) {
  installOrtLogTap();
  const { ort, threads } = configureOrtWeb();
  const handle = createLmHandler(
    {
      probeBackends: (seed, onStage) => probeBackends({ ort, threads, webgpu: describeWebGpu, useAdapter: useWebGpuAdapter }, seed, onStage),
      engineCheck: (p, onStep) => engineCheck(ort, p.backend, p.steps, p.seed, p.lr, onStep),
      opCoverage: (p) => opCoverage(ort, p.backend),
    },
    (reply) => self.postMessage(reply),
  );
  self.onmessage = (e: MessageEvent<ToWorker>) => void handle(e.data);
}
