// Which SFT checkpoint to keep, judged on a validation accuracy measured every
// few steps: the first to reach a target (a deliberately moderate model), or the
// best before accuracy stops rising (how far SFT goes).

export type CheckpointRule = { kind: 'target'; accuracy: number } | { kind: 'plateau'; patience: number };

export interface Checkpoint<W> {
  step: number;
  accuracy: number;
  weights: W;
}

export interface CheckpointChoice<W> {
  /** Records one evaluation; true when training should stop. */
  observe(checkpoint: Checkpoint<W>): boolean;
  /** The checkpoint to keep (null before the first evaluation). */
  readonly kept: Checkpoint<W> | null;
}

export function checkpointChoice<W>(rule: CheckpointRule): CheckpointChoice<W> {
  if (rule.kind === 'plateau' && !(rule.patience >= 1)) throw new Error(`plateau patience must be at least 1, got ${rule.patience}`);
  let kept: Checkpoint<W> | null = null;
  let sinceBest = 0;
  return {
    get kept() {
      return kept;
    },
    observe(checkpoint) {
      if (rule.kind === 'target') {
        kept = checkpoint;
        return checkpoint.accuracy >= rule.accuracy;
      }
      // A tie is not progress: the plateau is where accuracy stops rising, and the earlier checkpoint is kept.
      if (!kept || checkpoint.accuracy > kept.accuracy) {
        kept = checkpoint;
        sinceBest = 0;
        return false;
      }
      return ++sinceBest >= rule.patience;
    },
  };
}
