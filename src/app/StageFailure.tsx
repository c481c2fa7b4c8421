import { useLab } from '../store';
import type { Backend } from '../protocol';

/** A long job's failure as the user reads it; a WebGPU failure offers to carry on with WASM. */
export function StageFailure({ stage, error, failedOn }: { stage: 'sample' | 'embed'; error: string | null; failedOn: Backend | null }) {
  const continueOnWasm = useLab((s) => s.continueOnWasm);
  if (!error) return null;
  return (
    <p role="alert" className="error" data-testid={stage === 'sample' ? 'sampling-error' : 'scoring-error'}>
      {error}{' '}
      {failedOn === 'webgpu' && <button type="button" onClick={() => void continueOnWasm(stage)}>Continue on WASM</button>}
    </p>
  );
}
