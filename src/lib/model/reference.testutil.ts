// An independent float64 forward pass of both families, written plainly from
// the Hugging Face modeling code (no graph ops), used only by tests.
import type { LmConfig } from './config';

type W = Map<string, Float32Array>;

/** y[n, o] = Σ_i x[n, i]·w[o, i] (+ b[o]): torch Linear with weight [out, in]. */
function linearT(x: Float64Array, n: number, inDim: number, w: Float32Array, outDim: number, b?: Float32Array): Float64Array {
  const y = new Float64Array(n * outDim);
  for (let r = 0; r < n; r++)
    for (let o = 0; o < outDim; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inDim; i++) s += x[r * inDim + i] * w[o * inDim + i];
      y[r * outDim + o] = s;
    }
  return y;
}

/** y[n, o] = Σ_i x[n, i]·w[i, o] + b[o]: GPT-2's Conv1D with weight [in, out]. */
function conv1d(x: Float64Array, n: number, inDim: number, w: Float32Array, outDim: number, b: Float32Array): Float64Array {
  const y = new Float64Array(n * outDim);
  for (let r = 0; r < n; r++)
    for (let o = 0; o < outDim; o++) {
      let s = b[o];
      for (let i = 0; i < inDim; i++) s += x[r * inDim + i] * w[i * outDim + o];
      y[r * outDim + o] = s;
    }
  return y;
}

function rmsNorm(x: Float64Array, n: number, c: number, w: Float32Array, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < n; r++) {
    let ms = 0;
    for (let i = 0; i < c; i++) ms += x[r * c + i] ** 2;
    const inv = 1 / Math.sqrt(ms / c + eps);
    for (let i = 0; i < c; i++) y[r * c + i] = x[r * c + i] * inv * w[i];
  }
  return y;
}

function layerNorm(x: Float64Array, n: number, c: number, w: Float32Array, b: Float32Array, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < n; r++) {
    let mean = 0;
    for (let i = 0; i < c; i++) mean += x[r * c + i];
    mean /= c;
    let v = 0;
    for (let i = 0; i < c; i++) v += (x[r * c + i] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / c + eps);
    for (let i = 0; i < c; i++) y[r * c + i] = (x[r * c + i] - mean) * inv * w[i] + b[i];
  }
  return y;
}

const silu = (v: number) => v / (1 + Math.exp(-v));
const geluNew = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));

function rope(x: Float64Array, rows: number, heads: number, d: number, positions: number[], theta: number): void {
  // x laid out [rows, heads, d]; row r has position positions[r]; HF rotate_half layout.
  const half = d / 2;
  for (let r = 0; r < rows; r++)
    for (let h = 0; h < heads; h++) {
      const base = (r * heads + h) * d;
      const orig = x.slice(base, base + d);
      for (let i = 0; i < d; i++) {
        const f = positions[r] / theta ** ((2 * (i % half)) / d);
        const rot = i < half ? -orig[i + half] : orig[i - half];
        x[base + i] = orig[i] * Math.cos(f) + rot * Math.sin(f);
      }
    }
}

export interface ReferenceInput {
  ids: number[][]; // [B][T]
  mask: number[][]; // [B][T]
  positions: number[][]; // [B][T]
}

/** Logits [B][T][V] for full sequences (no cache). */
export function referenceLogits(cfg: LmConfig, w: W, input: ReferenceInput): number[][][] {
  const { hiddenSize: C, numHeads: H, numKvHeads: KV, headDim: D, vocabSize: V } = cfg;
  const out: number[][][] = [];
  for (let b = 0; b < input.ids.length; b++) {
    const ids = input.ids[b];
    const T = ids.length;
    const pos = input.positions[b];
    const valid = input.mask[b];
    let x = new Float64Array(T * C);
    const wte = w.get(cfg.family === 'gpt2' ? 'wte.weight' : 'model.embed_tokens.weight')!;
    for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) x[t * C + c] = wte[ids[t] * C + c];
    if (cfg.family === 'gpt2') {
      const wpe = w.get('wpe.weight')!;
      for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) x[t * C + c] += wpe[pos[t] * C + c];
    }
    for (let l = 0; l < cfg.numLayers; l++) {
      let q: Float64Array, k: Float64Array, v: Float64Array;
      if (cfg.family === 'gpt2') {
        const p = `h.${l}.`;
        const h = layerNorm(x, T, C, w.get(`${p}ln_1.weight`)!, w.get(`${p}ln_1.bias`)!, cfg.normEps);
        const qkv = conv1d(h, T, C, w.get(`${p}attn.c_attn.weight`)!, 3 * C, w.get(`${p}attn.c_attn.bias`)!);
        q = new Float64Array(T * C); k = new Float64Array(T * C); v = new Float64Array(T * C);
        for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) {
          q[t * C + c] = qkv[t * 3 * C + c];
          k[t * C + c] = qkv[t * 3 * C + C + c];
          v[t * C + c] = qkv[t * 3 * C + 2 * C + c];
        }
      } else {
        const p = `model.layers.${l}.self_attn.`;
        const h = rmsNorm(x, T, C, w.get(`model.layers.${l}.input_layernorm.weight`)!, cfg.normEps);
        q = linearT(h, T, C, w.get(`${p}q_proj.weight`)!, H * D, w.get(`${p}q_proj.bias`));
        k = linearT(h, T, C, w.get(`${p}k_proj.weight`)!, KV * D, w.get(`${p}k_proj.bias`));
        v = linearT(h, T, C, w.get(`${p}v_proj.weight`)!, KV * D, w.get(`${p}v_proj.bias`));
        rope(q, T, H, D, pos, cfg.ropeTheta);
        rope(k, T, KV, D, pos, cfg.ropeTheta);
      }
      const attn = new Float64Array(T * H * D);
      for (let h = 0; h < H; h++) {
        const kvh = Math.floor(h / (H / KV));
        for (let i = 0; i < T; i++) {
          const scores: number[] = [];
          for (let j = 0; j < T; j++) {
            if (j > i || !valid[j]) { scores.push(-Infinity); continue; }
            let s = 0;
            for (let d = 0; d < D; d++) s += q[(i * H + h) * D + d] * k[(j * KV + kvh) * D + d];
            scores.push(s / Math.sqrt(D));
          }
          const m = Math.max(...scores);
          const e = scores.map((s) => (s === -Infinity ? 0 : Math.exp(s - m)));
          const z = e.reduce((a, c) => a + c, 0);
          for (let j = 0; j < T; j++) if (e[j]) for (let d = 0; d < D; d++) attn[(i * H + h) * D + d] += (e[j] / z) * v[(j * KV + kvh) * D + d];
        }
      }
      if (cfg.family === 'gpt2') {
        const p = `h.${l}.`;
        const o = conv1d(attn, T, C, w.get(`${p}attn.c_proj.weight`)!, C, w.get(`${p}attn.c_proj.bias`)!);
        x = x.map((val, i) => val + o[i]);
        const h2 = layerNorm(x, T, C, w.get(`${p}ln_2.weight`)!, w.get(`${p}ln_2.bias`)!, cfg.normEps);
        const up = conv1d(h2, T, C, w.get(`${p}mlp.c_fc.weight`)!, cfg.intermediateSize, w.get(`${p}mlp.c_fc.bias`)!).map(geluNew);
        const down = conv1d(up, T, cfg.intermediateSize, w.get(`${p}mlp.c_proj.weight`)!, C, w.get(`${p}mlp.c_proj.bias`)!);
        x = x.map((val, i) => val + down[i]);
      } else {
        const p = `model.layers.${l}.`;
        const o = linearT(attn, T, H * D, w.get(`${p}self_attn.o_proj.weight`)!, C, w.get(`${p}self_attn.o_proj.bias`));
        x = x.map((val, i) => val + o[i]);
        const h2 = rmsNorm(x, T, C, w.get(`${p}post_attention_layernorm.weight`)!, cfg.normEps);
        const I = cfg.intermediateSize;
        const gate = linearT(h2, T, C, w.get(`${p}mlp.gate_proj.weight`)!, I).map(silu);
        const up = linearT(h2, T, C, w.get(`${p}mlp.up_proj.weight`)!, I);
        const down = linearT(gate.map((g, i) => g * up[i]), T, I, w.get(`${p}mlp.down_proj.weight`)!, C);
        x = x.map((val, i) => val + down[i]);
      }
    }
    const final = cfg.family === 'gpt2'
      ? layerNorm(x, T, C, w.get('ln_f.weight')!, w.get('ln_f.bias')!, cfg.normEps)
      : rmsNorm(x, T, C, w.get('model.norm.weight')!, cfg.normEps);
    const head = cfg.tieEmbeddings ? wte : w.get('lm_head.weight')!;
    const logits = linearT(final, T, C, head, V);
    out.push(Array.from({ length: T }, (_, t) => Array.from(logits.subarray(t * V, (t + 1) * V))));
  }
  return out;
}

export function logSoftmaxRow(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}
