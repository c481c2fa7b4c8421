// Tokenized preference groups — one prompt, the SFT target as chosen, M
// self-generated negatives as rejected — and the packed rows the DPO graph
// takes (rows b·(1+M) + k, k = 0 the chosen response).
import type { TokenizedPair } from './batches';
import { shuffle, type Rng } from '../random';
import type { PromptCodec } from '../model/codec';
import type { PreferenceRecord } from '../data/export';

export interface PreferenceGroup {
  prompt: number[];
  /** Response token ids, EOS included. */
  chosen: number[];
  rejected: number[][];
}

export function encodeRecord(codec: PromptCodec, r: PreferenceRecord): PreferenceGroup {
  return { prompt: codec.encodePrompt(r.prompt), chosen: codec.encodeResponse(r.chosen), rejected: r.rejected.map((t) => codec.encodeResponse(t)) };
}

/**
 * A (prompt, response) sequence cut to maxLength tokens: the response to the room
 * the prompt leaves; a prompt that leaves no room keeps its last maxLength/2
 * tokens (TRL's truncation_mode keep_end).
 */
export function cutPair(prompt: number[], response: number[], maxLength = Infinity): TokenizedPair {
  const maxPrompt = Math.floor(maxLength / 2);
  const kept = prompt.length > maxPrompt && prompt.length >= maxLength ? prompt.slice(prompt.length - maxPrompt) : prompt;
  return { prompt: kept, response: response.slice(0, Math.max(1, maxLength - kept.length)) };
}

/**
 * The group's 1 + m sequences, chosen first, each cut to maxLength tokens
 * (cutPair). A group with fewer than m negatives is padded with copies of the
 * chosen sequence that the row mask zeroes out.
 */
export function groupRows(g: PreferenceGroup, m: number, maxLength = Infinity): { rows: TokenizedPair[]; mask: number[] } {
  if (g.rejected.length === 0) throw new Error('preference group has no rejected response');
  const real = [g.chosen, ...g.rejected.slice(0, m)];
  const responses = [...real, ...Array.from({ length: 1 + m - real.length }, () => g.chosen)];
  return {
    rows: responses.map((response) => cutPair(g.prompt, response, maxLength)),
    mask: responses.map((_, k) => (k < real.length ? 1 : 0)),
  };
}

/** FNV-1a over every token id: a resumed run checks that it sees the same data. */
export function dataFingerprint(groups: readonly PreferenceGroup[], m: number): string {
  let h = 0x811c9dc5;
  const mix = (x: number) => {
    h ^= x & 0xffff;
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= x >>> 16;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  mix(m);
  for (const g of groups) {
    for (const seq of [g.prompt, g.chosen, ...g.rejected.slice(0, m)]) {
      mix(seq.length);
      for (const t of seq) mix(t);
    }
  }
  return `${groups.length}:${h.toString(16).padStart(8, '0')}`;
}

/** Deterministic held-out split by prompt: every `1/fraction`-th group after a seeded shuffle. */
export function splitGroups<T>(groups: readonly T[], heldOutFraction: number, rng: Rng): { train: T[]; heldOut: T[] } {
  const order = shuffle(rng, groups.map((_, i) => i));
  const nHeld = Math.round(groups.length * heldOutFraction);
  const held = new Set(order.slice(0, nHeld));
  return { train: groups.filter((_, i) => !held.has(i)), heldOut: groups.filter((_, i) => held.has(i)) };
}
