import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { createTokenManager, customGrant, memoryTokenStore, type TokenStore } from './index.js';
import { track } from './test-utils/fixtures.js';

const flush = () => new Promise((r) => setImmediate(r));

describe('the refresh lock is a lease renewed while the refresh runs', () => {
  it('held past its lease while the holder lives, never past lockTtlMs, then taken over (fenced)', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryTokenStore({ now: clock.now });
    let release: () => void = () => {};
    const grant = customGrant(
      () =>
        new Promise((resolve) => {
          release = () => resolve({ accessToken: 'slow', expiresIn: 3600 });
        }),
    );
    const auth = createTokenManager({ grant, store, key: 'k', clock, lockTtlMs: 4000 });
    const pending = track(auth.getToken());
    await flush();
    await clock.advance(3000); // three leases (1 s each) later: renewed, still held
    expect(await store.lock('k', 10)).toBeUndefined();
    await clock.advance(1500); // past lockTtlMs: no more renewals, the lease ran out
    const taker = await store.lock('k', 60_000);
    expect(taker).toBeDefined();
    release();
    // The slow holder's save is fenced out; its token still serves this process.
    expect(await pending.promise).toBe('slow');
    expect(await store.load('k')).toBeUndefined();
    auth.close();
  });

  it('a dead holder (lease never renewed) is taken over within a quarter of lockTtlMs', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryTokenStore({ now: clock.now });
    const dead = await store.lock('k', 1000); // as the manager takes it: lockTtlMs 4000 / 4
    expect(dead).toBeDefined();
    const auth = createTokenManager({
      grant: customGrant(async () => ({ accessToken: 'fresh', expiresIn: 3600 })),
      store,
      key: 'k',
      clock,
      lockTtlMs: 4000,
      pollIntervalMs: 10_000, // capped at half the lease: waiters look every 500 ms
    });
    const pending = track(auth.getToken());
    await flush();
    await clock.advance(999);
    expect(pending.settled()).toBe(false);
    await clock.advance(501);
    await flush();
    expect(pending.settled()).toBe(true);
    expect(await pending.promise).toBe('fresh');
    expect(clock.now()).toBeLessThanOrEqual(1500);
    auth.close();
  });

  it('a renewal the store refuses (taken over) ends the heartbeat', async () => {
    const clock = manualClock({ now: 0 });
    const inner = memoryTokenStore({ now: clock.now });
    let renewals = 0;
    const store: TokenStore = {
      ...inner,
      renew: async () => {
        renewals++;
        return false;
      },
    };
    let release: () => void = () => {};
    const grant = customGrant(
      () =>
        new Promise((resolve) => {
          release = () => resolve({ accessToken: 'x', expiresIn: 3600 });
        }),
    );
    const auth = createTokenManager({ grant, store, key: 'k', clock, lockTtlMs: 4000 });
    const pending = track(auth.getToken());
    await flush();
    await clock.advance(3000);
    expect(renewals).toBe(1);
    release();
    expect(await pending.promise).toBe('x');
    auth.close();
  });
});
