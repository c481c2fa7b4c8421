// What the diagnosis scripts (reward-picks, layout-shift, error-credit, self-chosen) share: one cell's world rebuilt
// from a compare:negatives run's cache files — the LM, the pool slice with its samples, similarities and verdicts,
// and the evaluation prompts with the SFT model's probe samples — chosen by the same environment variables as that run.
import { readFileSync } from 'node:fs';
import { loadDefaultLm, readSplit, type TaskName } from '../src/lib/task/node-lab.testutil';
import { scoredSamples } from '../src/lib/contrast/pipeline';
import { poolSampling } from '../src/lib/experiments/grid';
import { verify } from '../src/lib/task/builtin';

/** The script's environment: a value, its default, or an error that points at the script's header. */
export const scriptEnv = (script: string) => (key: string, fallback?: string): string => {
  const v = process.env[key] ?? fallback;
  if (v === undefined) throw new Error(`set ${key} (see the header of scripts/${script}.ts)`);
  return v;
};

const cached = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { samples: string[][]; similarity: number[] };

/** TASK: the built-in task (default) or the graded add-each task, as the run's. */
const taskOf = (env: ReturnType<typeof scriptEnv>) => env('TASK', 'builtin') as TaskName;

/** LM, POOL_SPLIT, POOL, POOL_CACHE: the model and the pool slice as the run sampled, embedded and the verifier judged it. */
export async function cachedPool(env: ReturnType<typeof scriptEnv>) {
  const lm = await loadDefaultLm(env('LM', '.cache/lm-plateau'));
  const rows = readSplit(env('POOL_SPLIT', 'sft-train') as 'sft-train' | 'pool', taskOf(env)).slice(0, Number(env('POOL', '1000'))).map((r) => ({ prompt: r.prompt, target: r.completion }));
  const { samples, similarity } = cached(env('POOL_CACHE'));
  const verdicts = samples.map((texts, p) => texts.map((t) => verify(rows[p].prompt, t) === true));
  const sampling = poolSampling(rows, scoredSamples(rows, samples, Float32Array.from(similarity)), (p, j) => verdicts[p][j]);
  return { lm, rows, samples, verdicts, sampling };
}

/** SPLIT, EVAL: the evaluation prompts. */
export const evaluationPrompts = (env: ReturnType<typeof scriptEnv>): string[] =>
  readSplit(env('SPLIT', 'validation') as 'validation' | 'test', taskOf(env)).slice(0, Number(env('EVAL', '1000'))).map((r) => r.prompt);

/** PAIRS_CACHE: the SFT model's k samples per evaluation prompt (SELF_PAIRS); a run's first prompts keep theirs under a smaller EVAL. */
export const probeSamples = (env: ReturnType<typeof scriptEnv>): string[][] => cached(env('PAIRS_CACHE')).samples.slice(0, Number(env('EVAL', '1000')));
