// The one debug entry point: loaded only with ?debug (main.tsx imports it on
// demand, so it is its own chunk), for scripted checks — e2e specs and benches —
// that need the store or a worker call no panel makes.
import { useLab } from './store';
import { embedClient, lmClient } from './store/workers';
import type { WorkerClient } from './worker-client';
import type { Backend, GenerateBenchmarkRequest, LmDebugRequests, SampleRequest } from './protocol';

/** The same LM worker, typed for the requests only scripted checks send. */
const lmDebug = () => lmClient() as unknown as WorkerClient<LmDebugRequests>;

export const debugApi = {
  /** One sampling request as sent, outside the dataset flow. */
  sample: (request: SampleRequest) => lmClient().call('sample', request).promise,
  /** The loaded LM's next-token logits after a text, for logit-level checks against a reference. */
  nextTokenLogits: (text: string, backend: Backend) => lmDebug().call('next-token-logits', { text, backend }).promise,
  /** Unit vectors [texts, dimensions] from the embedding worker (cached there by text). */
  embedTexts: (texts: string[], backend: Backend) => embedClient().call('embed', { texts, backend }).promise,
  /** Our sampler vs transformers.js generate() on the loaded model (bench/sample). */
  generateBenchmark: (request: GenerateBenchmarkRequest) => lmDebug().call('generate-benchmark', request).promise,
};

declare global {
  interface Window {
    /** The store, for scripted checks. */
    lab?: typeof useLab;
    labDebug?: typeof debugApi;
  }
}

window.lab = useLab;
window.labDebug = debugApi;
