// How far an update moved a model: ‖θ − θ₀‖ / ‖θ₀‖ over every tensor of the base.
// Two runs at the same learning rate can move the weights by very different
// amounts (Adam's step depends on how noisy the gradient is), so a comparison
// of methods reads accuracy against this, not against the learning rate alone.

/** Relative L2 change of `trained` from `base`, over all of base's tensors (summed in float64). */
export function relativeWeightChange(base: ReadonlyMap<string, Float32Array>, trained: ReadonlyMap<string, Float32Array>): number {
  let diff = 0;
  let norm = 0;
  for (const [name, b] of base) {
    const t = trained.get(name);
    if (!t) throw new Error(`trained weights lack ${name}`);
    if (t.length !== b.length) throw new Error(`${name}: ${t.length} trained values against ${b.length} in the base`);
    for (let i = 0; i < b.length; i++) {
      const d = t[i] - b[i];
      diff += d * d;
      norm += b[i] * b[i];
    }
  }
  if (norm === 0) throw new Error('the base weights are all zero: a relative change is undefined');
  return Math.sqrt(diff / norm);
}
