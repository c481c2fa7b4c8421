import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { crc32, readZip, writeZip } from './zip';

const text = (s: string) => new TextEncoder().encode(s);

describe('zip', () => {
  it('crc32 gives the standard check value', () => {
    expect(crc32(text('123456789')).toString(16)).toBe('cbf43926');
  });

  it('reads back what it writes, byte for byte, with UTF-8 names', async () => {
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 0xff);
    const entries = [{ name: 'model/config.json', data: text('{"a": 1}') }, { name: 'model/model.safetensors', data: big }, { name: 'model/ü.txt', data: new Uint8Array(0) }];
    const back = await readZip(writeZip(entries));
    expect(back.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    back.forEach((e, i) => expect(Buffer.from(e.data).equals(Buffer.from(entries[i].data))).toBe(true));
  });

  it('reads a deflated archive made by Info-ZIP', async () => {
    const entries = await readZip(new Uint8Array(readFileSync('src/lib/data/fixtures/info-zip-deflated.zip')));
    const byName = new Map(entries.map((e) => [e.name, new TextDecoder().decode(e.data)]));
    expect(JSON.parse(byName.get('model/config.json')!).hidden_size).toBe(128);
    expect(byName.get('model/readme.txt')).toBe('hello\n');
  });

  it('names the damage: a truncated or corrupted archive', async () => {
    const zip = writeZip([{ name: 'a.bin', data: Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff) }]);
    await expect(readZip(zip.subarray(0, 500))).rejects.toThrow(/no end-of-archive record/);
    const corrupt = zip.slice();
    corrupt[100] ^= 0xff;
    await expect(readZip(corrupt)).rejects.toThrow(/a\.bin fails its CRC check/);
  });
});
