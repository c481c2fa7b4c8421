// The path a person takes through the lab, as steps with a status each; the
// stepper draws it and highlights the next action.
import type { LabState } from './index';

export type StepId = 'data' | 'sample' | 'filter' | 'export' | 'train' | 'experiments';
export type StepStatus = 'done' | 'active' | 'next' | 'waiting';

export interface FlowStep {
  id: StepId;
  title: string;
  status: StepStatus;
  /** What this step has, or what it needs next, in a few words. */
  detail: string;
}

type FlowState = Pick<LabState, 'data' | 'training' | 'runs' | 'lm' | 'embedder' | 'experiment'>;

function gridDetail(s: FlowState): string {
  const run = s.experiment.run;
  if (s.experiment.progress) return `${s.experiment.progress.cellsDone} of ${s.experiment.progress.cellsTotal} cells`;
  if (run) return run.status === 'done' ? `${run.results.length} cells done` : `${run.results.length} of ${run.cells.length} cells (${run.status})`;
  return 'compare methods on the built-in task';
}

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
    experiments: s.experiment.run?.status === 'done',
  };
  const running: Record<StepId, boolean> = {
    data: s.data.status === 'importing',
    sample: s.data.sampling.running,
    filter: s.data.scoring.running,
    export: false,
    train: s.training.phase !== 'idle',
    experiments: s.experiment.progress !== null,
  };
  const detail: Record<StepId, string> = {
    data: rows ? `${rows} prompts` : s.lm.status === 'ready' ? 'drop a JSONL file' : 'loading the models…',
    sample: rows ? `${sampled} of ${rows} prompts sampled` : 'needs data',
    filter: s.data.scored ? `${pairs} pairs selected` : sampled ? 'embed and score the samples' : 'needs samples',
    export: pairs ? `${pairs} pairs ready` : 'needs selected pairs',
    train: trained ? 'a run finished' : pairs ? 'train with DPO' : 'needs selected pairs',
    experiments: gridDetail(s),
  };
  const order: StepId[] = ['data', 'sample', 'filter', 'export', 'train', 'experiments'];
  const titles: Record<StepId, string> = { data: 'Data', sample: 'Sample', filter: 'Filter', export: 'Export', train: 'Train', experiments: 'Experiments' };
  // The next action: the first step not done whose predecessor is (export and train both follow filter; the
  // Experiments step runs its own sampling and training, so it follows the data alone). It is never the next action
  // by itself: the single-run path comes first.
  const next = order.find((id, i) => id !== 'experiments' && !done[id] && (i === 0 || done[order[i - 1]] || (id === 'train' && done.filter)));
  return order.map((id) => ({
    id,
    title: titles[id],
    detail: detail[id],
    status: running[id] ? 'active' : done[id] ? 'done' : id === next ? 'next' : 'waiting',
  }));
}
