// Prompts the model cannot take: its context holds the prompt (chat template
// included) and every new token. A longer prompt would sample past the
// position table (GPT-2's learned positions index out of range), so it is
// skipped or left-truncated (its start dropped, as TRL keeps a prompt's end).

export type LongPromptPolicy = 'skip' | 'truncate-left';

/** Prompt tokens that leave room for maxNewTokens in the context. */
export const promptBudget = (contextLength: number, maxNewTokens: number): number => Math.max(0, contextLength - maxNewTokens);

/** The prompt as it is sampled, or null when it is skipped. */
export function fitPrompt(ids: readonly number[], budget: number, policy: LongPromptPolicy): number[] | null {
  if (ids.length <= budget) return [...ids];
  return policy === 'skip' || budget === 0 ? null : ids.slice(ids.length - budget);
}
