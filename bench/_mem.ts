import { buildTrainStep } from '../src/lib/onnx/train-step';
import { graphMemory } from '../src/lib/onnx/liveness';
import { dpoTrainStep, PAPER_DPO } from '../src/lib/train/dpo';
import { defaultLora } from '../src/lib/train/lora';
import { smollm2Config } from './smollm2-shape';
const cfg = smollm2Config(30);
for (const [lora, checkpointing, rows] of [[false, false, 8], [true, false, 8], [true, true, 36]] as const) {
  const s = buildTrainStep(dpoTrainStep(cfg, PAPER_DPO, 1, { batch: { rows, length: 128 }, separateUpdate: true, lora: lora ? defaultLora(cfg) : null, checkpointing }));
  const m = graphMemory(s.graph);
  console.log({ lora, checkpointing, rows }, 'peak GiB', (m.peakBytes / 2 ** 30).toFixed(3), 'nodes', s.graph.nodes.length, 'expands', s.graph.nodes.filter((n) => n.opType === 'Expand').length);
}
