// The scale-out job: the experiment the user ran in the lab, as a folder a
// person with a GPU cluster runs top to bottom (vLLM → sentence-transformers →
// the same Self-Contrast filter → TRL DPO on accelerate + DeepSpeed, or the
// authors' LLaMA-Factory). Nothing in it depends on the lab at run time.
import type { FilterResult, SimilarityTable } from '../../contrast/filter';
import { llamaFactoryDatasetInfo, llamaFactoryPairs, settingsRecord, trlPairwise, type ExportCounts, type ExportRow } from '../export';
import type { LabSettings } from '../../settings';
import { hubIdOfLabel } from '../../model/hub';
import { dpoConfigRecord, type DpoConfig } from '../../train/dpo-config';
import { FILTER_PY } from './filter-py';
import { ACCELERATE_ZERO2, DPO_PY, DS_ZERO2, EMBED_PY, SAMPLE_PY, TRAIN_SH } from './steps-py';

export const JOB_FOLDER = 'self-contrast-job';

/** Versions the scripts were written against (the APIs they call exist in these releases). */
export const REQUIREMENTS = ['vllm==0.8.5', 'torch==2.6.0', 'transformers==4.51.3', 'sentence-transformers==4.1.0', 'trl==0.17.0', 'accelerate==1.6.0', 'deepspeed==0.16.7', 'datasets==3.5.0', 'peft==0.15.2', 'numpy==1.26.4'];


export interface JobModels {
  /** The lab's labels of the loaded LM and encoder. */
  lm: string;
  embedder: string;
}

export interface JobFile {
  name: string;
  content: string;
}

/** A number as YAML 1.1 (PyYAML, which LLaMA-Factory reads with) takes it for a float: `5e-7` is a string there, `5.0e-7` a float. */
export const yamlNumber = (x: number): string => String(x).replace(/^(-?\d+)e/, '$1.0e');

/** LLaMA-Factory's pref_loss has sigmoid, hinge and ipo; another loss is said in the file, never swapped silently. */
function factoryLoss(config: DpoConfig): string {
  if (config.loss_type === 'sigmoid' || config.loss_type === 'hinge' || config.loss_type === 'ipo') return `pref_loss: ${config.loss_type}`;
  const why = config.loss_type === 'robust' ? ' (dpo.py runs it through TRL)' : config.loss_type === 'sft' ? ' (its stage: sft on the chosen responses is the same training)' : '';
  return `pref_loss: sigmoid  # NOT the lab's ${config.loss_type}: LLaMA-Factory has no ${config.loss_type} loss${why}`;
}

export function scaleOutJob(rows: readonly ExportRow[], table: SimilarityTable, result: FilterResult, settings: LabSettings, config: DpoConfig, counts: ExportCounts, models: JobModels): JobFile[] {
  const lm = hubIdOfLabel(models.lm);
  const embedder = hubIdOfLabel(models.embedder);
  const model = lm ? lm.id : 'PATH/TO/YOUR/SFT-MODEL';
  const encoder = embedder ? embedder.id : 'PATH/TO/YOUR/EMBEDDING-MODEL';
  const sft = rows.map((r) => JSON.stringify({ prompt: r.prompt, target: r.target })).join('\n') + '\n';
  // The lab's own samples and cosines, so filter.py can be checked against the lab's pairs before any GPU work.
  const scored = rows.map((r, p) => JSON.stringify({ prompt: r.prompt, target: r.target, outputs: r.samples, similarity: Array.from(table.similarity.subarray(table.offsets[p], table.offsets[p + 1])) })).join('\n') + '\n';
  const factoryYaml = [
    `### LLaMA-Factory (llamafactory-cli train llamafactory/dpo.yaml)`,
    `model_name_or_path: ${model}`,
    'stage: dpo', 'do_train: true',
    ...(config.lora
      ? ['finetuning_type: lora', `lora_rank: ${config.lora.r}`, `lora_alpha: ${config.lora.lora_alpha}`, `lora_target: ${config.lora.target_modules.join(',')}`]
      : ['finetuning_type: full']),
    `pref_beta: ${yamlNumber(config.beta)}`, factoryLoss(config), ...(config.label_smoothing > 0 ? [`dpo_label_smoothing: ${yamlNumber(config.label_smoothing)}`] : []),
    ...(config.rpo_alpha !== null ? [`pref_ftx: ${yamlNumber(config.rpo_alpha)}  # RPO α; LLaMA-Factory averages the chosen NLL per response, TRL per token`] : []),
    'dataset: self_contrast', 'dataset_dir: llamafactory', 'template: default', `cutoff_len: ${config.max_length}`,
    'output_dir: self-contrast-dpo-llamafactory', 'per_device_train_batch_size: 4', 'gradient_accumulation_steps: 32',
    `learning_rate: ${yamlNumber(config.learning_rate)}`, `num_train_epochs: ${config.num_train_epochs}.0`, ...(config.max_steps > 0 ? [`max_steps: ${config.max_steps}`] : []),
    `lr_scheduler_type: ${config.lr_scheduler_type}`, `warmup_ratio: ${yamlNumber(config.warmup_ratio)}`, `max_grad_norm: ${config.max_grad_norm}`, `seed: ${config.seed}`,
    'bf16: true', 'logging_steps: 1', 'deepspeed: ds_zero2.json', '',
  ].join('\n');
  const files: JobFile[] = [
    { name: 'README.md', content: readme(settings, config, counts, model, encoder, Boolean(lm), Boolean(embedder)) },
    { name: 'requirements.txt', content: REQUIREMENTS.join('\n') + '\n' },
    { name: 'settings.json', content: settingsRecord(settings, counts) },
    { name: 'dpo_config.json', content: JSON.stringify(dpoConfigRecord(config), null, 2) + '\n' },
    { name: 'data/sft.jsonl', content: sft },
    { name: 'sample.py', content: SAMPLE_PY },
    { name: 'embed.py', content: EMBED_PY },
    { name: 'filter.py', content: FILTER_PY },
    { name: 'dpo.py', content: DPO_PY },
    { name: 'train.sh', content: TRAIN_SH },
    { name: 'accelerate_zero2.yaml', content: ACCELERATE_ZERO2 },
    { name: 'ds_zero2.json', content: DS_ZERO2 },
    { name: 'llamafactory/dataset_info.json', content: llamaFactoryDatasetInfo('self_contrast', 'self_contrast.jsonl') },
    { name: 'llamafactory/dpo.yaml', content: factoryYaml },
    { name: 'lab/scored.jsonl', content: scored },
    { name: 'lab/pairs.jsonl', content: trlPairwise(rows, table, result) },
    { name: 'lab/llamafactory-pairs.jsonl', content: llamaFactoryPairs(rows, table, result) },
  ];
  return files.map((f) => ({ ...f, name: `${JOB_FOLDER}/${f.name}` }));
}

function readme(s: LabSettings, c: DpoConfig, counts: ExportCounts, model: string, encoder: string, modelOnHub: boolean, encoderOnHub: boolean): string {
  return `# Self-Contrast at scale: the experiment from the lab, as a job

Exported by Self-Contrast Lab. \`settings.json\` is the lab's record of the run (the sampling, embedding and filter
steps read it); \`dpo_config.json\` is the DPO run's configuration under TRL's \`DPOConfig\` names, which \`dpo.py\`
hands to TRL, with the lab's own fields (M, prompts per step, LoRA) beside them;
\`lab/\` holds what the lab computed in the browser: ${counts.prompts} prompts with their samples and
cosine similarities (\`lab/scored.jsonl\`) and the ${counts.pairs} pairs it selected (\`lab/pairs.jsonl\`).

Model: \`${model}\`${modelOnHub ? '' : ' (the lab ran a shipped or dropped model: put its Hub id or local path here)'}.
Embedding model: \`${encoder}\`${encoderOnHub ? '' : ' (likewise; the paper used WhereIsAI/UAE-Large-V1 with CLS pooling)'}.

| step | command | what it does | hardware |
|---|---|---|---|
| 0 | \`pip install -r requirements.txt\` | pinned versions the scripts were written for | CUDA 12 machine |
| 1 | \`python sample.py --model ${model} --tensor-parallel-size 1\` | R = ${s.samplesPerPrompt} samples per prompt (T = ${s.temperature}, top-p ${s.topP}, ≤ ${s.maxNewTokens} tokens, seed ${s.seed}) with vLLM → \`samples.jsonl\` | 1 GPU for ≤ 13B (raise tensor parallelism for larger models) |
| 2 | \`python embed.py --model ${encoder}\` | cosine of every sample to its SFT target, the model's own pooling (setting: ${s.embedPooling}) → \`scored.jsonl\` | 1 GPU |
| 3 | \`python filter.py\` | the Self-Contrast filter, rule **${s.filterRule}**, a = ${s.a}%, M = ${s.m}, seed ${s.seed}, prompts short of M: ${s.shortPrompts} → \`pairs.jsonl\` (TRL) and \`llamafactory/self_contrast.jsonl\` | CPU (standard library only) |
| 4 | \`bash train.sh ${model} 8\` | TRL DPOTrainer (loss ${c.loss_type}, β = ${c.beta}, lr ${c.learning_rate}, ${c.num_train_epochs} epoch(s)) through accelerate + DeepSpeed ZeRO-2 | 8 × 80 GB GPUs for a 7B full fine-tune |

The lab's lr (${c.learning_rate}) suits its small model; the paper fine-tuned 7B models with 5e-7 (\`python dpo.py --learning-rate 5e-7\`,
or edit \`train.sh\`). The paper's step covers 128 prompts × M pairs; \`dpo.py\` keeps the lab's ${c.prompts_per_step} prompts × M pairs per
optimizer step unless you change \`prompts_per_step\` in \`dpo_config.json\`.${c.loss_type === 'infonca' ? '\n\n**InfoNCA**: the lab trained with a 1-vs-M InfoNCA loss, which TRL has no `loss_type` for: `dpo.py` stops with an explanation. Choose a pairwise loss in the lab and export again.' : ''}

The authors' own trainer (the LLaMA-Factory bundled with THUDM/Self-Contrast) reads \`llamafactory/self_contrast.jsonl\`
with \`llamafactory/dataset_info.json\`:
\`deepspeed --num_gpus 8 LLaMA-Factory/src/train_bash.py --deepspeed ds_zero2.json --stage dpo --do_train --model_name_or_path ${model} --dataset self_contrast --dataset_dir llamafactory --template zephyr --finetuning_type ${c.lora ? 'lora' : 'full'} --output_dir self-contrast-dpo --per_device_train_batch_size 4 --gradient_accumulation_steps 32 --lr_scheduler_type cosine --cutoff_len ${c.max_length} --num_train_epochs ${c.num_train_epochs}.0 --dpo_beta ${c.beta} --learning_rate 5e-7 --bf16\`;
current LLaMA-Factory: \`llamafactory-cli train llamafactory/dpo.yaml\`.

## What was and was not run before this export
- Run offline by the lab's tests on an export like this one: every \`.py\` compiles (\`python3 -m py_compile\`), and
  \`python filter.py --scored lab/scored.jsonl\` reproduces \`lab/pairs.jsonl\` row for row (same rule, a%, M and seed generator).
- Not run there: \`sample.py\`, \`embed.py\`, \`dpo.py\`, \`train.sh\` (they need vLLM, sentence-transformers, TRL and GPUs,
  which the lab's test machines do not have). They call those libraries' documented APIs at the pinned versions.
- Sampling on vLLM draws different samples than the browser did (another sampler and random stream), so steps 1–3 give
  a new dataset of the same construction; \`lab/\` is the browser's.
`;
}
