// The DPO reference scores a pass one prompt's rows a run, padded to the pass's
// length (dpo-run.ts): that is exact only if a row's log-probs do not depend on
// the rows beside it. Checked at widths where MLAS blocks its matrix products
// (hidden 576, SmolLM2's), with rows of different lengths and the vocabulary in
// slices as a checkpointed run has it.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { parseConfig } from './config';
import { randomWeights, TINY_CONFIGS } from './random-init';
import { SequenceScorer } from './sequence-scorer';
import { createRng } from '../random';
import { longest } from '../train/batches';

const cfg = parseConfig({
  ...TINY_CONFIGS.llama, vocab_size: 3000, hidden_size: 576, intermediate_size: 1536, num_attention_heads: 9, num_key_value_heads: 3, tie_word_embeddings: true,
});

describe('SequenceScorer', () => {
  it("scores each row bit for bit the same alone, in small runs or in one batch of the pass's length", async () => {
    const rng = createRng(3);
    const ids = (n: number) => Array.from({ length: n }, () => 3 + Math.floor(rng() * 2990));
    const rows = Array.from({ length: 12 }, (_, i) => ({ prompt: ids(5 + (i % 4)), response: ids(3 + ((5 * i) % 11)) }));
    const length = longest(rows);
    for (const vocabChunks of [1, 3]) {
      const scorer = await SequenceScorer.create(ort, cfg, randomWeights(cfg, 7), 'cpu', 0, { trainingForm: true, vocabChunks });
      const whole = await scorer.score(rows, { rowsPerRun: rows.length, length });
      for (const rowsPerRun of [1, 4]) {
        const parts = await scorer.score(rows, { rowsPerRun, length });
        expect([...parts.sum].every((v, i) => Object.is(v, whole.sum[i])), `${rowsPerRun} rows a run, ${vocabChunks} slices`).toBe(true);
        expect(parts.count).toEqual(whole.count);
      }
      await scorer.release();
    }
  });

  it('refuses a length shorter than a row', async () => {
    const scorer = await SequenceScorer.create(ort, cfg, randomWeights(cfg, 7), 'cpu', 0, { trainingForm: true });
    await expect(scorer.score([{ prompt: [3, 4, 5], response: [6, 7] }], { length: 4 })).rejects.toThrow(/5 tokens does not fit a batch of 4/);
    await scorer.release();
  });
});
