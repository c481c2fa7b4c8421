// The LM worker's debug-only requests (LmDebugRequests), in their own chunk: loaded
// the first time a scripted check (src/debug.ts, with ?debug) asks, never by the app.
import type { Backend, GenerateBenchmarkRequest, GenerateBenchmarkResult } from '../src/protocol';
import type { LmModelState } from './lm-model';

/** The loaded model's next-token logits after a text (no chat template): what a logit-level check compares. */
export async function nextTokenLogits(model: LmModelState, text: string, backend: Backend): Promise<{ ids: number[]; logits: Float32Array }> {
  const lm = model.loaded();
  const ids = lm.tokenizer.encode(text);
  const decoder = await model.decoder(backend);
  decoder.reset();
  const T = ids.length;
  const logits = await decoder.step(BigInt64Array.from(ids, BigInt), BigInt64Array.from(ids, (_, t) => BigInt(t)), new BigInt64Array(T).fill(1n), 1, T, T);
  decoder.reset();
  return { ids, logits };
}

/** bench/sample's browser half (transformers.js' own LM loads in its own chunk). */
export async function generateBenchmark(model: LmModelState, req: GenerateBenchmarkRequest): Promise<GenerateBenchmarkResult> {
  return (await import('./generate-benchmark')).generateBenchmark(model, req);
}
