// Rate and time left of a long job from when it started, for progress bars.
/** Where a job stands: units per second and time left, measured from its start. */
export interface Pace {
  perSecond: number;
  secondsLeft: number | null;
}

export function pace(startedAt: number, now: number, done: number, total: number): Pace {
  const seconds = (now - startedAt) / 1000;
  const perSecond = seconds > 0 ? done / seconds : 0;
  return { perSecond, secondsLeft: perSecond > 0 ? Math.max(0, total - done) / perSecond : null };
}
