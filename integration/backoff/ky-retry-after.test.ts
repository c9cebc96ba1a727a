// The wait before a retry that answered Retry-After is the server's delay plus our jitter, once:
// ky >= 2.2 adds its own Retry-After wait after shouldRetry answers true (413/429/503), which
// backoffRetry turns off. Runs on the lowest supported ky and the latest (see vitest.config.ts).

import { backoffRetry } from '@brace/backoff/ky';
import { constant } from '@brace/backoff/strategies';
import { manualClock } from '@brace/core';
import { createProvider, type Provider } from '@brace/simulator';
import ky from 'ky';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { settle } from '../../packages/backoff/src/test-utils/settle.js';

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
let clock = manualClock({ now: T0 });
let provider: Provider | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await provider?.close();
  clock = manualClock({ now: T0 });
});

describe.each([429, 503])('a %i with Retry-After: 2', (status) => {
  it('waits the server delay plus jitter once, with no second wait from ky', async () => {
    const timers: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      timers.push(ms ?? 0);
      return realSetTimeout(fn, ms);
    }) as typeof setTimeout);
    // The first request fails with Retry-After: 2 (a 429, or an injected 503 that carries one).
    provider = await createProvider({
      clock,
      rateLimit: false,
      faults: { retryAfterSec: 2, errorRetryAfterSec: 2, script: { 'GET /items': [status] } },
    });
    const api = ky.create({
      prefix: provider.url,
      timeout: false,
      retry: backoffRetry({ clock, random: () => 0.5, strategy: constant(10) }),
    });
    const { value: body, error } = await settle(api.get('items').json(), clock);
    expect(error).toBeUndefined();
    expect(body).toEqual({ data: [] });
    // 2 s from the server + 0.5 × the jitter spread (max(20% of 2 s, 1 s) = 1 s: see
    // server-wait.ts), on the injected clock — once, not 2 s more from ky ...
    expect(provider.ledger.transcript.map((e) => [e.at, e.status])).toEqual([
      [0, status],
      [2_500, 200],
    ]);
    // ... and no real 2 s timer of ky's own on top (ky >= 2.2 without the fix sets one).
    expect(timers.filter((ms) => ms === 2_000)).toEqual([]);
  });
});
