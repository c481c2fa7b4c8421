import { useLab } from '../store';
import { STAGE_SETTING, stageDecision } from '../store/backend-slice';
import type { BackendPreference, Stage } from '../lib/backend-choice';

const NAME = { webgpu: 'WebGPU', wasm: 'WASM' } as const;
const LABEL = { sample: 'sampling backend', embed: 'embedding backend', train: 'training backend' } as const;

/** Which backend a stage runs on and why, with the control to override it. */
export function StageBackend({ stage }: { stage: Stage }) {
  const settings = useLab((s) => s.settings);
  const backend = useLab((s) => s.backend);
  const setSettings = useLab((s) => s.setSettings);
  const decision = stageDecision({ settings, backend }, stage);
  const measuring = backend.measuring?.stage === stage ? backend.measuring : null;
  return (
    <p className="stage-backend" data-testid={`backend-${stage}`} data-backend={decision.backend} data-measured={String(decision.measured)}>
      <label>
        Backend{' '}
        <select aria-label={LABEL[stage]} value={settings[STAGE_SETTING[stage]]} onChange={(e) => setSettings({ [STAGE_SETTING[stage]]: e.target.value as BackendPreference })}>
          <option value="auto">auto (measured)</option>
          <option value="webgpu">WebGPU</option>
          <option value="wasm">WASM</option>
        </select>
      </label>{' '}
      <strong>{NAME[decision.backend]}</strong> <span className="muted">{measuring ? `measuring${measuring.backend ? ` ${NAME[measuring.backend]}` : ''}…` : decision.why}</span>
    </p>
  );
}
