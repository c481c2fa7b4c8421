import { describe, expect, it } from 'vitest';
import { flowSteps } from './flow';

type State = Parameters<typeof flowSteps>[0];
const empty = (): State => ({
  lm: { status: 'ready' },
  embedder: { status: 'ready' },
  data: { rows: [], samples: [], scored: null, filter: null, status: 'empty', sampling: { running: false }, scoring: { running: false } },
  training: { phase: 'idle' },
  runs: [],
  experiment: { run: null, progress: null },
}) as never;
const statuses = (s: State) => Object.fromEntries(flowSteps(s).map((f) => [f.id, f.status]));

describe('flowSteps', () => {
  it('names the next action along the path; the Experiments step is never the next action', () => {
    const s = empty();
    expect(statuses(s)).toEqual({ data: 'next', sample: 'waiting', filter: 'waiting', export: 'waiting', train: 'waiting', experiments: 'waiting' });
    expect(flowSteps(s)[0]!.detail).toBe('drop a JSONL file');

    s.data = { ...s.data, rows: [{}, {}] as never, samples: [['a'], null] as never };
    expect(statuses(s)).toMatchObject({ data: 'done', sample: 'next' });
    expect(flowSteps(s)[1]!.detail).toBe('1 of 2 prompts sampled');

    s.data = { ...s.data, samples: [['a'], ['b']] as never, scored: {} as never, filter: { negatives: [[1], [2], [3]] } as never };
    expect(statuses(s)).toEqual({ data: 'done', sample: 'done', filter: 'done', export: 'done', train: 'next', experiments: 'waiting' });
    expect(flowSteps(s).find((f) => f.id === 'train')!.detail).toBe('train with DPO');

    s.runs = [{ runId: 'r1', status: 'done' }] as never;
    s.experiment = { run: { status: 'paused', results: [{}], cells: [{}, {}, {}] }, progress: null } as never;
    expect(statuses(s)).toMatchObject({ train: 'done', experiments: 'waiting' });
    expect(flowSteps(s).at(-1)!.detail).toBe('1 of 3 cells (paused)');
  });

  it('a running step is active, whatever else holds', () => {
    const s = empty();
    s.data = { ...s.data, status: 'importing' };
    s.experiment = { run: null, progress: { cellsDone: 2, cellsTotal: 5 } } as never;
    expect(statuses(s)).toMatchObject({ data: 'active', experiments: 'active' });
    expect(flowSteps(s).at(-1)!.detail).toBe('2 of 5 cells');
  });

  it('a filter that leaves no pairs keeps Train waiting', () => {
    const s = empty();
    s.data = { ...s.data, rows: [{}] as never, samples: [['a']] as never, scored: {} as never, filter: { negatives: [] } as never };
    expect(statuses(s)).toMatchObject({ filter: 'next', export: 'waiting', train: 'waiting' });
    expect(flowSteps(s).find((f) => f.id === 'filter')!.detail).toBe('0 pairs selected');
  });
});
