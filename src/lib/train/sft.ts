// Supervised fine-tuning as a train-step graph: mean negative log-likelihood of
// the response tokens, all parameters trained.
import type { LmConfig } from '../model/config';
import { weightSpecs } from '../model/config';
import { sequenceLogProbs } from '../model/graphs';
import { div, neg, sumAll } from '../onnx/ops';
import type { TrainStepSpec } from '../onnx/train-step';
import type { AdamWConfig } from '../onnx/adamw';

export function sftTrainStep(cfg: LmConfig, optimizer: Partial<AdamWConfig> = {}): TrainStepSpec {
  return {
    trainable: weightSpecs(cfg).map((s) => ({ name: s.name, shape: s.shape })),
    optimizer,
    forward: (g, params) => {
      const io = {
        ids: g.input('input_ids', 'int64', ['batch', 'length']),
        mask: g.input('attention_mask', 'int64', ['batch', 'length']),
        positions: g.input('position_ids', 'int64', ['batch', 'length']),
        lossMask: g.input('loss_mask', 'float32', ['batch', 'length']),
      };
      const { sum, count } = sequenceLogProbs(cfg, { get: (n) => params[n], transposed: () => null }, io);
      const tokens = sumAll(count);
      return { loss: neg(div(sumAll(sum), tokens)), metrics: { tokens } };
    },
  };
}
