import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { boundedStore } from './bounded-store.js';
import {
  AuthOptionError,
  AuthStoreTimeoutError,
  createTokenManager,
  DEFAULT_STORE_TIMEOUT_MS,
  memoryTokenStore,
  type RefreshErrorEvent,
  type TokenStore,
} from './index.js';
import {
  countingGrant,
  type manualClock as ManualClockFactory,
  track,
} from './test-utils/fixtures.js';

/** Like fixtures' drive, yielding a macrotask when no sleep is due (the bound arms on one). */
async function drive(clock: ReturnType<typeof ManualClockFactory>, done: () => boolean) {
  for (let i = 0; i < 200; i++) {
    if (done()) return;
    if (!(await clock.next())) await new Promise((r) => setTimeout(r, 0));
  }
  throw new Error('drive: condition never held');
}

/** A memory store whose `operation` never answers (from the `after`-th call on). */
function hanging(operation: keyof TokenStore, after = 1): TokenStore & { calls: number } {
  const inner = memoryTokenStore();
  const out = { ...inner, calls: 0 } as TokenStore & { calls: number };
  const original = inner[operation] as (...args: unknown[]) => Promise<unknown>;
  (out as unknown as Record<string, unknown>)[operation] = (...args: unknown[]) => {
    out.calls += 1;
    return out.calls >= after ? new Promise(() => {}) : original.apply(inner, args);
  };
  return out;
}

describe('store calls are bounded by storeTimeoutMs', () => {
  it.each(['load', 'lock', 'save'] as const)(
    'a store whose %s never answers: AuthStoreTimeoutError naming it, after the bound',
    async (operation) => {
      const clock = manualClock({ now: 1_000_000 });
      const { grant } = countingGrant(clock);
      const errors: RefreshErrorEvent[] = [];
      const auth = createTokenManager({
        grant,
        clock,
        store: hanging(operation),
        key: 'k',
        onRefreshError: (e) => errors.push(e),
      });
      const pending = track(auth.getToken());
      await drive(clock, pending.settled);
      const error = await pending.promise.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthStoreTimeoutError);
      expect(error).toMatchObject({
        code: 'AUTH_STORE_TIMEOUT',
        operation,
        timeoutMs: DEFAULT_STORE_TIMEOUT_MS,
      });
      expect((error as Error).message).toContain(`"${operation}"`);
      expect(clock.now()).toBeGreaterThanOrEqual(1_000_000 + DEFAULT_STORE_TIMEOUT_MS);
      // Final: reported once, not retried.
      expect(errors.map((e) => [e.code, e.willRetry])).toEqual([['AUTH_STORE_TIMEOUT', false]]);
      auth.close();
    },
  );

  it('a cached token keeps being served while a background refresh hangs on the store', async () => {
    const clock = manualClock({ now: 0 });
    const { grant, calls } = countingGrant(clock, 100);
    const store = hanging('load', 3);
    const auth = createTokenManager({
      grant,
      clock,
      store,
      key: 'k',
      refreshBeforeMs: 10_000,
      jitterMs: 0,
      storeTimeoutMs: 1000,
    });
    expect(await auth.getToken()).toBe('at-1');
    await clock.advance(91_000); // the refresh point: the proactive refresh hangs on load
    expect(auth.current()).toBe('at-1');
    await clock.advance(1000);
    expect(auth.current()).toBe('at-1');
    expect(calls).toHaveLength(1);
    auth.close();
  });

  it('renew that hangs is bounded too, and a store without renew or waitForChange stays so', async () => {
    const clock = manualClock({ now: 0 });
    const inner = hanging('renew');
    const store = boundedStore(inner, 50, clock);
    const fence = (await store.lock('k', 1000)) as number;
    const renewing = track((store.renew as NonNullable<TokenStore['renew']>)('k', fence, 1000));
    await drive(clock, renewing.settled);
    await expect(renewing.promise).rejects.toMatchObject({ operation: 'renew' });
    expect(typeof store.waitForChange).toBe('function');
    const bare = boundedStore(
      { ...memoryTokenStore(), renew: undefined, waitForChange: undefined },
      50,
      clock,
    );
    expect(bare.renew).toBeUndefined();
    expect(bare.waitForChange).toBeUndefined();
  });

  it('storeTimeoutMs is checked', () => {
    const clock = manualClock({ now: 0 });
    const { grant } = countingGrant(clock);
    expect(() => createTokenManager({ grant, storeTimeoutMs: 0 })).toThrow(AuthOptionError);
  });
});
