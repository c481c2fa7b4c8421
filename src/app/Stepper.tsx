import { useShallow } from 'zustand/react/shallow';
import { useLab } from '../store';
import { flowSteps } from '../store/flow';

/** Data → Sample → Filter → Export → Train, each with its status; the next action stands out. */
export function Stepper() {
  const steps = useLab(useShallow((s) => flowSteps(s).map((x) => `${x.id}|${x.title}|${x.status}|${x.detail}`)));
  return (
    <nav className="stepper" aria-label="steps">
      <ol>
        {steps.map((line, i) => {
          const [id, title, status, detail] = line.split('|');
          return (
            <li key={id} className={`step ${status}`} data-testid={`step-${id}`} data-status={status}>
              <a href={`#step-${id}`}>
                <span className="step-number">{status === 'done' ? '✓' : i + 1}</span>
                <span className="step-title">{title}</span>
                <span className="step-detail">{detail}</span>
              </a>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
