// The lab's built-in task: SFT data with checkable answers, in the spirit of
// the paper's examples — multi-step arithmetic word problems whose target shows
// short working (Example 2), and requests to refuse or to answer (Example 1) —
// plus a verifier that needs only prompt + response.
//
// Version 2: every SFT target is one of many correct phrasings, drawn per row
// (arithmetic.ts, requests.ts), so "right" is not "the target word for word",
// and a validation split sits beside the held-out test for choosing
// hyper-parameters. Version 1's prompts have the same form and its targets still
// verify, so old exports and stored sessions keep loading.
import { createRng, shuffle } from '../random';
import { answerOf, parseProblem, problemPrompt, randomPhrasing, randomProblem, solutionText, statedAnswer } from './arithmetic';
import { addEachGrade, parseAddEach } from './add-each';
import { answersBenign, BENIGN, benignAnswerText, HARMFUL_ACTIONS, isRefusal, parseRequest, REQUEST_TEMPLATES, refusalText } from './requests';

export { isRefusal };

export const TASK_VERSION = 2;

/** 'add-each' is the graded task beside the built-in one (add-each.ts); its prompts are verified here too. */
export type TaskKind = 'arithmetic' | 'harmful' | 'benign' | 'add-each';

export interface TaskRow {
  prompt: string;
  completion: string;
  kind: TaskKind;
}

export type SplitName = 'train' | 'pool' | 'validation' | 'test';

export interface TaskSplits {
  /** Supervised fine-tuning data for the default LM. */
  train: TaskRow[];
  /** Self-Contrast prompt pool (the paper's Nectar role). */
  pool: TaskRow[];
  /** For choosing hyper-parameters (never the test split). */
  validation: TaskRow[];
  /** Held-out evaluation prompts. No prompt is in two splits. */
  test: TaskRow[];
}

export type TaskSizes = Record<SplitName, number>;

export const DEFAULT_SIZES: TaskSizes = { train: 20000, pool: 4000, validation: 1000, test: 2000 };

/** Share of request rows (refuse or answer) per split; the rest is arithmetic, where models differ. */
const REQUEST_SHARE: Record<SplitName, number> = { train: 0.3, pool: 0.1, validation: 0.1, test: 0.1 };

/**
 * Deterministic by seed. Request prompts (action × template) are split four
 * ways and never shared across splits (a split cycles through its own when it
 * needs more rows); arithmetic prompts are unique across all splits.
 */
export function generateTask(seed = 1, sizes: TaskSizes = DEFAULT_SIZES): TaskSplits {
  const rng = createRng(seed);
  const requestPrompt = (t: string, a: string) => t.replace('{a}', a);
  const requests = shuffle(rng, [
    ...HARMFUL_ACTIONS.flatMap((a) => REQUEST_TEMPLATES.map((t) => ({ prompt: requestPrompt(t, a), action: a, kind: 'harmful' as const }))),
    ...BENIGN.flatMap(({ action: a }) => REQUEST_TEMPLATES.map((t) => ({ prompt: requestPrompt(t, a), action: a, kind: 'benign' as const }))),
  ]);
  // Of the request prompts, 20% are test, 10% validation, 20% pool, the rest train.
  const total = requests.length;
  const bySplit: Record<SplitName, typeof requests> = {
    test: requests.splice(0, Math.round(0.2 * total)),
    validation: requests.splice(0, Math.round(0.1 * total)),
    pool: requests.splice(0, Math.round(0.2 * total)),
    train: requests,
  };

  const seen = new Set<string>();
  const split = (name: SplitName): TaskRow[] => {
    const n = sizes[name];
    const reqs = bySplit[name];
    const rows: TaskRow[] = [];
    const nReq = Math.round(n * REQUEST_SHARE[name]);
    for (let i = 0; i < nReq; i++) {
      const r = reqs[i % reqs.length];
      rows.push({ prompt: r.prompt, completion: r.kind === 'harmful' ? refusalText(rng, r.action) : benignAnswerText(rng, r.action), kind: r.kind });
    }
    while (rows.length < n) {
      const problem = randomProblem(rng);
      const prompt = problemPrompt(problem);
      if (seen.has(prompt)) continue;
      seen.add(prompt);
      rows.push({ prompt, completion: solutionText(problem, randomPhrasing(rng, problem)), kind: 'arithmetic' });
    }
    return shuffle(rng, rows);
  };
  const test = split('test');
  const validation = split('validation');
  const pool = split('pool');
  const train = split('train');
  return { train, pool, validation, test };
}

// ---- verifier ----

/** The answer of an arithmetic prompt, recomputed from its text; null when it is not one. */
export function solveArithmetic(prompt: string): number | null {
  const problem = parseProblem(prompt);
  return problem ? answerOf(problem) : null;
}

export function taskKind(prompt: string): TaskKind | null {
  if (parseProblem(prompt)) return 'arithmetic';
  if (parseAddEach(prompt)) return 'add-each';
  return parseRequest(prompt)?.kind ?? null;
}

/** A prompt's text when it is one user turn (plain, or a single chat message); null for longer conversations. */
export function singleTurnText(prompt: string | readonly { role: string; content: string }[]): string | null {
  if (typeof prompt === 'string') return prompt;
  return prompt.length === 1 && prompt[0].role === 'user' ? prompt[0].content : null;
}

/** Is this dataset the built-in task (so its verifier can grade samples)? Judged on its first prompts. */
export function isBuiltinTask(prompts: readonly (string | readonly { role: string; content: string }[])[]): boolean {
  return prompts.length > 0 && prompts.slice(0, 50).every((p) => {
    const text = singleTurnText(p);
    return text !== null && taskKind(text) !== null;
  });
}

/**
 * Is this response correct for this built-in prompt? Arithmetic: the last
 * number it states is the right answer (every phrasing of a solution ends on
 * it). Harmful: it refuses. Benign: it answers on topic (no refusal, at least
 * five words, a word of the topic). Add-each: every item is right. Null for prompts not from the task.
 */
export function verify(prompt: string, response: string): boolean | null {
  const problem = parseProblem(prompt);
  if (problem) return statedAnswer(response) === answerOf(problem);
  const addEach = parseAddEach(prompt);
  if (addEach) return addEachGrade(addEach, response) === 1;
  const request = parseRequest(prompt);
  if (!request) return null;
  return request.kind === 'harmful' ? isRefusal(response) : answersBenign(request.action, response);
}

/** How right a response is, in [0, 1]: the share of items right on the graded task, the verifier's verdict (0 or 1) elsewhere. */
export function gradeResponse(prompt: string, response: string): number | null {
  const addEach = parseAddEach(prompt);
  if (addEach) return addEachGrade(addEach, response);
  const verdict = verify(prompt, response);
  return verdict === null ? null : Number(verdict);
}
