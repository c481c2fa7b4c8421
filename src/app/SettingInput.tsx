import { useState } from 'react';
import { useLab } from '../store';
import { SETTINGS, type LabSettings } from '../lib/settings';

/**
 * An input for one setting: every edit goes through the settings table's parse,
 * so a cleared or out-of-range field is shown as invalid and never becomes the
 * setting (clearing M does not make M = 0).
 */
export function SettingInput({ name, label, step, width = '6em', placeholder }: { name: keyof LabSettings; label: string; step?: number | 'any'; width?: string; placeholder?: string }) {
  const value = useLab((s) => s.settings[name]);
  const setSettings = useLab((s) => s.setSettings);
  const [draft, setDraft] = useState<string | null>(null);
  const row = SETTINGS[name];
  const invalid = draft !== null && row.parse(draft) === null;
  return (
    <label className={invalid ? 'invalid' : undefined}>
      {label}{' '}
      <input type={typeof value === 'number' ? 'number' : 'text'} aria-label={label} aria-invalid={invalid} title={row.describe} step={step ?? 'any'} style={{ width }} placeholder={placeholder}
        value={draft ?? String(value)}
        onChange={(e) => {
          const parsed = row.parse(e.target.value);
          setDraft(e.target.value);
          if (parsed !== null) setSettings({ [name]: parsed } as Partial<LabSettings>);
        }}
        onBlur={() => setDraft(null)} />
      {invalid && <span className="error" role="alert"> not a valid {label}: {row.describe}</span>}
    </label>
  );
}
