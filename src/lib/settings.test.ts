import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, parseSettings, SETTINGS, settingsFromSearch, settingsToSearch, stopStrings, type LabSettings } from './settings';

describe('settings table', () => {
  it('every default passes its own parse, as text', () => {
    for (const key of Object.keys(SETTINGS) as (keyof LabSettings)[]) expect(SETTINGS[key].parse(String(DEFAULT_SETTINGS[key])), key).toEqual(DEFAULT_SETTINGS[key]);
  });

  it('stop strings are a JSON list of non-empty strings, normalised, and travel through a link', () => {
    expect(parseSettings({ stop: '[ "\\n\\nUser:", "Answer" ]' }).settings).toEqual({ stop: '["\\n\\nUser:","Answer"]' });
    expect(stopStrings({ stop: '["\\n\\nUser:","Answer"]' })).toEqual(['\n\nUser:', 'Answer']);
    for (const bad of ['Answer', '[""]', '[1]', '{"a":1}', '["x"']) expect(parseSettings({ stop: bad }).invalid).toEqual([`stop=${bad}`]);
    const link = settingsToSearch({ ...DEFAULT_SETTINGS, stop: '["a&b=c"]' });
    expect(settingsFromSearch(link).settings.stop).toBe('["a&b=c"]');
  });

  it('a patch keeps its valid values, names the invalid ones, and ignores unknown keys', () => {
    const { settings, invalid } = parseSettings({ lr: 3e-5, m: 0, a: 0, loraTargets: 'q_proj,v_proj', filterRule: 'nope', beta: undefined, colour: 'red' } as Record<string, unknown>);
    expect(settings).toEqual({ lr: 3e-5, loraTargets: 'q_proj,v_proj' });
    expect(invalid.sort()).toEqual(['a=0', 'filterRule=nope', 'm=0']);
    expect(parseSettings({ loraTargets: 'q_proj;rm -rf' }).invalid).toEqual(['loraTargets=q_proj;rm -rf']);
  });

  it('a link round-trips every setting that differs from the defaults', () => {
    const s: LabSettings = { ...DEFAULT_SETTINGS, a: 6.25, m: 16, lr: 1e-4, loraRank: 8, loraTargets: 'q_proj', filterRule: 'distinct' };
    expect(settingsFromSearch(settingsToSearch(s))).toEqual({ settings: s, invalid: [] });
    expect(settingsFromSearch('?a=0&m=8').invalid).toEqual(['a=0']);
  });
});
