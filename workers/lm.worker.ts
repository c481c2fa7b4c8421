/// <reference lib="webworker" />
// ort-web first: it sets ORT's wasm location before transformers.js loads.
import { configureOrtWeb, guardWebGpu, useWebGpuAdapter } from './ort-web';
import { createLmHandler } from './lm-handler';
import { probeBackends, describeWebGpu } from './backend-probe';
import { engineCheck, opCoverage } from './engine-check';
import { installOrtLogTap } from './ort-log';
import { LmModelState } from './lm-model';
import { DpoTraining } from './dpo-training';
import { hubPlan } from './hub-plan';
import type { LmWorkerRequests, ToWorker } from '../src/protocol';
import type { StageTimings } from '../src/lib/backend-choice';

// ORT's wasm thread workers re-run this chunk; only the real worker handles messages.
if (!self.name?.startsWith('em-pthread')) {
  installOrtLogTap();
  const { ort, threads } = configureOrtWeb();
  const model = new LmModelState(ort, guardWebGpu);
  const training = new DpoTraining(ort, model);
  const handle = createLmHandler(
    {
      'probe-backends': (p, onProgress) => probeBackends({ ort, threads, webgpu: describeWebGpu, useAdapter: useWebGpuAdapter }, p.seed, (stage) => onProgress({ stage })),
      'engine-check': (p, onProgress) => engineCheck(ort, p.backend, p.steps, p.seed, p.lr, (step, loss) => onProgress({ step, loss })),
      'op-coverage': (p) => opCoverage(ort, p.backend),
      'hub-plan': (p) => hubPlan(p.id, p.host),
      'load-lm': async (p, onProgress) => {
        const info = await model.load(p, onProgress);
        training.forget();
        return info;
      },
      sample: (p, onProgress) => model.sample(p, onProgress),
      'prompt-lengths': async (p) => ({ lengths: p.prompts.map((x) => model.encodePrompt(x).length), contextLength: model.loaded().config.maxPositions }),
      'time-backends': async (p, onProgress) => {
        const timings: StageTimings = { webgpu: null, wasm: null };
        for (const backend of p.backends) {
          onProgress({ backend });
          try {
            timings[backend] = p.stage === 'sample'
              ? { ok: true, perSecond: await model.samplingThroughput(backend, p.samplesPerPrompt, p.newTokens), unit: 'tokens' }
              : { ok: true, perSecond: await training.trainingThroughput(backend, p.config, p.records), unit: 'tokens' };
          } catch (e) {
            timings[backend] = { ok: false, reason: e instanceof Error ? e.message : String(e) };
          }
        }
        return timings;
      },
      // Scripted checks only (LmDebugRequests): their code loads in its own chunk, never for the app.
      'next-token-logits': async (p) => (await import('./lm-debug')).nextTokenLogits(model, p.text, p.backend),
      'generate-benchmark': async (p) => (await import('./lm-debug')).generateBenchmark(model, p),
      'train-dpo': (p, onProgress) => training.train(p, onProgress),
      evaluate: (p, onProgress) => training.evaluate(p, onProgress),
      'experiment-cell': (p, onProgress) => training.experimentCell(p, onProgress),
      'candidate-log-probs': (p, onProgress) => training.candidateLogProbs(p, onProgress),
      'export-model': (p) => training.exportModel(p),
      'list-checkpoints': () => training.list(),
      'delete-checkpoint': (p) => training.remove(p.runId),
    },
    (reply) => self.postMessage(reply),
  );
  self.onmessage = (e: MessageEvent<ToWorker<LmWorkerRequests>>) => void handle(e.data);
}
