// The KV cache in host memory for CPU execution providers. onnxruntime-web's
// wasm backend copies every output out of its heap and every input into it, so
// a graph that returns the whole grown cache each step pays for three copies of
// it (Concat, copy-out, copy-in) plus fresh arrays. Here the graph returns only
// the step's new keys and values; they are written into arrays with spare
// capacity, fed back whole, and the unfilled slots are masked out.
//   per tensor [B, KV, capacity, D]; positions [0, length) are filled.

export class HostKvCache {
  private buffers: Float32Array[] = [];
  private batch = 0;
  private filled = 0;
  private capacity = 0;

  /**
   * @param tensors how many cache tensors (2 per layer)
   * @param growBy capacity grows in these steps, so arrays are rebuilt once per `growBy` decode steps
   */
  constructor(
    private readonly tensors: number,
    private readonly heads: number,
    private readonly headDim: number,
    private readonly growBy = 16,
  ) {}

  /** Positions held (prompt padding included). */
  get length(): number {
    return this.filled;
  }

  /** The arrays to feed as past_key_values.*, each [batch, heads, capacity, headDim]. */
  pastFeeds(): { data: Float32Array[]; dims: [number, number, number, number] } {
    const data = this.buffers.length ? this.buffers : Array.from({ length: this.tensors }, () => new Float32Array(0));
    return { data, dims: [this.batch, this.heads, this.capacity, this.headDim] };
  }

  /**
   * The attention mask over what is fed: [batch, length + newLen] (the caller's,
   * for the held positions and the new ones) → [batch, capacity + newLen], 0 at unfilled slots.
   */
  widenMask(mask: BigInt64Array, batch: number, newLen: number): BigInt64Array {
    const given = this.filled + newLen;
    if (mask.length !== batch * given) throw new Error(`HostKvCache: mask has ${mask.length} entries, expected ${batch} × ${given}`);
    if (this.capacity === this.filled) return mask;
    const width = this.capacity + newLen;
    const out = new BigInt64Array(batch * width);
    for (let b = 0; b < batch; b++) {
      out.set(mask.subarray(b * given, b * given + this.filled), b * width);
      out.set(mask.subarray(b * given + this.filled, (b + 1) * given), b * width + this.capacity);
    }
    return out;
  }

  /** Appends the step's keys/values, one [batch, heads, newLen, headDim] array per tensor. */
  append(fresh: readonly Float32Array[], batch: number, newLen: number): void {
    if (fresh.length !== this.tensors) throw new Error(`HostKvCache: ${fresh.length} tensors appended, expected ${this.tensors}`);
    if (this.buffers.length && batch !== this.batch) throw new Error(`HostKvCache: a step of ${batch} rows on a cache of ${this.batch}`);
    this.batch = batch;
    if (this.filled + newLen > this.capacity) this.resize(Math.ceil((this.filled + newLen) / this.growBy) * this.growBy);
    const D = this.headDim;
    const rows = batch * this.heads;
    fresh.forEach((src, i) => {
      const dst = this.buffers[i];
      for (let r = 0; r < rows; r++) dst.set(src.subarray(r * newLen * D, (r + 1) * newLen * D), (r * this.capacity + this.filled) * D);
    });
    this.filled += newLen;
  }

  /** Rebuilds the batch from these rows of the current one (repeats and drops allowed). */
  selectRows(rows: readonly number[]): void {
    const per = this.heads * this.capacity * this.headDim;
    for (const r of rows) if (!(r >= 0 && r < this.batch)) throw new Error(`HostKvCache: row ${r} is outside the batch of ${this.batch}`);
    this.buffers = this.buffers.map((src) => {
      const dst = new Float32Array(rows.length * per);
      rows.forEach((r, i) => dst.set(src.subarray(r * per, (r + 1) * per), i * per));
      return dst;
    });
    this.batch = rows.length;
  }

  reset(): void {
    this.buffers = [];
    this.batch = 0;
    this.filled = 0;
    this.capacity = 0;
  }

  private resize(capacity: number): void {
    const D = this.headDim;
    const rows = this.batch * this.heads;
    const old = this.capacity;
    this.buffers = Array.from({ length: this.tensors }, (_, i) => {
      const dst = new Float32Array(rows * capacity * D);
      const src = this.buffers[i];
      if (src) for (let r = 0; r < rows; r++) dst.set(src.subarray(r * old * D, r * old * D + this.filled * D), r * capacity * D);
      return dst;
    });
    this.capacity = capacity;
  }
}
