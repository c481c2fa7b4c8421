import { describe, expect, it } from 'vitest';
import { bytesToUnicode, tokenizerJson, trainBpe } from './bpe-train';
import { LmTokenizer } from './tokenizer';

const CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const SPECIAL = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
const corpus = [
  'Tom has 3 apples and buys 4 more. How many apples does Tom have now?',
  'He has 3 + 4 = 7 apples. The answer is 7.',
  'The quick brown fox jumps over the lazy dog. Les élèves ont 12 crayons.',
];

describe('byte-level BPE through @huggingface/transformers', () => {
  const bpe = trainBpe(corpus, 400, SPECIAL);
  const tok = LmTokenizer.fromJson(tokenizerJson(bpe, SPECIAL), {
    eos_token: '<|im_end|>', pad_token: '<|endoftext|>', chat_template: CHATML, clean_up_tokenization_spaces: false,
  });

  it('bytes_to_unicode is a bijection onto 256 printable characters', () => {
    expect(new Set(bytesToUnicode()).size).toBe(256);
  });

  it('learns merges that shorten the corpus and round-trips any text, including unseen bytes', () => {
    expect(bpe.merges.length).toBeGreaterThan(20);
    const text = corpus[0];
    expect(tok.encode(text).length).toBeLessThan(0.8 * new TextEncoder().encode(text).length);
    for (const t of [...corpus, 'unseen: ∑ 日本 🙂 tabs\tand\nnewlines']) expect(tok.decode(tok.encode(t))).toBe(t);
  });

  it('renders the chat template and knows its special tokens', () => {
    const prompt = tok.chatPrompt([{ role: 'user', content: 'Hi' }]);
    expect(prompt).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    const ids = tok.encode(prompt);
    expect(ids[0]).toBe(1); // <|im_start|> is one token
    expect(tok.eosTokenId).toBe(2);
    expect(tok.padTokenId).toBe(0);
    expect(tok.decode(ids, true)).toBe('user\nHi\nassistant\n');
  });
});
