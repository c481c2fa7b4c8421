import { useLab } from '../store';
import { download } from './download';
import { groupedJsonl, llamaFactoryDatasetInfo, llamaFactoryPairs, settingsRecord, trlPairwise } from '../lib/data/export';
import { JOB_FOLDER, scaleOutJob } from '../lib/data/scale-out/job';
import { zipBlob } from '../lib/data/zip';
import { dpoConfigFrom } from '../lib/train/dpo-config';
import { exportRowsOf } from '../store/data-slice';

export function ExportPanel() {
  const settings = useLab((s) => s.settings);
  const data = useLab((s) => s.data);
  const lmInfo = useLab((s) => s.lm.info);
  const embedderSource = useLab((s) => s.embedder.info?.source ?? '');
  const { scored, filter } = data;
  if (!scored || !filter) {
    return (
      <section className="panel" id="step-export" aria-labelledby="export-title">
        <h2 id="export-title"><span className="n">4</span> Export</h2>
        <p className="muted">The preference data downloads here once the filter has selected pairs.</p>
      </section>
    );
  }
  const exportRows = exportRowsOf(data);
  const counts = { prompts: exportRows.length, promptsKept: filter.promptsKept, pairs: filter.negatives.length, shortPrompts: filter.shortPrompts.length };
  return (
    <section className="panel" id="step-export" aria-labelledby="export-title">
      <h2 id="export-title"><span className="n">4</span> Export</h2>
      <div className="row">
        <button type="button" onClick={() => download('self-contrast-pairs.jsonl', trlPairwise(exportRows, scored.table, filter), 'application/jsonl')}>
          TRL pairwise JSONL ({counts.pairs} rows)
        </button>
        <button type="button" onClick={() => download('self-contrast-grouped.jsonl', groupedJsonl(exportRows, scored.table, filter), 'application/jsonl')}>
          Grouped JSONL (1 vs M; the lab&apos;s own format)
        </button>
        <button type="button" onClick={() => {
          download('self_contrast.jsonl', llamaFactoryPairs(exportRows, scored.table, filter), 'application/jsonl');
          download('dataset_info.json', llamaFactoryDatasetInfo('self_contrast', 'self_contrast.jsonl'), 'application/json');
        }}>
          LLaMA-Factory pairs + dataset_info.json (the authors&apos; trainer)
        </button>
        <button type="button" onClick={() => download('self-contrast-settings.json', settingsRecord(settings, counts), 'application/json')}>
          Settings record
        </button>
        <button type="button" onClick={() => {
          const config = dpoConfigFrom(settings, lmInfo?.loraTargets ?? [], lmInfo?.contextLength);
          const files = scaleOutJob(exportRows, scored.table, filter, settings, config, counts, { lm: lmInfo?.source ?? '', embedder: embedderSource });
          const encoder = new TextEncoder();
          download(`${JOB_FOLDER}.zip`, zipBlob(files.map((f) => ({ name: f.name, data: encoder.encode(f.content) }))), 'application/zip');
        }}>
          Scale-out job (vLLM + TRL / LLaMA-Factory, zip)
        </button>
      </div>
    </section>
  );
}
