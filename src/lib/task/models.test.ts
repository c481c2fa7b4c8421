// The shipped default LM still does what its model card says.
import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { loadLm } from '../model/load';
import { DecoderSession } from '../model/decoder-session';
import { evaluatePrompts } from './evaluate';
import { lmCodec } from '../model/codec';

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
});
