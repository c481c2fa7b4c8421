// bench/sample's browser half: our batched sampler and transformers.js
// generate() on the same model (its onnx/model.onnx export), same backend,
// same batch, in this worker.
import { AutoModelForCausalLM, env, Tensor } from '@huggingface/transformers';
import type { GenerateBenchmarkRequest, GenerateBenchmarkResult } from '../src/protocol';
import { ourTokensPerSecond, samplerRounds, transformersTokensPerSecond } from '../src/lib/sample/throughput';
import type { LmModelState } from './lm-model';

export async function generateBenchmark(model: LmModelState, req: GenerateBenchmarkRequest): Promise<GenerateBenchmarkResult> {
  const setup = { promptIds: model.encodePrompt(req.prompt), samplesPerPrompt: req.samplesPerPrompt, newTokens: req.newTokens, seed: 1 };
  const decoder = await model.decoder(req.backend);
  const { padTokenId } = model.loaded();
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.useBrowserCache = false;
  env.localModelPath = new URL(req.transformers.localModelPath, self.location.href).href;
  const theirs = await AutoModelForCausalLM.from_pretrained(req.transformers.modelId, { dtype: 'fp32', device: req.backend });
  try {
    const rounds = await samplerRounds(
      () => ourTokensPerSecond(decoder, setup, padTokenId),
      () => transformersTokensPerSecond(theirs, Tensor, setup),
      req.warmups, req.rounds,
    );
    return { backend: req.backend, promptTokens: setup.promptIds.length, ...rounds };
  } finally {
    await theirs.dispose();
  }
}
