import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { memoryTokenStore } from './index.js';
import { runTokenStoreConformance } from './testing.js';

const clock = manualClock({ now: 1_000 });
runTokenStoreConformance('memoryTokenStore', () => memoryTokenStore({ now: clock.now }), {
  clock,
});
runTokenStoreConformance('memoryTokenStore (real time)', () => memoryTokenStore(), {
  shortTtlMs: 30,
});

describe('memoryTokenStore bounds', () => {
  it('keeps at most maxKeys keys, evicting the oldest', async () => {
    const store = memoryTokenStore({ maxKeys: 2 });
    for (const k of ['a', 'b', 'c']) {
      const f = (await store.lock(k, 1000)) as number;
      await store.save(k, f, { accessToken: k, tokenType: 'bearer', expiresAt: 1 });
    }
    expect(await store.load('a')).toBeUndefined();
    expect((await store.load('c'))?.token?.accessToken).toBe('c');
  });
});
