// Trains a GPT-2-style byte-level BPE and writes it as a Hugging Face
// tokenizer.json, which @huggingface/transformers loads like any Hub tokenizer.
// The lab's default LM needs a vocabulary far smaller than GPT-2's 50k; no
// library in the stack trains one, so this is ours (the app only loads it).

/** GPT-2's reversible byte → printable-character map (bytes_to_unicode). */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) map[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  return map;
}

/** GPT-2's pre-tokenizer pattern (what ByteLevel with use_regex applies). */
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export interface TrainedBpe {
  vocab: Record<string, number>;
  merges: string[];
}

/** Learns merges until the vocabulary (256 bytes + merges + specials) reaches `vocabSize`. */
export function trainBpe(texts: Iterable<string>, vocabSize: number, specialTokens: string[]): TrainedBpe {
  const byteChar = bytesToUnicode();
  const encoder = new TextEncoder();
  const wordCounts = new Map<string, number>();
  for (const text of texts) {
    for (const piece of text.match(GPT2_SPLIT) ?? []) {
      const mapped = Array.from(encoder.encode(piece), (b) => byteChar[b]).join('');
      wordCounts.set(mapped, (wordCounts.get(mapped) ?? 0) + 1);
    }
  }
  const words = [...wordCounts].map(([w, count]) => ({ symbols: Array.from(w), count }));

  const vocab: Record<string, number> = {};
  for (const s of specialTokens) vocab[s] = Object.keys(vocab).length;
  for (const c of byteChar) vocab[c] = Object.keys(vocab).length;
  const merges: string[] = [];

  while (Object.keys(vocab).length < vocabSize) {
    const pairs = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i + 1 < w.symbols.length; i++) {
        const key = `${w.symbols[i]} ${w.symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + w.count);
      }
    }
    let best: string | null = null;
    let bestCount = 1; // a pair seen once teaches nothing
    for (const [k, c] of pairs) if (c > bestCount || (c === bestCount && best !== null && k < best)) [best, bestCount] = [k, c];
    if (best === null) break;
    const [a, b] = best.split(' ');
    const merged = a + b;
    merges.push(best);
    vocab[merged] = Object.keys(vocab).length;
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.symbols.length; i++) {
        if (i + 1 < w.symbols.length && w.symbols[i] === a && w.symbols[i + 1] === b) {
          out.push(merged);
          i++;
        } else out.push(w.symbols[i]);
      }
      w.symbols = out;
    }
  }
  return { vocab, merges };
}

/** The tokenizer.json document (tokenizers' serialization format, version 1.0). */
export function tokenizerJson(bpe: TrainedBpe, specialTokens: string[]): Record<string, unknown> {
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialTokens.map((content) => ({
      id: bpe.vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: bpe.vocab, merges: bpe.merges,
    },
  };
}
