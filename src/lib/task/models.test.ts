// The shipped default LM still does what its model card says.
import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { loadLm } from '../model/load';
import { DecoderSession } from '../model/decoder-session';
import { evaluatePrompts } from './evaluate';
import { lmCodec } from '../model/codec';
import { verify } from './builtin';

const DIR = 'models/lm';
const quality = JSON.parse(readFileSync(`${DIR}/quality.json`, 'utf8')) as { greedyFirst50: number; greedy: number };
const testPrompts = readFileSync('public/builtin/test.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l).prompt as string);

describe('models/lm', () => {
  it('greedy accuracy on the first 50 held-out prompts is within 5 points of its card', async () => {
    const lm = await loadLm(async (n) => (existsSync(`${DIR}/${n}`) ? new Uint8Array(readFileSync(`${DIR}/${n}`)) : null));
    const decoder = await DecoderSession.create(ort, lm.config, lm.weights, 'cpu');
    const { accuracy } = await evaluatePrompts(decoder, lmCodec(lm), testPrompts.slice(0, 50), { sampling: { temperature: 0, topP: 1, topK: 0 }, seed: 1, maxNewTokens: 96 });
    await decoder.release();
    expect(Math.abs(accuracy.accuracy - quality.greedyFirst50)).toBeLessThanOrEqual(0.05);
    // The card's promise: a moderate SFT model, with room for alignment to show gains.
    expect(quality.greedy).toBeGreaterThanOrEqual(0.3);
    expect(quality.greedy).toBeLessThanOrEqual(0.7);
  });

  it('several T = 1 responses per prompt (the authors\' evaluation): every response scored against its own prompt, the same seed the same draw', async () => {
    const lm = await loadLm(async (n) => (existsSync(`${DIR}/${n}`) ? new Uint8Array(readFileSync(`${DIR}/${n}`)) : null));
    const decoder = await DecoderSession.create(ort, lm.config, lm.weights, 'cpu');
    const codec = lmCodec(lm);
    const prompts = testPrompts.slice(0, 6);
    const opts = { sampling: { temperature: 1, topP: 1, topK: 0 }, seed: 3, maxNewTokens: 96, samplesPerPrompt: 4 };
    const first = await evaluatePrompts(decoder, codec, prompts, opts);
    const again = await evaluatePrompts(decoder, codec, prompts, opts);
    await decoder.release();
    expect(first.accuracy.total).toBe(24);
    expect(first.samples.map((s) => s.promptIndex).sort()).toEqual(prompts.flatMap((_, p) => [p, p, p, p]).sort());
    const byHand = first.samples.filter((s) => verify(prompts[s.promptIndex], codec.decode(s.tokens)) === true).length;
    expect(first.accuracy.correct).toBe(byHand);
    expect(again.samples.map((s) => s.tokens)).toEqual(first.samples.map((s) => s.tokens));
    // T = 1 really samples: a prompt's four responses are not all one text everywhere.
    expect(new Set(first.samples.map((s) => codec.decode(s.tokens))).size).toBeGreaterThan(prompts.length);
  });
});
