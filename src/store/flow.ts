// The path a person takes through the lab, as steps with a status each; the
// stepper draws it and highlights the next action.
import type { LabState } from './index';

export type StepId = 'data' | 'sample' | 'filter' | 'export' | 'train';
export type StepStatus = 'done' | 'active' | 'next' | 'waiting';

export interface FlowStep {
  id: StepId;
  title: string;
  status: StepStatus;
  /** What this step has, or what it needs next, in a few words. */
  detail: string;
}

type FlowState = Pick<LabState, 'data' | 'training' | 'runs' | 'lm' | 'embedder'>;

export function flowSteps(s: FlowState): FlowStep[] {
  const rows = s.data.rows.length;
  const sampled = s.data.samples.filter((x) => x?.length).length;
  const pairs = s.data.filter?.negatives.length ?? 0;
  const trained = s.runs.some((r) => r.runId !== null && r.status === 'done');
  const done: Record<StepId, boolean> = {
    data: rows > 0,
    sample: rows > 0 && sampled === rows,
    filter: s.data.scored !== null && pairs > 0,
    export: pairs > 0,
    train: trained,
  };
  const running: Record<StepId, boolean> = {
    data: s.data.status === 'importing',
    sample: s.data.sampling.running,
    filter: s.data.scoring.running,
    export: false,
    train: s.training.phase !== 'idle',
  };
  const detail: Record<StepId, string> = {
    data: rows ? `${rows} prompts` : s.lm.status === 'ready' ? 'drop a JSONL file' : 'loading the models…',
    sample: rows ? `${sampled} of ${rows} prompts sampled` : 'needs data',
    filter: s.data.scored ? `${pairs} pairs selected` : sampled ? 'embed and score the samples' : 'needs samples',
    export: pairs ? `${pairs} pairs ready` : 'needs selected pairs',
    train: trained ? 'a run finished' : pairs ? 'train with DPO' : 'needs selected pairs',
  };
  const order: StepId[] = ['data', 'sample', 'filter', 'export', 'train'];
  const titles: Record<StepId, string> = { data: 'Data', sample: 'Sample', filter: 'Filter', export: 'Export', train: 'Train' };
  // The next action: the first step not done whose predecessor is (export and train both follow filter).
  const next = order.find((id, i) => !done[id] && (i === 0 || done[order[i - 1]] || (id === 'train' && done.filter)));
  return order.map((id) => ({
    id,
    title: titles[id],
    detail: detail[id],
    status: running[id] ? 'active' : done[id] ? 'done' : id === next ? 'next' : 'waiting',
  }));
}
