// The LM worker's model state: the loaded weights and tokenizer, and one
// sampling session per backend, compiled on first use.
import type { Backend, LmInfo, LmSource, PromptInput, SampleProgress, SampleRequest, SampleResult } from '../src/protocol';
import { loadLm, namedFilesReader, type FileReader, type LoadedLm } from '../src/lib/model/load';
import { readZip } from '../src/lib/data/zip';
import { defaultLora } from '../src/lib/train/lora';
import { parseRepoId } from '../src/lib/model/hub';
import { hubReader, type DownloadProgress } from './hub-cache';
import { assertFits } from './hub-plan';
import { lmCodec } from '../src/lib/model/codec';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { generate } from '../src/lib/sample/generate';
import { ourTokensPerSecond } from '../src/lib/sample/throughput';
import { fitPrompt, promptBudget } from '../src/lib/model/context';
import type { OrtApi } from '../src/lib/onnx/runtime';

/** Fetches `${baseUrl}${file}`, reporting bytes as they arrive; null on 404. */
export function urlReader(baseUrl: string, onProgress: (p: { file: string; loaded: number; total: number | null }) => void) {
  return async (file: string): Promise<Uint8Array | null> => {
    const response = await fetch(`${baseUrl}${file}`);
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`${baseUrl}${file}: HTTP ${response.status}`);
    const total = Number(response.headers.get('Content-Length')) || null;
    if (!response.body) return new Uint8Array(await response.arrayBuffer());
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      onProgress({ file, loaded, total });
    }
    if (total !== null && loaded !== total) throw new Error(`${baseUrl}${file}: received ${loaded} of ${total} bytes (truncated download)`);
    const out = new Uint8Array(loaded);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  };
}

/** A dropped folder's files, or the entries of a dropped zip (what the lab's export downloads). */
async function droppedFiles(files: File[]): Promise<{ reader: FileReader; label: string }> {
  const pathOf = (f: File) => f.webkitRelativePath || f.name;
  if (files.length === 1 && files[0].name.endsWith('.zip')) {
    const entries = await readZip(new Uint8Array(await files[0].arrayBuffer()));
    return { reader: namedFilesReader(entries.map((e) => ({ name: e.name, read: async () => e.data }))), label: files[0].name };
  }
  const top = pathOf(files[0]).split('/')[0];
  return {
    reader: namedFilesReader(files.map((f) => ({ name: pathOf(f), read: async () => new Uint8Array(await f.arrayBuffer()) }))),
    label: files.length > 1 && pathOf(files[0]).includes('/') ? `${top}/` : files.map((f) => f.name).join(', '),
  };
}

async function readerFor(source: LmSource, onProgress: (p: DownloadProgress) => void): Promise<{ reader: FileReader; label: string }> {
  switch (source.kind) {
    case 'url':
      return { reader: urlReader(new URL(source.baseUrl, self.location.href).href, onProgress), label: source.baseUrl };
    case 'files':
      return droppedFiles(source.files);
    case 'hub': {
      const repo = parseRepoId(source.id, source.host);
      return { reader: hubReader(repo, onProgress), label: `${repo.host}/${repo.repo}@${repo.revision}` };
    }
  }
}

export class LmModelState {
  private lm: LoadedLm | null = null;
  private source = '';
  private readonly decoders = new Map<Backend, DecoderSession>();

  /** Why WebGPU can no longer run in this worker (its device was lost); null while it can. */
  gpuLost: string | null = null;

  /** `guard` races WebGPU work against the loss of the device (workers/ort-web.ts). */
  constructor(
    private readonly ort: OrtApi,
    private readonly guard: <T>(work: Promise<T>) => Promise<T> = (w) => w,
  ) {}

  /** WebGPU work that fails, instead of hanging, when the device goes; after that WebGPU requests fail at once. */
  async guardGpu<T>(work: Promise<T>): Promise<T> {
    try {
      return await this.guard(work);
    } catch (e) {
      if (e instanceof Error && /device lost/.test(e.message)) {
        this.gpuLost = e.message;
        this.decoders.delete('webgpu'); // its buffers died with the device; releasing would wait forever
      }
      throw e;
    }
  }

  async load(source: LmSource, onProgress: (p: { file: string; loaded: number; total: number | null }) => void): Promise<LmInfo> {
    const { reader, label } = await readerFor(source, onProgress);
    const lm = await loadLm(reader);
    await this.releaseDecoders();
    this.lm = lm;
    this.source = label;
    return this.info();
  }

  info(): LmInfo {
    const lm = this.loaded();
    const c = lm.config;
    return {
      source: this.source,
      modelType: c.modelType,
      parameters: [...lm.weights.values()].reduce((a, w) => a + w.length, 0),
      vocabSize: c.vocabSize,
      layers: c.numLayers,
      hiddenSize: c.hiddenSize,
      contextLength: c.maxPositions,
      hasChatTemplate: lm.tokenizer.hasChatTemplate,
      loraTargets: defaultLora(c).target_modules,
    };
  }

  loaded(): LoadedLm {
    if (!this.lm) throw new Error('no language model is loaded');
    return this.lm;
  }

  /** Drops the sampling sessions (rebuilt on the next request): their weights and KV cache would sit beside training's. */
  async releaseDecoders(): Promise<void> {
    for (const [backend, d] of this.decoders) if (backend === 'wasm' || !this.gpuLost) await d.release();
    this.decoders.clear();
  }

  async decoder(backend: Backend): Promise<DecoderSession> {
    if (backend === 'webgpu' && this.gpuLost) throw new Error(this.gpuLost);
    let d = this.decoders.get(backend);
    if (!d) {
      const lm = this.loaded();
      await assertFits(lm.config, backend, 'sample');
      d = await DecoderSession.create(this.ort, lm.config, lm.weights, backend);
      this.decoders.set(backend, d);
    }
    return d;
  }

  /** Prompt token ids as the model sees them: chat-formatted when the tokenizer has a template. */
  encodePrompt(prompt: PromptInput): number[] {
    return lmCodec(this.loaded()).encodePrompt(prompt);
  }

  /** Sampling tokens per second of the loaded model on one backend: R rows of one prompt, after a short warm-up run. */
  async samplingThroughput(backend: Backend, samplesPerPrompt: number, newTokens: number): Promise<number> {
    const lm = this.loaded();
    const decoder = await this.decoder(backend);
    const setup = { promptIds: this.encodePrompt('Measure this backend: what is 12 plus 30?'), samplesPerPrompt: Math.min(32, samplesPerPrompt), seed: 1 };
    await ourTokensPerSecond(decoder, { ...setup, newTokens: 2 }, lm.padTokenId);
    return ourTokensPerSecond(decoder, { ...setup, newTokens }, lm.padTokenId);
  }

  async sample(req: SampleRequest, onProgress: (p: SampleProgress) => void): Promise<SampleResult> {
    const lm = this.loaded();
    const budget = promptBudget(lm.config.maxPositions, req.maxNewTokens);
    const encoded = req.prompts.map((p) => this.encodePrompt(p));
    const fitted = encoded.map((ids) => fitPrompt(ids, budget, req.longPrompts));
    const kept = fitted.flatMap((ids, i) => (ids ? [i] : []));
    const skipped = fitted.flatMap((ids, i) => (ids ? [] : [i]));
    const truncated = fitted.flatMap((ids, i) => (ids && ids.length < encoded[i].length ? [i] : []));
    if (!kept.length) return { backend: req.backend, tokensPerSecond: 0, samples: [], skipped, truncated };
    const decoder = await this.decoder(req.backend);
    const t0 = performance.now();
    const generating = generate(decoder, kept.map((i) => fitted[i]!), {
      samplesPerPrompt: req.samplesPerPrompt,
      maxNewTokens: req.maxNewTokens,
      sampling: { temperature: req.temperature, topP: req.topP, topK: req.topK },
      seed: req.seed,
      promptIndices: req.promptIndices && kept.map((i) => req.promptIndices![i]),
      eosTokenIds: lm.eosTokenIds,
      padTokenId: lm.padTokenId,
      stop: { strings: req.stop, decode: (ids) => lm.tokenizer.decode(ids) },
      onProgress: (p) => onProgress({ promptsDone: p.promptsDone, promptsTotal: p.promptsTotal, tokensGenerated: p.tokensGenerated }),
    });
    const samples = await (req.backend === 'webgpu' ? this.guardGpu(generating) : generating);
    const seconds = (performance.now() - t0) / 1000;
    const tokens = samples.reduce((a, s) => a + s.tokens.length + (s.finish === 'eos' ? 1 : 0), 0);
    return {
      backend: req.backend,
      tokensPerSecond: tokens / seconds,
      samples: samples.map((s) => ({ ...s, promptIndex: kept[s.promptIndex], text: s.text ?? lm.tokenizer.decode(s.tokens) })),
      skipped,
      truncated,
    };
  }
}
