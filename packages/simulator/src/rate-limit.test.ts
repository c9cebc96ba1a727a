import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createProvider } from './provider.js';
import type { Provider, ProviderOptions } from './provider-types.js';
import { MAX_RATE_LIMIT_KEYS, RateLimiters, RatePolicy } from './rate-window.js';
import { fixedClock } from './test-utils.fixture.js';

const open: Provider[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
async function start(options: ProviderOptions): Promise<Provider> {
  const provider = await createProvider(options);
  open.push(provider);
  return provider;
}

describe('rolling-window rate limit', () => {
  it('ietf: refuses the 4th request of 3 per second with 429, Retry-After and draft-10 headers, then recovers', async () => {
    const clock = fixedClock();
    const p = await start({ clock, rateLimit: { limit: 3, windowMs: 1000 } });
    const first = await fetch(`${p.url}/items`);
    expect(first.headers.get('ratelimit-policy')).toBe('"default";q=3;w=1');
    expect(first.headers.get('ratelimit')).toBe('"default";r=2;t=1');
    await clock.advance(400);
    await fetch(`${p.url}/items`);
    await fetch(`${p.url}/items`);
    const limited = await fetch(`${p.url}/items`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('ratelimit')).toBe('"default";r=0;t=1');
    expect(await limited.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
    await clock.advance(600); // the first request leaves the window
    // Accepted again, though still over the limit by arrivals (3 arrivals at +400 ms and this one).
    expect((await fetch(`${p.url}/items`)).status).toBe(200);
    expect(p.ledger).toMatchObject({ requests: 5, accepted: 4, rateLimited: 1, overLimit: 2 });
    expect(() => p.assert.neverOverLimit()).toThrow(
      /2 requests arrived over it \(1 refused; 5 requests seen\)/,
    );
  });

  it('counts arrivals over the limit even while refused (hammering during a 429 storm)', async () => {
    const clock = fixedClock();
    const p = await start({ clock, rateLimit: { limit: 1, windowMs: 1000 } });
    for (let i = 0; i < 4; i++) await fetch(`${p.url}/x`);
    expect(p.ledger.overLimit).toBe(3);
    expect(p.ledger.overLimitLines[0]).toBe('request 2 (GET /x) at +0 ms');
    await clock.advance(1000);
    p.assert.noDuplicates();
    expect(p.ledger.seconds.map((s) => s.requests)).toEqual([4]);
  });

  it('github: 403 past the primary limit, x-ratelimit-* headers, reset in epoch seconds, no Retry-After', async () => {
    const clock = fixedClock();
    const p = await start({ clock, preset: 'github', rateLimit: { limit: 2, windowMs: 60_000 } });
    const ok = await fetch(`${p.url}/repos/o/r`, {
      headers: { 'x-github-api-version': '2022-11-28' },
    });
    expect(ok.headers.get('x-ratelimit-limit')).toBe('2');
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(ok.headers.get('x-ratelimit-used')).toBe('1');
    expect(ok.headers.get('x-ratelimit-reset')).toBe(String(clock.now() / 1000 + 60));
    expect(ok.headers.get('x-ratelimit-resource')).toBe('core');
    expect(ok.headers.get('x-github-api-version-selected')).toBe('2022-11-28');
    await fetch(`${p.url}/repos/o/r`);
    const limited = await fetch(`${p.url}/repos/o/r`);
    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(await limited.json()).toMatchObject({
      message: expect.stringContaining('API rate limit exceeded'),
    });
  });

  it('github: an injected 429 reads as a secondary limit (message, Retry-After, remaining above 0)', async () => {
    const p = await start({
      clock: fixedClock(),
      preset: 'github',
      rateLimit: { limit: 10, windowMs: 60_000 },
      faults: { script: { 'GET /repos/o/r': [429] } },
    });
    const limited = await fetch(`${p.url}/repos/o/r`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('9');
    const { message } = (await limited.json()) as { message: string };
    expect(message).toMatch(/\bsecondary rate\b/i); // GitHub's wording, which clients match on
  });

  it('github: refuses an unsupported API version with 400', async () => {
    const p = await start({ preset: 'github', rateLimit: false });
    const response = await fetch(`${p.url}/user`, {
      headers: { 'x-github-api-version': '1999-01-01' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      message: 'API version 1999-01-01 is not supported.',
    });
  });

  it('shopify: X-Shopify-Shop-Api-Call-Limit and 429 with Retry-After: 2.0', async () => {
    const p = await start({
      clock: fixedClock(),
      preset: 'shopify',
      rateLimit: { limit: 2, windowMs: 1000 },
    });
    const ok = await fetch(`${p.url}/admin/api/2025-01/products.json`);
    expect(ok.headers.get('x-shopify-shop-api-call-limit')).toBe('1/2');
    expect(ok.headers.get('x-shopify-api-version')).toBe('2025-01');
    await fetch(`${p.url}/admin/api/2025-01/products.json`);
    const limited = await fetch(`${p.url}/admin/api/2025-01/products.json`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2.0');
    expect(await limited.json()).toEqual({
      errors: expect.stringContaining('Exceeded 2 calls per second'),
    });
  });

  it('slack: 429 with Retry-After and {ok:false,error:"ratelimited"}', async () => {
    const p = await start({
      clock: fixedClock(),
      preset: 'slack',
      rateLimit: { limit: 1, windowMs: 60_000 },
    });
    await fetch(`${p.url}/api/chat.postMessage`, { method: 'POST', body: '{}' });
    const limited = await fetch(`${p.url}/api/chat.postMessage`, { method: 'POST', body: '{}' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(await limited.json()).toEqual({ ok: false, error: 'ratelimited' });
  });

  it('slack: other errors are HTTP 200 with ok:false, as the Web API answers them; 5xx stay 5xx', async () => {
    const p = await start({
      clock: fixedClock(),
      preset: 'slack',
      rateLimit: false,
      resources: false,
      faults: { script: { 'POST /api/chat.update': [503] } },
    });
    const unknown = await fetch(`${p.url}/api/nope.method`);
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toEqual({ ok: false, error: 'unknown_method' });
    const down = await fetch(`${p.url}/api/chat.update`, { method: 'POST', body: '{}' });
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ok: false, error: 'internal_error' });
  });

  it('stripe: 429 without rate-limit headers, code rate_limit; Stripe-Version answered', async () => {
    const p = await start({
      clock: fixedClock(),
      preset: 'stripe',
      rateLimit: { limit: 1, windowMs: 1000 },
    });
    const ok = await fetch(`${p.url}/v1/customers`);
    expect(ok.headers.get('stripe-version')).toBe('2025-06-30.basil');
    const limited = await fetch(`${p.url}/v1/customers`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(await limited.json()).toEqual({
      error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Rate limit exceeded.' },
    });
  });

  it('answers the API version the request asked for when supported, else the current one', async () => {
    const p = await start({ clock: fixedClock(), preset: 'stripe', rateLimit: false });
    const pinned = await fetch(`${p.url}/v1/customers`, {
      headers: { 'stripe-version': '2024-06-20' },
    });
    expect(pinned.status).toBe(200);
    expect(pinned.headers.get('stripe-version')).toBe('2024-06-20');
    const refused = await fetch(`${p.url}/v1/customers`, {
      headers: { 'stripe-version': '2019-2-19' }, // malformed: Stripe refuses it
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('stripe-version')).toBe('2025-06-30.basil');
    const g = await start({ clock: fixedClock(), preset: 'github', rateLimit: false });
    const selected = await fetch(`${g.url}/repos/o/r`, {
      headers: { 'x-github-api-version': '2022-11-28' },
    });
    expect(selected.headers.get('x-github-api-version-selected')).toBe('2022-11-28');
  });

  it('property: never accepts more than `limit` requests in any window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 200 }),
        (limit, windowMs, gaps) => {
          const policy = new RatePolicy(limit, windowMs);
          const accepted: number[] = [];
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            if (policy.arrive(now).allowed) accepted.push(now);
            const inWindow = accepted.filter((t) => t > now - windowMs).length;
            expect(inWindow).toBeLessThanOrEqual(limit);
            expect(policy.state(now).remaining).toBe(limit - inWindow);
          }
        },
      ),
    );
  });

  it('property: overLimit is true exactly when the window already held `limit` arrivals', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 200 }),
        (limit, windowMs, gaps) => {
          const policy = new RatePolicy(limit, windowMs);
          const arrivals: number[] = [];
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            const before = arrivals.filter((t) => t > now - windowMs).length;
            expect(policy.arrive(now).overLimit).toBe(before >= limit);
            arrivals.push(now);
          }
        },
      ),
    );
  });

  it('keeps memory bounded by the limit, not by the request rate times the window', () => {
    const policy = new RatePolicy(5, 3_600_000); // GitHub-like: a long window
    for (let i = 0; i < 100_000; i++) policy.arrive(i); // 1,000 requests a second for 100 s
    expect(policy.arrivals.stored).toBeLessThan(5000);
    expect(policy.accepted.stored).toBe(5);
    expect(policy.arrive(100_000)).toEqual({ overLimit: true, allowed: false });
  });
});

describe('rate limits per key', () => {
  it("by: 'authorization' gives each token its own window", async () => {
    const p = await start({
      clock: fixedClock(),
      rateLimit: { limit: 1, windowMs: 1000, by: 'authorization' },
    });
    const as = (token: string) =>
      fetch(`${p.url}/x`, { headers: { authorization: `Bearer ${token}` } });
    expect((await as('a')).status).toBe(200);
    expect((await as('b')).status).toBe(200);
    expect((await as('a')).status).toBe(429);
    expect((await fetch(`${p.url}/x`)).status).toBe(200);
    expect(p.ledger).toMatchObject({ requests: 4, rateLimited: 1, overLimit: 1 });
  });

  it('by a function of the headers; bad values are refused', async () => {
    const p = await start({
      clock: fixedClock(),
      rateLimit: { limit: 1, windowMs: 1000, by: (headers) => String(headers['x-shop'] ?? '') },
    });
    const shop = (name: string) => fetch(`${p.url}/x`, { headers: { 'x-shop': name } });
    expect([(await shop('a')).status, (await shop('b')).status, (await shop('a')).status]).toEqual([
      200, 200, 429,
    ]);
    await expect(
      createProvider({ rateLimit: { limit: 1, windowMs: 1, by: 'ip' as never } }),
    ).rejects.toThrow(/rateLimit.by/);
  });

  it('forgets the oldest windows past MAX_RATE_LIMIT_KEYS', () => {
    const limiters = new RateLimiters(1, 1000, 'authorization');
    const first = limiters.policyFor({ authorization: 'k0' });
    first.arrive(0);
    for (let i = 1; i <= MAX_RATE_LIMIT_KEYS; i++) limiters.policyFor({ authorization: `k${i}` });
    expect(limiters.policyFor({ authorization: 'k0' }).arrive(0).allowed).toBe(true);
    const global = new RateLimiters(1, 1000);
    expect(global.policyFor({ authorization: 'x' })).toBe(global.policyFor({}));
  });
});
