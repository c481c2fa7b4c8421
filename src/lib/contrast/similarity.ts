// Cosine similarity of each sample to its prompt's target, from unit vectors.

/**
 * `targets` [P, d] and `samples` [N, d] are row-major unit vectors; sample i
 * belongs to prompt `owner[i]`. Returns cos(sample_i, target_owner(i)) for each i.
 */
export function cosineToTargets(targets: Float32Array, samples: Float32Array, owner: Int32Array, d: number): Float32Array {
  const out = new Float32Array(owner.length);
  for (let i = 0; i < owner.length; i++) {
    let s = 0;
    const a = i * d;
    const b = owner[i] * d;
    for (let k = 0; k < d; k++) s += samples[a + k] * targets[b + k];
    out[i] = s;
  }
  return out;
}

/** Unit vectors, row-major [texts, d]. */
export type EmbedTexts = (texts: string[]) => Promise<{ vectors: Float32Array; dimensions: number }>;

/** Embeds every target and sample and returns each sample's cosine to its own target, flat in prompt order. */
export async function embedAndScore(prompts: readonly { target: string; samples: readonly string[] }[], embed: EmbedTexts): Promise<Float32Array> {
  const owner = Int32Array.from(prompts.flatMap((p, k) => p.samples.map(() => k)));
  const targets = await embed(prompts.map((p) => p.target));
  const samples = await embed(prompts.flatMap((p) => p.samples));
  return cosineToTargets(targets.vectors, samples.vectors, owner, targets.dimensions);
}
