// The LM's tokenizer and chat template, through @huggingface/transformers'
// PreTrainedTokenizer built from tokenizer.json + tokenizer_config.json, so
// Hub tokenizers, dropped folders and the shipped default load the same way.
import { PreTrainedTokenizer } from '@huggingface/transformers';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export class LmTokenizer {
  private constructor(private readonly tok: PreTrainedTokenizer) {}

  static fromJson(tokenizerJson: object, tokenizerConfig: object): LmTokenizer {
    return new LmTokenizer(new PreTrainedTokenizer(tokenizerJson, tokenizerConfig));
  }

  encode(text: string, addSpecialTokens = false): number[] {
    return this.tok.encode(text, { add_special_tokens: addSpecialTokens });
  }

  decode(ids: readonly number[], skipSpecialTokens = true): string {
    // transformers.js rejects an empty list; an immediate EOS is an empty response.
    return ids.length ? this.tok.decode([...ids], { skip_special_tokens: skipSpecialTokens }) : '';
  }

  get hasChatTemplate(): boolean {
    return this.tok.chat_template !== null;
  }

  /** The prompt text for a conversation, ending with the assistant turn's opening. */
  chatPrompt(messages: ChatMessage[]): string {
    const text = this.tok.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true });
    if (typeof text !== 'string') throw new Error('chat template did not render to text');
    return text;
  }

  get eosTokenId(): number | null {
    return this.tok.eos_token_id ?? null;
  }

  get padTokenId(): number | null {
    return this.tok.pad_token_id ?? null;
  }

  get vocabSize(): number {
    return Object.keys(this.tok.get_vocab()).length;
  }
}
