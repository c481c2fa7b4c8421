import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { generate, type LmStepper } from './generate';
import { PAPER_SAMPLING } from './logits';
import { parseConfig } from '../model/config';
import { randomWeights, TINY_CONFIGS } from '../model/random-init';
import { DecoderSession } from '../model/decoder-session';
import { buildLogProbGraph } from '../model/graphs';

/** A stepper whose next-token logits depend only on the last token fed: token t → t + 1 (mod V). */
class CountingStepper implements LmStepper {
  readonly vocabSize = 10;
  reset(): void {}
  async selectRows(): Promise<void> {}
  async step(ids: BigInt64Array, _p: BigInt64Array, _m: BigInt64Array, batch: number, newLen: number): Promise<Float32Array> {
    const out = new Float32Array(batch * this.vocabSize).fill(-30);
    for (let b = 0; b < batch; b++) out[b * this.vocabSize + ((Number(ids[b * newLen + newLen - 1]) + 1) % this.vocabSize)] = 30;
    return out;
  }
}

describe('generate (logic)', () => {
  it('stops a row at EOS without the EOS token, pads it, and lets the others run', async () => {
    const samples = await generate(new CountingStepper(), [[3], [6, 7]], {
      samplesPerPrompt: 2, maxNewTokens: 4, sampling: { temperature: 0, topP: 1, topK: 0 }, seed: 1, eosTokenIds: [9], padTokenId: 0,
    });
    const byPrompt = (p: number) => samples.filter((s) => s.promptIndex === p);
    for (const s of byPrompt(0)) expect(s).toMatchObject({ tokens: [4, 5, 6, 7], finish: 'length' });
    for (const s of byPrompt(1)) expect(s).toMatchObject({ tokens: [8], finish: 'eos' });
  });

  it('draws per (seed, prompt index, sample): chunks that name their prompts draw what one request draws', async () => {
    /** Flat logits: every token equally likely, so the draws are the RNG streams themselves. */
    const flat: LmStepper = { vocabSize: 50, reset() {}, async selectRows() {}, async step(_i, _p, _m, batch) { return new Float32Array(batch * 50); } };
    const prompts = [[1], [2], [3], [4], [5]];
    const opts = { samplesPerPrompt: 3, maxNewTokens: 6, sampling: { temperature: 1, topP: 1, topK: 0 }, seed: 7, eosTokenIds: [], padTokenId: 0 };
    const whole = await generate(flat, prompts, opts);
    const chunks = [...(await generate(flat, prompts.slice(0, 2), opts)), ...(await generate(flat, prompts.slice(2), { ...opts, promptIndices: [2, 3, 4] })).map((s) => ({ ...s, promptIndex: s.promptIndex + 2 }))];
    expect(chunks.map((s) => s.tokens)).toEqual(whole.map((s) => s.tokens));
    // Without the indices a chunk's first prompt reuses prompt 0's streams.
    const unnamed = await generate(flat, prompts.slice(2), opts);
    expect(unnamed[0].tokens).toEqual(whole[0].tokens);
  });

  it('cuts at stop strings', async () => {
    const samples = await generate(new CountingStepper(), [[0]], {
      samplesPerPrompt: 1, maxNewTokens: 8, sampling: { temperature: 0, topP: 1, topK: 0 }, seed: 1, eosTokenIds: [], padTokenId: 0,
      stop: { strings: ['34'], decode: (ids) => ids.join('') },
    });
    expect(samples[0]).toMatchObject({ tokens: [1, 2, 3, 4], text: '12', finish: 'stop' });
  });

  it('cancels when the progress callback throws', async () => {
    let calls = 0;
    const run = generate(new CountingStepper(), [[0]], {
      samplesPerPrompt: 1, maxNewTokens: 8, sampling: PAPER_SAMPLING, seed: 1, eosTokenIds: [], padTokenId: 0,
      onProgress: () => {
        if (++calls === 3) throw new Error('cancelled');
      },
    });
    await expect(run).rejects.toThrow('cancelled');
    expect(calls).toBe(3);
  });
});

describe('generate on the tiny Llama graph (onnxruntime-node)', () => {
  const cfg = parseConfig(TINY_CONFIGS.llama);
  const weights = randomWeights(cfg, 5, 0.3);
  const prompts = [[1, 7, 8, 9, 10, 11], [1, 3], [1, 20, 21, 22]];
  const opts = { samplesPerPrompt: 4, maxNewTokens: 10, sampling: PAPER_SAMPLING, seed: 42, eosTokenIds: [2], padTokenId: 0 };

  it('same seed ⇒ same samples, whatever the batching; another seed differs', async () => {
    const session = await DecoderSession.create(ort, cfg, weights, 'cpu');
    const together = await generate(session, prompts, opts);
    const oneByOne = await generate(session, prompts, { ...opts, maxBatchRows: 4 });
    expect(oneByOne.map((s) => s.tokens)).toEqual(together.map((s) => s.tokens));
    const other = await generate(session, prompts, { ...opts, seed: 43 });
    expect(other.map((s) => s.tokens)).not.toEqual(together.map((s) => s.tokens));
    await session.release();
  });

  it('the host-kept cache and the graph-returned cache sample the same tokens and log-probs', async () => {
    // 30 new tokens cross the host cache's growth steps; finished rows are compacted away.
    const long = { ...opts, maxNewTokens: 30 };
    const results = [];
    for (const cacheOutputs of ['new', 'all'] as const) {
      const session = await DecoderSession.create(ort, cfg, weights, 'cpu', cacheOutputs);
      results.push(await generate(session, prompts, long));
      await session.release();
    }
    const [host, device] = results;
    expect(host.map((s) => s.tokens)).toEqual(device.map((s) => s.tokens));
    host.forEach((s, i) => expect(s.logprob).toBeCloseTo(device[i].logprob, 4));
    expect(host.some((s) => s.finish === 'eos') && host.some((s) => s.tokens.length > 20)).toBe(true);
  });

  it('a left-padded ragged batch samples exactly what each prompt alone samples', async () => {
    const session = await DecoderSession.create(ort, cfg, weights, 'cpu');
    const greedy = { ...opts, sampling: { temperature: 0, topP: 1, topK: 0 }, samplesPerPrompt: 1 };
    const batched = await generate(session, prompts, greedy);
    for (let p = 0; p < prompts.length; p++) {
      const alone = await generate(session, [prompts[p]], greedy);
      expect(batched[p].tokens).toEqual(alone[0].tokens);
      expect(batched[p].logprob).toBeCloseTo(alone[0].logprob, 4);
    }
    await session.release();
  });

  it("each sample's log-prob equals the log-prob graph's score of the same sequence", async () => {
    const session = await DecoderSession.create(ort, cfg, weights, 'cpu');
    const samples = await generate(session, prompts, opts);
    await session.release();
    const scorer = await ort.InferenceSession.create(buildLogProbGraph(cfg, weights).bytes);
    for (const s of samples) {
      const prompt = prompts[s.promptIndex];
      const response = s.finish === 'eos' ? [...s.tokens, 2] : s.tokens;
      const seq = [...prompt, ...response];
      const L = seq.length;
      const out = await scorer.run({
        input_ids: new ort.Tensor('int64', BigInt64Array.from(seq, BigInt), [1, L]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(L).fill(1n), [1, L]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from(seq, (_, i) => BigInt(i)), [1, L]),
        loss_mask: new ort.Tensor('float32', Float32Array.from(seq, (_, i) => (i >= prompt.length ? 1 : 0)), [1, L]),
      });
      expect((out.logp_sum.data as Float32Array)[0]).toBeCloseTo(s.logprob, 3);
    }
  });
});
