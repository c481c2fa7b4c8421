// LoRA as PEFT defines it: for each target Linear, W' = W + (α/r)·B·A with A
// [r, in] (Kaiming-uniform), B [out, r] (zeros), so training starts at the base
// model. Adapter names and adapter_config.json follow PEFT's layout, so a saved
// adapter loads with PeftModel.from_pretrained; merging gives plain HF weights.
import type { Value } from '../onnx/graph';
import type { ParamSpec } from '../onnx/train-step';
import { add, matmul, mul, transpose } from '../onnx/ops';
import { createRng } from '../random';
import type { Weights } from '../model/decoder';
import { weightSpecs, type LmConfig, type TensorSpec } from '../model/config';

/** PEFT's LoraConfig fields, in its names. */
export interface LoraConfig {
  r: number;
  lora_alpha: number;
  /** Module names (q_proj, v_proj, c_attn…). */
  target_modules: string[];
}

/** PEFT's defaults per family (its TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
export function defaultLora(cfg: LmConfig): LoraConfig {
  return { r: 8, lora_alpha: 16, target_modules: cfg.family === 'gpt2' ? ['c_attn'] : ['q_proj', 'v_proj'] };
}

interface Target {
  /** The base weight's name, e.g. model.layers.0.self_attn.q_proj.weight. */
  weight: string;
  a: ParamSpec;
  b: ParamSpec;
  /** GPT-2's Conv1D stores [in, out] (PEFT's fan_in_fan_out). */
  conv1d: boolean;
}

const adapterName = (weight: string, which: 'A' | 'B') => `base_model.model.${weight.replace(/\.weight$/, '')}.lora_${which}.weight`;

export function loraTargets(cfg: LmConfig, lora: LoraConfig): Target[] {
  const conv1d = cfg.family === 'gpt2';
  const targets = weightSpecs(cfg)
    .filter((s: TensorSpec) => s.shape.length === 2 && lora.target_modules.some((m) => s.name.endsWith(`.${m}.weight`)))
    .map((s) => {
      const [out, inp] = conv1d ? [s.shape[1], s.shape[0]] : s.shape;
      return {
        weight: s.name,
        a: { name: adapterName(s.name, 'A'), shape: [lora.r, inp], decay: true },
        b: { name: adapterName(s.name, 'B'), shape: [out, lora.r], decay: true },
        conv1d,
      };
    });
  if (!targets.length) throw new Error(`LoRA: no ${cfg.modelType} weight matches target modules ${lora.target_modules.join(', ')}`);
  return targets;
}

export function loraParamSpecs(cfg: LmConfig, lora: LoraConfig): ParamSpec[] {
  return loraTargets(cfg, lora).flatMap((t) => [t.a, t.b]);
}

/** The base weights with each target replaced by W + (α/r)·B·A, inside the graph (gradients reach A and B). */
export function loraWeights(base: Weights, adapters: Record<string, Value>, cfg: LmConfig, lora: LoraConfig): Weights {
  const byWeight = new Map(loraTargets(cfg, lora).map((t) => [t.weight, t]));
  const scale = lora.lora_alpha / lora.r;
  return {
    get: (name) => {
      const t = byWeight.get(name);
      if (!t) return base.get(name);
      const a = adapters[t.a.name];
      const b = adapters[t.b.name];
      const delta = t.conv1d ? matmul(transpose(a, [1, 0]), transpose(b, [1, 0])) : matmul(b, a);
      return add(base.get(name), mul(delta, scale));
    },
    transposed: (names) => (names.some((n) => byWeight.has(n)) ? null : base.transposed(names)),
  };
}

/** A ~ U(−1/√in, 1/√in) (torch's kaiming_uniform_ with a = √5, as PEFT), B = 0. */
export function initLora(cfg: LmConfig, lora: LoraConfig, seed: number): Map<string, Float32Array> {
  const rng = createRng(seed);
  const out = new Map<string, Float32Array>();
  for (const t of loraTargets(cfg, lora)) {
    const bound = 1 / Math.sqrt(t.a.shape[1]);
    out.set(t.a.name, Float32Array.from({ length: t.a.shape[0] * t.a.shape[1] }, () => (2 * rng() - 1) * bound));
    out.set(t.b.name, new Float32Array(t.b.shape[0] * t.b.shape[1]));
  }
  return out;
}

/** Plain weights with the adapters folded in (what "merge_and_unload" gives). */
export function mergeLora(base: Map<string, Float32Array>, adapters: Map<string, Float32Array>, cfg: LmConfig, lora: LoraConfig): Map<string, Float32Array> {
  const merged = new Map(base);
  const scale = lora.lora_alpha / lora.r;
  for (const t of loraTargets(cfg, lora)) {
    const a = adapters.get(t.a.name)!;
    const b = adapters.get(t.b.name)!;
    const [r, inp] = t.a.shape;
    const out = t.b.shape[0];
    const w = Float32Array.from(base.get(t.weight)!);
    for (let o = 0; o < out; o++) {
      for (let i = 0; i < inp; i++) {
        let s = 0;
        for (let k = 0; k < r; k++) s += b[o * r + k] * a[k * inp + i];
        w[t.conv1d ? i * out + o : o * inp + i] += scale * s;
      }
    }
    merged.set(t.weight, w);
  }
  return merged;
}

/** adapter_config.json as PEFT writes it for a causal LM. */
/** PEFT's adapter_config.json; PEFT loads the base by base_model_name_or_path (a Hub id) at `revision`. */
export function peftAdapterConfig(lora: LoraConfig, base: { id: string | null; revision: string | null }, cfg: LmConfig): Record<string, unknown> {
  return {
    peft_type: 'LORA', task_type: 'CAUSAL_LM', base_model_name_or_path: base.id, revision: base.revision, r: lora.r, lora_alpha: lora.lora_alpha,
    lora_dropout: 0, target_modules: lora.target_modules, bias: 'none', fan_in_fan_out: cfg.family === 'gpt2',
    inference_mode: true, init_lora_weights: true, modules_to_save: null,
  };
}
