import { useEffect, useState } from 'react';
import { promptBudget } from '../lib/model/context';
import { useLab } from '../store';
import type { ImportFormat } from '../lib/data/import';

const FORMATS: [ImportFormat | 'auto', string][] = [
  ['auto', 'detect per line'], ['prompt-completion', 'prompt / completion (or response)'], ['alpaca', 'Alpaca instruction / input / output'],
  ['chat', 'chat messages'], ['preference', 'TRL prompt / chosen / rejected'], ['samples', 'prompt / target / outputs'],
];

/** Import a JSONL SFT file (dropping anywhere on the page also works; see App). */
export function DatasetPanel() {
  const { status, fileName, importedLines, importedBytes, importError, summary } = useLab((s) => s.data);
  const importFile = useLab((s) => s.importFile);
  const newSession = useLab((s) => s.newSession);
  const loadBuiltinTask = useLab((s) => s.loadBuiltinTask);
  const [format, setFormat] = useState<ImportFormat | 'auto'>('auto');
  const rows = useLab((s) => s.data.rows);
  const lmInfo = useLab((s) => s.lm.info);
  const promptLengths = useLab((s) => s.data.promptLengths);
  const maxNewTokens = useLab((s) => s.settings.maxNewTokens);
  const longPrompts = useLab((s) => s.settings.longPrompts);
  const setSettings = useLab((s) => s.setSettings);
  const checkPromptLengths = useLab((s) => s.checkPromptLengths);
  useEffect(() => {
    if (lmInfo && rows.length) void checkPromptLengths();
  }, [rows, lmInfo, checkPromptLengths]);
  const budget = promptLengths ? promptBudget(promptLengths.contextLength, maxNewTokens) : null;
  const tooLong = promptLengths && budget !== null ? promptLengths.lengths.filter((n) => n > budget).length : 0;
  return (
    <section className="panel" id="step-data" aria-labelledby="dataset-title">
      <h2 id="dataset-title"><span className="n">1</span> Data</h2>
      <p className="muted">
        Drop a JSONL file anywhere on the page, or pick one. Formats: prompt/completion, prompt/response, Alpaca, chat messages, TRL preference
        rows, or prompt/target/outputs with samples from elsewhere.
      </p>
      <p data-testid="builtin-task">
        No file of your own?{' '}
        <button type="button" disabled={status === 'importing'} onClick={() => void loadBuiltinTask()}>
          Use the built-in task
        </button>{' '}
        <span className="muted">
          4,000 prompts of the lab&apos;s Self-Contrast pool — arithmetic word problems with short working, harmful requests to refuse, benign ones to
          answer — each with its SFT target. A verifier scores any answer, so the Train step reports accuracy and the Experiments step can run the
          paper&apos;s comparisons.
        </span>
      </p>
      <div className="row">
        <input type="file" accept=".jsonl,.json,.txt" aria-label="JSONL file" onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0], format === 'auto' ? undefined : format)} />
        <label>
          format{' '}
          <select value={format} aria-label="import format" onChange={(e) => setFormat(FORMATS.find(([f]) => f === e.target.value)?.[0] ?? 'auto')}>
            {FORMATS.map(([f, label]) => (
              <option key={f} value={f}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={status === 'empty'} onClick={newSession}>
          New session
        </button>
      </div>
      {status === 'importing' && (
        <p data-testid="import-progress">
          Importing {fileName}: {importedLines} lines
          {importedBytes ? `, ${((100 * importedBytes.bytes) / importedBytes.total).toFixed(0)}%` : ''}…
        </p>
      )}
      {importError && <p role="alert" className="error">Import failed: {importError}</p>}
      {summary && (
        <div data-testid="import-summary" data-valid={summary.rows.length} data-errors={summary.errors.length}>
          <p>
            <strong>{fileName}</strong>: {summary.rows.length} valid rows, {summary.errors.length} skipped, {summary.duplicatePrompts} duplicate prompts
          </p>
          {promptLengths && budget !== null && (
            <p data-testid="too-long" data-count={tooLong} className={tooLong ? 'error' : 'muted'}>
              {tooLong} prompts (with the chat template) are longer than the model&apos;s context, {promptLengths.contextLength} tokens, minus {maxNewTokens} new
              tokens = {budget}.{' '}
              {tooLong > 0 && (
                <label>
                  When sampling,{' '}
                  <select aria-label="long prompts" value={longPrompts} onChange={(e) => setSettings({ longPrompts: e.target.value === 'skip' ? 'skip' : 'truncate-left' })}>
                    <option value="skip">skip them</option>
                    <option value="truncate-left">drop their start (keep the last {budget} tokens)</option>
                  </select>
                </label>
              )}
            </p>
          )}
          {summary.errors.length > 0 && (
            <ul className="errors" data-testid="import-errors">
              {summary.errors.slice(0, 20).map((e) => (
                <li key={e.line}>
                  line {e.line}, {e.field}: {e.reason}
                </li>
              ))}
              {summary.errors.length > 20 && <li>… and {summary.errors.length - 20} more</li>}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
