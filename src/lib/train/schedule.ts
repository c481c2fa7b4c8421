// Learning-rate schedules, computed per optimizer step (the graph takes lr as an input).

export type Schedule = { kind: 'constant' } | { kind: 'cosine'; warmupSteps: number; totalSteps: number; minRatio?: number };

/** lr at 1-based `step`: linear warmup then cosine decay to minRatio·peak (transformers' get_cosine_schedule_with_warmup shape). */
export function learningRate(peak: number, step: number, schedule: Schedule): number {
  if (schedule.kind === 'constant') return peak;
  const { warmupSteps, totalSteps, minRatio = 0 } = schedule;
  if (step <= warmupSteps) return (peak * step) / Math.max(1, warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
