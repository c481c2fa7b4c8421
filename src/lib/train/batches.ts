// Packing prompt + response token sequences into one right-padded batch with
// the inputs the log-prob graph takes: ids, attention mask, positions, and a
// loss mask over the response tokens.
import type { HostBatchTensor } from '../onnx/runtime';

export interface TokenizedPair {
  prompt: number[];
  response: number[];
}

export interface SequenceBatch {
  batch: number;
  length: number;
  input_ids: HostBatchTensor;
  attention_mask: HostBatchTensor;
  position_ids: HostBatchTensor;
  loss_mask: HostBatchTensor;
}

/** Tokens of the longest prompt + response. */
export const longest = (rows: readonly TokenizedPair[]): number => Math.max(...rows.map((r) => r.prompt.length + r.response.length));

/** Rows right-padded to `length` tokens (the longest row's when not given). */
export function packSequences(rows: readonly TokenizedPair[], padTokenId: number, length?: number): SequenceBatch {
  const need = longest(rows);
  if (length !== undefined && length < need) throw new Error(`packSequences: a row of ${need} tokens does not fit a batch of ${length}`);
  const B = rows.length;
  const L = length ?? need;
  const ids = new BigInt64Array(B * L).fill(BigInt(padTokenId));
  const mask = new BigInt64Array(B * L);
  const positions = new BigInt64Array(B * L);
  const loss = new Float32Array(B * L);
  rows.forEach((r, b) => {
    const seq = [...r.prompt, ...r.response];
    seq.forEach((tok, t) => {
      ids[b * L + t] = BigInt(tok);
      mask[b * L + t] = 1n;
      positions[b * L + t] = BigInt(t);
      if (t >= r.prompt.length) loss[b * L + t] = 1;
    });
  });
  return {
    batch: B,
    length: L,
    input_ids: { type: 'int64', data: ids, dims: [B, L] },
    attention_mask: { type: 'int64', data: mask, dims: [B, L] },
    position_ids: { type: 'int64', data: positions, dims: [B, L] },
    loss_mask: { type: 'float32', data: loss, dims: [B, L] },
  };
}

/** The batch as graph feeds (by input name). */
export function sequenceFeeds(b: SequenceBatch): Record<string, HostBatchTensor> {
  return { input_ids: b.input_ids, attention_mask: b.attention_mask, position_ids: b.position_ids, loss_mask: b.loss_mask };
}
