// The built-in task's splits as the app serves them (public/builtin/, written by
// the model build): the pool a person starts from in one click, the held-out
// test prompts every evaluation scores.
const BASE = '/builtin/';

async function served(name: string): Promise<Response> {
  const r = await fetch(`${BASE}${name}`);
  if (!r.ok) throw new Error(`${BASE}${name}: HTTP ${r.status}`);
  return r;
}

let testPrompts: Promise<string[]> | null = null;

/** The held-out test split's prompts, in file order. */
export function builtinTestPrompts(): Promise<string[]> {
  testPrompts ??= served('test.jsonl')
    .then((r) => r.text())
    .then((t) => t.trim().split('\n').map((l) => (JSON.parse(l) as { prompt: string }).prompt))
    .catch((e: unknown) => {
      testPrompts = null;
      throw e;
    });
  return testPrompts;
}

export const BUILTIN_POOL_FILE = 'builtin-task-pool.jsonl';

/** The Self-Contrast pool split (prompt, completion = the SFT target, kind) as a file the importer reads like any other. */
export async function builtinPoolFile(): Promise<File> {
  return new File([await (await served('pool.jsonl')).blob()], BUILTIN_POOL_FILE, { type: 'application/jsonl' });
}
