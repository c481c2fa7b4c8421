// Verifier accuracy of a model on built-in task prompts: generate, decode,
// verify. Used by the model build script, the eval stage and the tests.
import { generate, type LmStepper, type Sample } from '../sample/generate';
import type { SamplingParams } from '../sample/logits';
import { gradeResponse, taskKind, type TaskKind } from './builtin';
import type { PromptCodec } from '../model/codec';

export interface Accuracy {
  correct: number;
  total: number;
  accuracy: number;
  /** Mean grade (gradeResponse): the share of items right on the graded task; equal to accuracy elsewhere. */
  grade: number;
  byKind: Record<TaskKind, { correct: number; total: number }>;
}

export interface EvaluationOptions {
  sampling: SamplingParams;
  seed: number;
  maxNewTokens: number;
  maxBatchRows?: number;
  /** Responses per prompt (default 1); the accuracy is then over every response, each prompt weighing the same. */
  samplesPerPrompt?: number;
  onProgress?: (done: number, total: number) => void;
}

export function scoreResponses(prompts: readonly string[], responses: readonly string[]): Accuracy {
  const byKind: Accuracy['byKind'] = {
    arithmetic: { correct: 0, total: 0 }, harmful: { correct: 0, total: 0 }, benign: { correct: 0, total: 0 }, 'add-each': { correct: 0, total: 0 },
  };
  let correct = 0;
  let grades = 0;
  prompts.forEach((p, i) => {
    const kind = taskKind(p);
    if (!kind) throw new Error(`evaluate: prompt ${i} is not from the built-in task`);
    const grade = gradeResponse(p, responses[i])!;
    const ok = grade === 1;
    grades += grade;
    byKind[kind].total++;
    if (ok) {
      byKind[kind].correct++;
      correct++;
    }
  });
  return { correct, total: prompts.length, accuracy: prompts.length ? correct / prompts.length : 0, grade: prompts.length ? grades / prompts.length : 0, byKind };
}

export async function evaluatePrompts(stepper: LmStepper, codec: PromptCodec, prompts: readonly string[], opts: EvaluationOptions): Promise<{ accuracy: Accuracy; samples: Sample[] }> {
  const samples = await generate(stepper, prompts.map((p) => codec.encodePrompt(p)), {
    samplesPerPrompt: opts.samplesPerPrompt ?? 1,
    maxNewTokens: opts.maxNewTokens,
    sampling: opts.sampling,
    seed: opts.seed,
    eosTokenIds: codec.eosTokenIds,
    padTokenId: codec.padTokenId,
    maxBatchRows: opts.maxBatchRows ?? 128,
    onProgress: (p) => opts.onProgress?.(p.promptsDone, p.promptsTotal),
  });
  const responses = samples.map((s) => codec.decode(s.tokens));
  return { accuracy: scoreResponses(samples.map((s) => prompts[s.promptIndex]), responses), samples };
}
