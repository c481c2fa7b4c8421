// Every setting of a Self-Contrast experiment, in one typed table with its
// defaults (the paper's where it has one). Serialises to JSON and to the URL,
// so an experiment is a link, and is recorded with every export.
import { DPO_VARIANTS, type DpoVariant } from './train/dpo';
import { DEFAULT_HUB_HOST } from './model/hub';
import { FILTER_RULES, type FilterRule, type FilterSettings } from './contrast/filter';
import { BACKEND_PREFERENCES, type BackendPreference } from './backend-choice';
import { POOLINGS, type Pooling, type PoolingSetting } from './model/pooling';
import type { LongPromptPolicy } from './model/context';

export interface LabSettings {
  hubHost: string;
  lm: string;
  embedder: string;
  sampleBackend: BackendPreference;
  embedBackend: BackendPreference;
  trainBackend: BackendPreference;
  embedPooling: PoolingSetting;
  samplesPerPrompt: number; // R
  temperature: number;
  topP: number;
  topK: number;
  maxNewTokens: number;
  seed: number;
  stop: string; // JSON list of stop strings
  longPrompts: LongPromptPolicy;
  filterRule: FilterRule;
  a: number; // percent of least-similar samples eligible as negatives
  m: number; // negatives per prompt
  shortPrompts: 'skip' | 'keep-fewer';
  dpoLoss: DpoVariant;
  beta: number;
  labelSmoothing: number;
  rpoAlpha: number;
  lr: number;
  promptsPerStep: number;
  rowsPerPass: number;
  epochs: number;
  maxSteps: number;
  schedule: 'constant' | 'cosine';
  warmupRatio: number;
  gradientCheckpointing: 'auto' | 'lm-head' | 'on'; // auto: as little recomputation as the memory plan says a pass needs
  loraRank: number; // 0 = full fine-tuning
  loraAlpha: number;
  loraTargets: string; // comma-separated module names; empty = PEFT's default for the architecture
  heldOut: number; // percent of prompts kept out of training for reward accuracy
  evalPrompts: number; // built-in task test prompts scored by the verifier
  checkpointEvery: number;
  gridMethods: string; // Experiments: comma-separated of sft, dpo-std, sft-targets, unfiltered, self-contrast, oracle
  gridMs: string; // comma-separated M values
  gridAs: string; // comma-separated a% values (Self-Contrast at every M × a%)
  gridSeeds: number; // seeds 1..n
  gridPrompts: number; // pool prompts sampled once for the grid
  gridEvalPrompts: number; // built-in test prompts each cell is scored on
  gridEvalSampled: number; // T = 1 samples per test prompt also scored (the authors' evaluation); 0 = greedy only
  gridRewardSamples: number; // T = 1 samples of the loaded model per test prompt that probe each cell's implicit reward; 0 = off
}

type Row<K extends keyof LabSettings> = { default: LabSettings[K]; describe: string; parse: (s: string) => LabSettings[K] | null };

const num = (lo: number, hi: number, int = false) => (s: string) => {
  const v = Number(s);
  return Number.isFinite(v) && v >= lo && v <= hi && (!int || Number.isInteger(v)) ? v : null;
};

/** The shipped models' settings (where the lab serves them). */
export const SHIPPED_LM = '/models/lm/';
export const SHIPPED_EMBEDDER = '/models/embed';
const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*(@[A-Za-z0-9._/-]+)?$/;
const modelSetting = (shipped: string) => (s: string) => (s === shipped || HUB_ID.test(s) || /^files:.+/.test(s) ? s : null);

/** What a model setting names: the shipped model, a Hub repository, or dropped files (which a link cannot carry). */
export type ModelRef = { kind: 'shipped' } | { kind: 'hub'; id: string } | { kind: 'files'; label: string };

export function modelRefOf(setting: string): ModelRef {
  if (setting === SHIPPED_LM || setting === SHIPPED_EMBEDDER) return { kind: 'shipped' };
  if (setting.startsWith('files:')) return { kind: 'files', label: setting.slice('files:'.length) };
  return { kind: 'hub', id: setting };
}

/** A comma-separated list of numbers, each in [lo, hi] (integers when asked), none repeated; at least one. */
const numberList = (lo: number, hi: number, int = false) => (s: string): string | null => {
  const items = s.split(',').map((x) => x.trim());
  const ok = items.length > 0 && items.every((x) => num(lo, hi, int)(x) !== null && x !== '') && new Set(items.map(Number)).size === items.length;
  return ok ? items.map(Number).join(',') : null;
};

/** Methods the Experiments step compares (src/lib/experiments/grid.ts). */
export const GRID_METHODS = ['sft', 'dpo-std', 'sft-targets', 'unfiltered', 'self-contrast', 'oracle'] as const;
export type GridMethod = (typeof GRID_METHODS)[number];
const methodList = (s: string): string | null => {
  const items = s.split(',').map((x) => x.trim());
  return items.length && items.every((x) => (GRID_METHODS as readonly string[]).includes(x)) && new Set(items).size === items.length ? GRID_METHODS.filter((m) => items.includes(m)).join(',') : null;
};

/** Stop strings as a JSON list (what vLLM's and transformers' `stop` take), normalised; at most 16, none empty. */
const stopList = (s: string): string | null => {
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) && v.length <= 16 && v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 200) ? JSON.stringify(v) : null;
  } catch {
    return null;
  }
};

/** The stop strings a stop setting holds. */
export const stopStrings = (s: Pick<LabSettings, 'stop'>): string[] => JSON.parse(s.stop) as string[];

const backendPreference = (s: string): BackendPreference | null => (BACKEND_PREFERENCES.includes(s as BackendPreference) ? (s as BackendPreference) : null);

export const SETTINGS: { [K in keyof LabSettings]: Row<K> } = {
  hubHost: { default: DEFAULT_HUB_HOST, describe: 'Hub address (the Hub, a mirror, or a self-hosted server); model downloads go only there', parse: (s) => (/^https?:\/\/[^\s]+$/.test(s) ? s.replace(/\/$/, '') : null) },
  lm: { default: SHIPPED_LM, describe: 'language model (θ_SFT): the shipped default, a Hub id (org/name[@revision]), or files:<name> for dropped files', parse: modelSetting(SHIPPED_LM) },
  embedder: { default: SHIPPED_EMBEDDER, describe: 'sentence-embedding model: the shipped default, a Hub id, or files:<name>', parse: modelSetting(SHIPPED_EMBEDDER) },
  sampleBackend: { default: 'auto', describe: 'sampling backend: auto = the faster one measured on this machine for this model', parse: backendPreference },
  embedBackend: { default: 'auto', describe: 'embedding backend: auto = the faster one measured on this machine for this encoder', parse: backendPreference },
  trainBackend: { default: 'auto', describe: 'DPO training backend: auto = the faster one measured on one training step', parse: backendPreference },
  embedPooling: { default: 'auto', describe: "embedding pooling: auto = the model's own (sentence-transformers 1_Pooling/config.json; UAE-Large-V1: CLS), else mean", parse: (s) => (s === 'auto' || POOLINGS.includes(s as Pooling) ? (s as PoolingSetting) : null) },
  samplesPerPrompt: { default: 32, describe: 'R, samples per prompt (paper: 32; 64 for M = 16)', parse: num(1, 256, true) },
  temperature: { default: 1, describe: 'sampling temperature (paper: 1.0)', parse: num(0, 5) },
  topP: { default: 1, describe: 'nucleus top-p (paper: 1.0)', parse: num(0, 1) },
  topK: { default: 0, describe: 'top-k, 0 = off', parse: num(0, 100000, true) },
  maxNewTokens: { default: 96, describe: 'max new tokens per sample', parse: num(1, 4096, true) },
  seed: { default: 1, describe: 'seed for sampling and negative selection', parse: num(0, 2 ** 31 - 1, true) },
  stop: { default: '[]', describe: 'stop strings, a JSON list such as ["\\n\\nUser:"]: a sample ends at the first one, which is cut off (vLLM\'s stop)', parse: stopList },
  filterRule: { default: 'reference', describe: "filter rule: reference = the authors' code (THUDM/Self-Contrast lastdedup-p); distinct = a% of the distinct non-target samples", parse: (s) => (FILTER_RULES.includes(s as FilterRule) ? (s as FilterRule) : null) },
  longPrompts: { default: 'skip', describe: "prompts longer than the model's context minus max new tokens: skip them, or drop their start", parse: (s) => (s === 'skip' || s === 'truncate-left' ? s : null) },
  a: { default: 25, describe: 'a%: least-similar share eligible as negatives, 1–100 (paper: 25; 75 on HH-RLHF)', parse: num(1, 100) },
  m: { default: 8, describe: 'M, negatives per prompt (paper: 1, 8, 16)', parse: num(1, 256, true) },
  shortPrompts: { default: 'skip', describe: 'prompts whose pool holds fewer than M texts: skip (the reference), or keep fewer', parse: (s) => (s === 'skip' || s === 'keep-fewer' ? s : null) },
  dpoLoss: { default: 'sigmoid', describe: 'DPO loss (TRL loss_type; infonca: 1 target vs M negatives in one softmax; sft: the chosen responses\' NLL alone, a control)', parse: (s) => (DPO_VARIANTS.includes(s as DpoVariant) ? (s as DpoVariant) : null) },
  beta: { default: 0.1, describe: 'β (paper: 0.1)', parse: num(1e-4, 100) },
  labelSmoothing: { default: 0, describe: 'label smoothing ε (cDPO / robust)', parse: num(0, 0.49) },
  rpoAlpha: { default: 0, describe: "RPO α (TRL's rpo_alpha): adds α × the chosen responses' NLL per token to the DPO loss; 0 = off", parse: num(0, 100) },
  lr: { default: 3e-5, describe: 'peak learning rate (paper: 5e-7 for 7B; the default model: 3e-5)', parse: num(1e-9, 1) },
  promptsPerStep: { default: 16, describe: 'prompts per optimizer step, the same for every M (paper: 128)', parse: num(1, 4096, true) },
  rowsPerPass: { default: 36, describe: 'sequences per forward/backward pass; steps accumulate gradients over passes', parse: num(2, 4096, true) },
  epochs: { default: 1, describe: 'epochs (paper: 1)', parse: num(1, 100, true) },
  maxSteps: { default: 0, describe: "TRL's max_steps: train exactly this many steps when > 0 (overrides epochs)", parse: num(0, 1e7, true) },
  schedule: { default: 'cosine', describe: 'learning-rate schedule', parse: (s) => (s === 'constant' || s === 'cosine' ? s : null) },
  warmupRatio: { default: 0.1, describe: 'warmup share of the steps', parse: num(0, 0.9) },
  gradientCheckpointing: {
    default: 'auto', describe: "gradient checkpointing: lm-head = recompute the LM head's logits in the backward pass, on = every layer too; auto = the least of these that lets one prompt per pass fit the memory estimate", parse: (s) => (s === 'auto' || s === 'lm-head' || s === 'on' ? s : null),
  },
  loraRank: { default: 0, describe: 'LoRA rank; 0 trains every weight', parse: num(0, 512, true) },
  loraAlpha: { default: 16, describe: 'LoRA α', parse: num(0.001, 4096) },
  loraTargets: { default: '', describe: "LoRA target modules, comma-separated (empty: PEFT's default for the architecture)", parse: (s) => (/^[A-Za-z0-9_,. ]*$/.test(s) ? s : null) },
  heldOut: { default: 10, describe: 'held-out % of preference prompts for reward accuracy', parse: num(0, 50) },
  evalPrompts: { default: 200, describe: 'built-in test prompts scored by the verifier before and after', parse: num(0, 500, true) },
  checkpointEvery: { default: 10, describe: 'checkpoint to browser storage every N steps', parse: num(1, 100000, true) },
  gridMethods: { default: 'sft,sft-targets,self-contrast', describe: 'Experiments: methods, comma-separated (sft, dpo-std = DPO with verifier feedback, sft-targets = SFT on the pool targets, a control, unfiltered = a 100%, self-contrast, oracle = the verifier as the filter)', parse: methodList },
  gridMs: { default: '1,8', describe: 'Experiments: M values, comma-separated (1–64)', parse: numberList(1, 64, true) },
  gridAs: { default: '25', describe: 'Experiments: a% values for Self-Contrast, comma-separated (1–100)', parse: numberList(1, 100) },
  gridSeeds: { default: 1, describe: 'Experiments: seeds per cell (1…n)', parse: num(1, 20, true) },
  gridPrompts: { default: 1000, describe: 'Experiments: pool prompts sampled once for the whole grid', parse: num(16, 4000, true) },
  gridEvalPrompts: { default: 1000, describe: 'Experiments: built-in test prompts each cell is scored on (greedy, verifier)', parse: num(1, 2000, true) },
  gridRewardSamples: {
    default: 0,
    describe: "Experiments: also this many T = 1 samples of the loaded model per test prompt, labelled by the verifier, probe each trained cell's implicit reward β·log π/π_ref: its accuracy on one right/wrong pair per prompt, and the verifier accuracy of the sample it ranks highest (best-of-k); 0 = off",
    parse: num(0, 16, true),
  },
  gridEvalSampled: { default: 0, describe: "Experiments: also this many responses per test prompt sampled at T = 1, top-p 1 and scored by the verifier, as the authors evaluate (their Test.sh: one); 0 = greedy only", parse: num(0, 16, true) },
};

export const DEFAULT_SETTINGS = Object.fromEntries(Object.entries(SETTINGS).map(([k, row]) => [k, row.default])) as unknown as LabSettings;

/** Only the settings that differ from the defaults go into the link. */
export function settingsToSearch(s: LabSettings): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(SETTINGS) as (keyof LabSettings)[]) if (s[key] !== SETTINGS[key].default) params.set(key, String(s[key]));
  return params.toString();
}

/**
 * The valid part of a settings patch, each value through its row's parse (as text, as a link or a field holds it);
 * unknown keys are ignored and invalid values named. Every way a setting is written goes through here.
 */
export function parseSettings(patch: Readonly<Partial<LabSettings>> | Readonly<Record<string, unknown>>): { settings: Partial<LabSettings>; invalid: string[] } {
  const given = patch as Readonly<Record<string, unknown>>;
  const settings: Record<string, unknown> = {};
  const invalid: string[] = [];
  for (const key of Object.keys(SETTINGS) as (keyof LabSettings)[]) {
    if (given[key] === undefined) continue;
    const raw = String(given[key]);
    const v = SETTINGS[key].parse(raw);
    if (v === null) invalid.push(`${key}=${raw}`);
    else settings[key] = v;
  }
  return { settings: settings as Partial<LabSettings>, invalid };
}

/** Settings from a link; unknown keys are ignored and invalid values named. */
export function settingsFromSearch(search: string): { settings: LabSettings; invalid: string[] } {
  const { settings, invalid } = parseSettings(Object.fromEntries(new URLSearchParams(search)));
  return { settings: { ...DEFAULT_SETTINGS, ...settings }, invalid };
}

/** The filter's part of the settings. */
export const filterSettingsOf = (s: LabSettings): FilterSettings => ({ rule: s.filterRule, a: s.a, m: s.m, seed: s.seed, short: s.shortPrompts });
