import { useLab } from '../store';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function ModelPanel() {
  const { status, info, progress, error } = useLab((s) => s.lm);
  const loadLm = useLab((s) => s.loadLm);
  const loadFiles = (list: FileList | null) => {
    if (list?.length) void loadLm({ kind: 'files', files: [...list] });
  };
  const embedder = useLab((s) => s.embedder);
  return (
    <section className="panel" aria-labelledby="model-title">
      <h2 id="model-title">Language model</h2>
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
      <h2 id="embedder-title">Embedding model</h2>
      {embedder.status === 'loading' && <p>Loading{embedder.progress ? ` ${embedder.progress.file}` : '…'}</p>}
      {embedder.error && <p role="alert" className="error">Could not load the embedding model: {embedder.error}</p>}
      {embedder.info && (
        <p data-testid="embedder-info" data-status={embedder.status} data-backend={embedder.info.backend}>
          <code>{embedder.info.source}</code> on {embedder.info.backend}: {embedder.info.dimensions}-dimensional, mean-pooled and normalised
        </p>
      )}
    </section>
  );
}
