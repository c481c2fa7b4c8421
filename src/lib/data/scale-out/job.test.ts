// The scale-out job: its Python compiles, and its filter.py, run on the lab's own
// samples and similarities, selects exactly the pairs the lab exports.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTable, rankCandidates, selectNegatives, type FilterRule } from '../../contrast/filter';
import { createRng } from '../../random';
import { DEFAULT_SETTINGS, filterSettingsOf, type LabSettings } from '../../settings';
import type { ExportRow } from '../export';
import { JOB_FOLDER, yamlNumber, scaleOutJob } from './job';
import { hubIdOfLabel } from '../../model/hub';
import { dpoConfigFrom } from '../../train/dpo-config';

// Prompts as the lab sees them: plain and chat, with repeats, the target itself, blanks, leading spaces and ties.
const rng = createRng(17);
const vocab = ['The answer is 4.', ' The answer is 5.', 'It is 22.', '', '  ', 'The answer is 3.', 'I cannot help with that.', 'Four.', 'four', ' four', 'TARGET'];
const rows: ExportRow[] = Array.from({ length: 120 }, (_, p) => ({
  prompt: p % 3 === 0 ? [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: `Question ${p}` }] : `Question ${p}`,
  target: 'TARGET',
  samples: Array.from({ length: 4 + Math.floor(rng() * 29) }, () => vocab[Math.floor(rng() * vocab.length)]),
}));
const simOf = (text: string) => (text === 'TARGET' ? 1 : Math.fround(Math.round(rng() * 9) / 10));
const table = buildTable(rows, Float32Array.from(rows.flatMap((r) => r.samples.map(simOf))));

function writeJob(settings: LabSettings): string {
  const dir = mkdtempSync(join(tmpdir(), 'scale-out-'));
  const result = selectNegatives(table, rankCandidates(table, settings.filterRule), filterSettingsOf(settings));
  const counts = { prompts: rows.length, promptsKept: result.promptsKept, pairs: result.negatives.length, shortPrompts: result.shortPrompts.length };
  for (const f of scaleOutJob(rows, table, result, settings, dpoConfigFrom(settings, ['q_proj', 'v_proj'], 512), counts, { lm: 'https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct@main', embedder: '/models/embed' })) {
    mkdirSync(dirname(join(dir, f.name)), { recursive: true });
    writeFileSync(join(dir, f.name), f.content);
  }
  return join(dir, JOB_FOLDER);
}

const jsonl = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('scale-out job', () => {
  it('every Python step compiles', () => {
    const job = writeJob(DEFAULT_SETTINGS);
    for (const py of ['sample.py', 'embed.py', 'filter.py', 'dpo.py']) execFileSync('python3', ['-m', 'py_compile', join(job, py)]);
    expect(readFileSync(join(job, 'README.md'), 'utf8')).toContain('python sample.py --model HuggingFaceTB/SmolLM2-135M-Instruct');
    expect(readFileSync(join(job, 'README.md'), 'utf8')).toContain('PATH/TO/YOUR/EMBEDDING-MODEL');
    expect(JSON.parse(readFileSync(join(job, 'settings.json'), 'utf8')).settings).toMatchObject({ filterRule: 'reference', a: 25, m: 8 });
    // The DPO config under TRL DPOConfig's own field names, as dpo.py passes it to TRL.
    const config = JSON.parse(readFileSync(join(job, 'dpo_config.json'), 'utf8'));
    // gradient_checkpointing is transformers' TrainingArguments field, which DPOConfig inherits.
    const TRL_DPO_CONFIG_FIELDS = ['beta', 'loss_type', 'label_smoothing', 'rpo_alpha', 'learning_rate', 'lr_scheduler_type', 'warmup_ratio', 'num_train_epochs', 'max_steps', 'weight_decay', 'max_grad_norm', 'max_length', 'seed', 'gradient_checkpointing'];
    expect(Object.keys(config.trl).sort()).toEqual([...TRL_DPO_CONFIG_FIELDS].sort());
    expect(config.trl).toMatchObject({ beta: 0.1, loss_type: 'sigmoid', rpo_alpha: null, learning_rate: 3e-5, lr_scheduler_type: 'cosine', num_train_epochs: 1, max_steps: -1, max_length: 512 });
    expect(config.self_contrast).toMatchObject({ negatives_per_prompt: 8, prompts_per_step: 16, lora: null });
  });

  it("LLaMA-Factory's dpo.yaml reads the same config, and says where its losses differ", () => {
    const job = writeJob({ ...DEFAULT_SETTINGS, dpoLoss: 'robust', labelSmoothing: 0.1, rpoAlpha: 0.5, loraRank: 16, loraAlpha: 32, maxSteps: 40, lr: 5e-7, schedule: 'constant' });
    const yaml = readFileSync(join(job, 'llamafactory/dpo.yaml'), 'utf8');
    const config = JSON.parse(readFileSync(join(job, 'dpo_config.json'), 'utf8'));
    expect(config.self_contrast.lora).toEqual({ r: 16, lora_alpha: 32, target_modules: ['q_proj', 'v_proj'] });
    expect(config.trl.rpo_alpha).toBe(0.5);
    expect(yaml).toMatch(/^pref_ftx: 0.5 {2}# RPO α; LLaMA-Factory averages the chosen NLL per response, TRL per token$/m);
    for (const line of ['finetuning_type: lora', 'lora_rank: 16', 'lora_alpha: 32', 'lora_target: q_proj,v_proj', 'cutoff_len: 512', 'max_steps: 40', 'learning_rate: 5.0e-7',
      'lr_scheduler_type: constant', 'dpo_label_smoothing: 0.1', 'pref_beta: 0.1']) expect(yaml).toContain(line);
    expect(yaml).toMatch(/pref_loss: sigmoid {2}# NOT the lab's robust/);
    // TRL's loss_type "sft" is written as it is; the pinned TRL 0.17 lacks it (0.20 has it), so dpo.py stops and says what
    // the run is instead, and LLaMA-Factory's yaml names its stage that is the same training.
    const sftJob = writeJob({ ...DEFAULT_SETTINGS, dpoLoss: 'sft' });
    expect(JSON.parse(readFileSync(join(sftJob, 'dpo_config.json'), 'utf8')).trl.loss_type).toBe('sft');
    expect(readFileSync(join(sftJob, 'dpo.py'), 'utf8')).toMatch(/if trl\["loss_type"\] == "sft":\n\s+raise SystemExit\("The lab ran loss_type 'sft'/);
    expect(readFileSync(join(sftJob, 'llamafactory/dpo.yaml'), 'utf8')).toMatch(/pref_loss: sigmoid {2}# NOT the lab's sft: .*stage: sft on the chosen responses/);
    // LLaMA-Factory loads the file with PyYAML (YAML 1.1), whose resolver takes `5e-7` for a string: every number must
    // match its float or int pattern (PyYAML's resolver.py, copied as the reference).
    const pyYamlFloat = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?)$/;
    const pyYamlInt = /^[-+]?(?:0|[1-9][0-9_]*)$/;
    for (const key of ['learning_rate', 'pref_beta', 'dpo_label_smoothing', 'pref_ftx', 'warmup_ratio', 'max_grad_norm', 'cutoff_len', 'lora_rank']) {
      const value = new RegExp(`^${key}: (\\S+)(?: {2}#.*)?$`, 'm').exec(yaml)![1];
      expect(pyYamlFloat.test(value) || pyYamlInt.test(value), `${key}: ${value}`).toBe(true);
    }
    expect(yamlNumber(1e-7)).toBe('1.0e-7');
    expect(yamlNumber(2.5e-7)).toBe('2.5e-7');
    expect(yamlNumber(0.1)).toBe('0.1');
  });

  const cases: [FilterRule, number, number, number, LabSettings['shortPrompts']][] = [
    ['reference', 25, 1, 1, 'skip'], ['reference', 50, 3, 7, 'skip'], ['reference', 75, 2, 3, 'keep-fewer'], ['reference', 100, 4, 11, 'skip'],
    ['distinct', 25, 1, 1, 'skip'], ['distinct', 60, 3, 5, 'keep-fewer'],
  ];
  for (const [rule, a, m, seed, short] of cases) {
    it(`filter.py on the lab's samples gives the lab's pairs row by row (${rule}, a = ${a}%, M = ${m}, seed ${seed}, ${short})`, () => {
      const job = writeJob({ ...DEFAULT_SETTINGS, filterRule: rule, a, m, seed, shortPrompts: short });
      execFileSync('python3', ['filter.py', '--scored', 'lab/scored.jsonl'], { cwd: job });
      const lab = jsonl(join(job, 'lab/pairs.jsonl'));
      expect(lab.length).toBeGreaterThan(0);
      expect(jsonl(join(job, 'pairs.jsonl'))).toEqual(lab);
      expect(jsonl(join(job, 'llamafactory/self_contrast.jsonl'))).toEqual(jsonl(join(job, 'lab/llamafactory-pairs.jsonl')));
    });
  }

  it('names Hub models by id and revision, and nothing else', () => {
    expect(hubIdOfLabel('https://huggingface.co/WhereIsAI/UAE-Large-V1@main')).toEqual({ id: 'WhereIsAI/UAE-Large-V1', revision: 'main' });
    expect(hubIdOfLabel('/models/lm/')).toBeNull();
    expect(hubIdOfLabel('my-model/')).toBeNull();
  });
});
