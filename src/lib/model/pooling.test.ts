import { describe, expect, it } from 'vitest';
import { poolingFromConfig, resolvePooling } from './pooling';

describe('embedding pooling', () => {
  it("reads sentence-transformers' 1_Pooling/config.json", () => {
    // WhereIsAI/UAE-Large-V1's pooling config.
    expect(poolingFromConfig({ word_embedding_dimension: 1024, pooling_mode_cls_token: true, pooling_mode_mean_tokens: false, pooling_mode_max_tokens: false, pooling_mode_mean_sqrt_len_tokens: false })).toBe('cls');
    // sentence-transformers/all-MiniLM-L6-v2's.
    expect(poolingFromConfig({ word_embedding_dimension: 384, pooling_mode_cls_token: false, pooling_mode_mean_tokens: true })).toBe('mean');
    expect(poolingFromConfig({ pooling_mode_lasttoken: true })).toBe('last_token');
    expect(poolingFromConfig({ pooling_mode_max_tokens: true })).toBeNull();
    expect(poolingFromConfig('not json')).toBeNull();
  });

  it('the model decides unless the setting does; mean when neither says', () => {
    expect(resolvePooling('auto', 'cls')).toEqual({ pooling: 'cls', source: 'model' });
    expect(resolvePooling('auto', null)).toEqual({ pooling: 'mean', source: 'default' });
    expect(resolvePooling('mean', 'cls')).toEqual({ pooling: 'mean', source: 'setting' });
  });
});
