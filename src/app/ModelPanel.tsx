import { useState } from 'react';
import { useLab } from '../store';
import { stageDecision } from '../store/backend-slice';
import type { PoolingSetting } from '../lib/model/pooling';
import { wasmTrainingBytes } from '../lib/model/memory';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** A Hub model by id: sizes and memory first, then download (resumable, cached) and load. */
function HubPicker() {
  const host = useLab((s) => s.settings.hubHost);
  const hub = useLab((s) => s.hub);
  const loading = useLab((s) => s.lm.status === 'loading');
  const { planHub, loadLm } = useLab.getState();
  const [id, setId] = useState(hub.id);
  const plan = hub.status === 'ready' && hub.id === id ? hub.plan : null;
  return (
    <div data-testid="hub-picker">
      <div className="row">
        <label>
          Hub model id{' '}
          <input type="text" aria-label="Hub model id" placeholder="HuggingFaceTB/SmolLM2-135M-Instruct" value={id} onChange={(e) => setId(e.target.value)} style={{ width: '22em' }} />
        </label>
        <button type="button" disabled={!id.trim() || hub.status === 'checking' || loading} onClick={() => void planHub(id, host)}>Check size</button>
        <small>from <code>{host}</code></small>
      </div>
      {hub.status === 'checking' && <p>Reading config.json and the file sizes…</p>}
      {hub.status === 'failed' && <p role="alert" className="error">{hub.error}</p>}
      {plan && (
        <div data-testid="hub-plan" data-total={plan.totalBytes} data-cached={plan.cachedBytes}>
          <p>
            <strong>{plan.modelType}</strong>, {(plan.memory.parameters / 1e6).toFixed(1)} M parameters: download {mb(plan.totalBytes - plan.cachedBytes)}
            {plan.cachedBytes > 0 && ` (${mb(plan.cachedBytes)} already in this browser)`} in {plan.files.length} files. Memory (float32): sampling ≈{' '}
            {mb(plan.memory.inferenceBytes)}, full DPO ≈ {mb(wasmTrainingBytes(plan.memory, 'full'))}, LoRA ≈{' '}
            {mb(wasmTrainingBytes(plan.memory, 'lora'))} (on WASM).
          </p>
          {plan.refusal.sample && <p role="alert" className="error">WebGPU cannot run this model: {plan.refusal.sample}</p>}
          {!plan.refusal.sample && plan.refusal.full && <p className="warning">Full fine-tuning will not fit WebGPU: {plan.refusal.full} Use LoRA.</p>}
          <button type="button" disabled={loading} onClick={() => void loadLm({ kind: 'hub', id, host })}>Download and load</button>
        </div>
      )}
    </div>
  );
}

/** A transformers.js-format sentence encoder from the Hub host (all-MiniLM-L6-v2, bge-small-en-v1.5 …). */
function EmbedderHubPicker() {
  const host = useLab((s) => s.settings.hubHost);
  const loading = useLab((s) => s.embedder.status === 'loading');
  const backend = useLab((s) => stageDecision(s, 'embed').backend);
  const loadEmbedder = useLab((s) => s.loadEmbedder);
  const [id, setId] = useState('');
  return (
    <div className="row">
      <label>
        Hub embedding model id{' '}
        <input type="text" aria-label="Hub embedding model id" placeholder="Xenova/all-MiniLM-L6-v2" value={id} onChange={(e) => setId(e.target.value)} style={{ width: '22em' }} />
      </label>
      <button type="button" disabled={!id.trim() || loading} onClick={() => void loadEmbedder(backend, { kind: 'hub', id, host })}>Load encoder</button>
      <label>
        or an encoder folder (config.json, tokenizer files, onnx/model.onnx){' '}
        <input type="file" aria-label="encoder folder" disabled={loading} ref={(el) => el?.setAttribute('webkitdirectory', '')}
          onChange={(e) => e.target.files?.length && void loadEmbedder(backend, { kind: 'files', files: [...e.target.files] })} />
      </label>
    </div>
  );
}

/** Downloaded models, LMs and encoders alike, are cleared in one place. */
function ClearDownloads() {
  const clearDownloads = useLab((s) => s.clearDownloads);
  const [state, setState] = useState<'idle' | 'clearing' | 'cleared' | string>('idle');
  return (
    <p className="muted" data-testid="clear-downloads" data-state={state}>
      Models downloaded from the Hub stay in this browser (language models in its private file storage, encoders in its
      cache) until you{' '}
      <button type="button" disabled={state === 'clearing'} onClick={() => {
        setState('clearing');
        clearDownloads().then(() => setState('cleared'), (e: unknown) => setState(e instanceof Error ? e.message : String(e)));
      }}>
        clear downloaded models
      </button>
      {state === 'cleared' && ' — cleared; the models in use stay loaded.'}
      {state !== 'idle' && state !== 'clearing' && state !== 'cleared' && <span className="error"> {state}</span>}
    </p>
  );
}

const POOLING_NAMES = { mean: 'mean', cls: 'CLS', last_token: 'last-token' } as const;

export function ModelPanel() {
  const embedPooling = useLab((s) => s.settings.embedPooling);
  const setSettings = useLab((s) => s.setSettings);
  const reloadEmbedder = useLab((s) => s.reloadEmbedder);
  const { status, info, progress, error } = useLab((s) => s.lm);
  const loadLm = useLab((s) => s.loadLm);
  const loadFiles = (list: FileList | null) => {
    if (list?.length) void loadLm({ kind: 'files', files: [...list] });
  };
  const embedder = useLab((s) => s.embedder);
  return (
    <section className="panel" aria-labelledby="model-title">
      <h2 id="model-title">Models</h2>
      <h3>Language model</h3>
      {status === 'loading' && (
        <p>
          Loading{progress ? ` ${progress.file}: ${mb(progress.loaded)}${progress.total ? ` of ${mb(progress.total)}` : ''}` : '…'}
        </p>
      )}
      {error && <p role="alert" className="error">Could not load the model: {error}</p>}
      {info && (
        <p data-testid="lm-info" data-status={status}>
          <strong>{info.modelType}</strong> from <code>{info.source}</code>: {(info.parameters / 1e6).toFixed(2)} M parameters, {info.layers} layers,
          hidden {info.hiddenSize}, vocabulary {info.vocabSize}, context {info.contextLength}
          {info.hasChatTemplate ? ', chat template' : ', no chat template'}
        </p>
      )}
      <div className="row">
        <label>
          Load a model (a zip, or config.json + tokenizer files + safetensors){' '}
          <input type="file" multiple accept=".zip,.json,.safetensors" aria-label="model files" disabled={status === 'loading'} onChange={(e) => loadFiles(e.target.files)} />
        </label>
        <label>
          or a folder{' '}
          <input type="file" aria-label="model folder" disabled={status === 'loading'} onChange={(e) => loadFiles(e.target.files)}
            ref={(el) => el?.setAttribute('webkitdirectory', '')} />
        </label>
        <button type="button" disabled={status === 'loading'} onClick={() => void loadLm()}>Shipped default</button>
      </div>
      <HubPicker />
      <ClearDownloads />
      <h3 id="embedder-title">Embedding model</h3>
      {embedder.status === 'loading' && <p>Loading{embedder.progress ? ` ${embedder.progress.file}` : '…'}</p>}
      {embedder.error && <p role="alert" className="error">Could not load the embedding model: {embedder.error}</p>}
      <EmbedderHubPicker />
      {embedder.info && (
        <p data-testid="embedder-info" data-status={embedder.status} data-backend={embedder.info.backend} data-pooling={embedder.info.pooling}>
          <code>{embedder.info.source}</code>: {embedder.info.dimensions}-dimensional, <strong>{POOLING_NAMES[embedder.info.pooling]} pooling</strong>{' '}
          ({embedder.info.poolingSource === 'model' ? "the model's 1_Pooling/config.json" : embedder.info.poolingSource === 'setting' ? 'your setting' : 'the model names none: mean'}), normalised.{' '}
          <label>
            pooling{' '}
            <select aria-label="embedding pooling" value={embedPooling} disabled={embedder.status === 'loading'}
              onChange={(e) => { setSettings({ embedPooling: e.target.value as PoolingSetting }); void reloadEmbedder(); }}>
              <option value="auto">as the model says</option>
              <option value="mean">mean</option>
              <option value="cls">CLS</option>
              <option value="last_token">last token</option>
            </select>
          </label>
        </p>
      )}
    </section>
  );
}
