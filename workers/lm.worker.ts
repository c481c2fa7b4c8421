/// <reference lib="webworker" />
// ort-web first: it sets ORT's wasm location before transformers.js loads.
import { configureOrtWeb, useWebGpuAdapter } from './ort-web';
import { createLmHandler } from './lm-handler';
import { probeBackends, describeWebGpu } from './backend-probe';
import { engineCheck, opCoverage } from './engine-check';
import { installOrtLogTap } from './ort-log';
import { LmModelState } from './lm-model';
import { generateBenchmark } from './generate-benchmark';
import type { LmRequests, ToWorker } from '../src/protocol';

// ORT's wasm thread workers re-run this chunk; only the real worker handles messages.
if (!self.name?.startsWith('em-pthread')) {
  installOrtLogTap();
  const { ort, threads } = configureOrtWeb();
  const model = new LmModelState(ort);
  const handle = createLmHandler(
    {
      probeBackends: (seed, onStage) => probeBackends({ ort, threads, webgpu: describeWebGpu, useAdapter: useWebGpuAdapter }, seed, onStage),
      engineCheck: (p, onStep) => engineCheck(ort, p.backend, p.steps, p.seed, p.lr, onStep),
      opCoverage: (p) => opCoverage(ort, p.backend),
      loadLm: (p, onProgress) => model.load(new URL(p.baseUrl, self.location.href).href, onProgress),
      sample: (p, onProgress) => model.sample(p, onProgress),
      generateBenchmark: (p) => generateBenchmark(model, p),
    },
    (reply) => self.postMessage(reply),
  );
  self.onmessage = (e: MessageEvent<ToWorker<LmRequests>>) => void handle(e.data);
}
