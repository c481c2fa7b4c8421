import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, readZip, zipBlob, type ZipEntry } from './zip';

const text = (s: string) => new TextEncoder().encode(s);
const zipBytes = async (entries: ZipEntry[]) => new Uint8Array(await zipBlob(entries).arrayBuffer());

describe('zip', () => {
  it('crc32 gives the standard check value', () => {
    expect(crc32(text('123456789')).toString(16)).toBe('cbf43926');
  });

  it('reads back what it writes, byte for byte, with UTF-8 names', async () => {
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 0xff);
    const entries = [{ name: 'model/config.json', data: text('{"a": 1}') }, { name: 'model/model.safetensors', data: big }, { name: 'model/ü.txt', data: new Uint8Array(0) }];
    const bytes = await zipBytes(entries);
    const back = await readZip(bytes);
    expect(back.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    back.forEach((e, i) => expect(Buffer.from(e.data).equals(Buffer.from(entries[i].data))).toBe(true));
    // Another reader agrees: Python's zipfile lists the same names and finds every CRC good.
    const path = join(mkdtempSync(join(tmpdir(), 'zip-')), 'a.zip');
    writeFileSync(path, bytes);
    const script = 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("\\n".join(z.namelist()))';
    expect(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' }).trim().split('\n')).toEqual(entries.map((e) => e.name));
  });

  it('reads a deflated archive made by Info-ZIP', async () => {
    const entries = await readZip(new Uint8Array(readFileSync('src/lib/data/fixtures/info-zip-deflated.zip')));
    const byName = new Map(entries.map((e) => [e.name, new TextDecoder().decode(e.data)]));
    expect(JSON.parse(byName.get('model/config.json')!).hidden_size).toBe(128);
    expect(byName.get('model/readme.txt')).toBe('hello\n');
  });

  it('names the damage: a truncated or corrupted archive', async () => {
    const zip = await zipBytes([{ name: 'a.bin', data: Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff) }]);
    await expect(readZip(zip.subarray(0, 500))).rejects.toThrow(/no end-of-archive record/);
    const corrupt = zip.slice();
    corrupt[100] ^= 0xff;
    await expect(readZip(corrupt)).rejects.toThrow(/a\.bin fails its CRC check/);
  });
});
