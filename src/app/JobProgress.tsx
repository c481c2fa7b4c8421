/** One progress bar for every long job: done of total, the rate, time left, and Cancel beside it. */
export function JobProgress({ label, done, total, unit, rate, secondsLeft, onCancel, testId }: {
  label: string; done: number; total: number; unit: string; rate?: string; secondsLeft?: number | null; onCancel?: () => void; testId?: string;
}) {
  return (
    <div className="job" data-testid={testId} data-done={done} data-total={total}>
      <div className="job-line">
        <span>
          {label}: {done} / {total} {unit}
          {rate && ` · ${rate}`}
          {secondsLeft != null && Number.isFinite(secondsLeft) && ` · ~${secondsLeft < 90 ? `${Math.ceil(secondsLeft)} s` : `${Math.ceil(secondsLeft / 60)} min`} left`}
        </span>
        {onCancel && <button type="button" onClick={onCancel}>Cancel</button>}
      </div>
      <progress max={total || 1} value={Math.min(done, total)} aria-label={`${label} progress`} />
    </div>
  );
}

