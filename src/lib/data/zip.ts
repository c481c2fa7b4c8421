// ZIP archives for model export (one download holding safetensors, config and
// tokenizer files) and for loading such an archive back. Writing stores files
// uncompressed (safetensors barely compress); reading also inflates deflated
// entries with the platform's DecompressionStream, so archives made by other
// tools load too. ZIP64 is not supported: archives stay below 4 GiB.

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;

/**
 * The archive as a Blob assembled from its parts: each file's bytes are
 * referenced, never copied into one archive-sized buffer, so exporting a model
 * does not hold it twice (the browser keeps large Blobs in its blob store,
 * on disk past its memory quota).
 */
export function zipBlob(entries: readonly ZipEntry[]): Blob {
  const encoder = new TextEncoder();
  const names = entries.map((e) => encoder.encode(e.name));
  const localSize = entries.reduce((a, e, i) => a + 30 + names[i].length + e.data.length, 0);
  const centralSize = names.reduce((a, n) => a + 46 + n.length, 0);
  if (localSize + centralSize + 22 > 0xffffffff) throw new Error('zip: archive over 4 GiB; export the model files one by one');
  const parts: Uint8Array<ArrayBuffer>[] = [];
  const central = new Uint8Array(centralSize + 22);
  const cv = new DataView(central.buffer);
  let offset = 0;
  let at = 0;
  entries.forEach((e, i) => {
    const crc = crc32(e.data);
    const local = new Uint8Array(30 + names[i].length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, LOCAL, true);
    lv.setUint16(4, 20, true); // version needed
    lv.setUint16(6, 0x0800, true); // UTF-8 names
    lv.setUint16(8, 0, true); // stored
    lv.setUint32(14, crc, true);
    lv.setUint32(18, e.data.length, true);
    lv.setUint32(22, e.data.length, true);
    lv.setUint16(26, names[i].length, true);
    local.set(names[i], 30);
    parts.push(local, e.data as Uint8Array<ArrayBuffer>);
    cv.setUint32(at, CENTRAL, true);
    cv.setUint16(at + 4, 20, true);
    cv.setUint16(at + 6, 20, true);
    cv.setUint16(at + 8, 0x0800, true);
    cv.setUint16(at + 10, 0, true);
    cv.setUint32(at + 16, crc, true);
    cv.setUint32(at + 20, e.data.length, true);
    cv.setUint32(at + 24, e.data.length, true);
    cv.setUint16(at + 28, names[i].length, true);
    cv.setUint32(at + 42, offset, true);
    central.set(names[i], at + 46);
    at += 46 + names[i].length;
    offset += local.length + e.data.length;
  });
  cv.setUint32(at, END, true);
  cv.setUint16(at + 8, entries.length, true);
  cv.setUint16(at + 10, entries.length, true);
  cv.setUint32(at + 12, at, true);
  cv.setUint32(at + 16, offset, true);
  return new Blob([...parts, central], { type: 'application/zip' });
}

async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Every file of the archive by name (directories skipped), CRC-checked. */
export async function readZip(bytes: Uint8Array): Promise<ZipEntry[]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === END) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('zip: no end-of-archive record (not a zip file, or truncated)');
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const decoder = new TextDecoder();
  const out: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== CENTRAL) throw new Error(`zip: central directory entry ${i} is damaged`);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const compressed = view.getUint32(at + 20, true);
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    at += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (dataStart + compressed > bytes.length) throw new Error(`zip: ${name} runs past the end of the archive (truncated)`);
    const raw = bytes.subarray(dataStart, dataStart + compressed);
    let data: Uint8Array;
    if (method === 0) data = raw.slice();
    else if (method === 8) data = await inflateRaw(raw);
    else throw new Error(`zip: ${name} uses compression method ${method}; only stored and deflate are read`);
    if (crc32(data) !== crc) throw new Error(`zip: ${name} fails its CRC check (damaged archive)`);
    out.push({ name, data });
  }
  return out;
}
