// How the lab turns prompts and responses into a loaded LM's token ids: the
// chat template when the tokenizer has one, and the end-of-turn token after a
// response — what sampling, evaluation and DPO training all must agree on.
import type { LoadedLm } from './load';
import type { ChatMessage } from './tokenizer';

/** A prompt as text (the chat template wraps it as one user turn) or as chat messages. */
export type PromptInput = string | ChatMessage[];

export interface PromptCodec {
  /** Token ids of the prompt as the model sees it (chat template applied, generation prompt added). */
  encodePrompt(prompt: PromptInput): number[];
  /** Token ids of a response as the model would generate it, ending with its end-of-turn token. */
  encodeResponse(text: string): number[];
  decode(ids: number[]): string;
  eosTokenIds: number[];
  padTokenId: number;
}

export function lmCodec(lm: Pick<LoadedLm, 'tokenizer' | 'eosTokenIds' | 'padTokenId'>): PromptCodec {
  const { tokenizer } = lm;
  const endOfTurn = tokenizer.eosTokenId ?? lm.eosTokenIds[0];
  return {
    encodePrompt: (prompt) => {
      const messages = typeof prompt === 'string' ? [{ role: 'user' as const, content: prompt }] : prompt;
      if (tokenizer.hasChatTemplate) return tokenizer.encode(tokenizer.chatPrompt(messages));
      return tokenizer.encode(messages.map((m) => m.content).join('\n'), true);
    },
    encodeResponse: (text) => [...tokenizer.encode(text), endOfTurn],
    decode: (ids) => tokenizer.decode(ids),
    eosTokenIds: lm.eosTokenIds,
    padTokenId: lm.padTokenId,
  };
}
