import { ProblemDetailsError } from '@brace/problem-details';
import { createProvider, type Provider, type ProviderOptions } from '@brace/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { defineIntegration } from './index.js';
import { github, shopify, slack, stripe } from './presets.js';
import { instantClock, seeded } from './test-utils/server.js';

const open: Provider[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
async function start(options: ProviderOptions): Promise<Provider> {
  const provider = await createProvider({ seed: 7, ...options });
  open.push(provider);
  return provider;
}

/** A route answering 404 the way the simulator's preset words it. */
const notFound = (provider: () => Provider) => () => {
  const answer = provider().preset.error('not_found', 404, 'Not Found');
  return { status: 404, headers: { 'content-type': answer.contentType }, body: answer.body };
};

describe('presets are small and cite their sources', () => {
  it.each([github, stripe, shopify, slack])('$name', (preset) => {
    expect(preset.docs.length).toBeGreaterThan(2);
    for (const url of preset.docs)
      expect(url).toMatch(
        /^https:\/\/(docs\.github\.com|docs\.stripe\.com|shopify\.dev|docs\.slack\.dev)\//,
      );
    expect(Object.isFrozen(preset)).toBe(true);
  });
});

describe('github preset against the simulator github preset', () => {
  it('pins X-GitHub-Api-Version, sends the token, and stays under the limit by reading x-ratelimit-*', async () => {
    const clock = instantClock();
    const versions: Array<string | null> = [];
    const tokens: Array<string | null> = [];
    const p = await start({
      preset: 'github',
      clock,
      rateLimit: { limit: 2, windowMs: 10_000 },
      routes: {
        'GET /repos/:owner/:repo': (request) => {
          versions.push(request.headers.get('x-github-api-version'));
          tokens.push(request.headers.get('authorization'));
          return { body: { id: 1 } };
        },
      },
    });
    const gh = defineIntegration({
      preset: github,
      baseUrl: `${p.url}/`,
      auth: { token: 'ghp_x' },
      clock,
      random: seeded(),
    });
    const pauses: Array<[string, number, number | undefined]> = [];
    gh.on('pause', (e) => pauses.push([e.reason, e.durationMs, e.spacingMs]));
    for (let i = 0; i < 3; i++) expect(await gh.get('repos/octo/hello').json()).toEqual({ id: 1 });
    expect(versions).toEqual(['2022-11-28', '2022-11-28', '2022-11-28']);
    expect(tokens).toEqual(['Bearer ghp_x', 'Bearer ghp_x', 'Bearer ghp_x']);
    // Each answer says 1 of 2 remains until x-ratelimit-reset, 10 s away: the limiter spreads
    // that one over the 10 s (slows down before zero), so every call lands in a fresh window.
    expect(pauses).toEqual([
      ['server-pace', 10_000, 10_000],
      ['server-pace', 10_000, 10_000],
      ['server-pace', 10_000, 10_000],
    ]);
    expect(clock.slept).toEqual([10_000, 10_000]);
    expect(p.ledger.rateLimited).toBe(0);
    p.assert.neverOverLimit();
  });

  it("retries GitHub's 403 rate-limit answer after x-ratelimit-reset, never a POST, and maps errors", async () => {
    const clock = instantClock();
    const p: Provider = await start({
      preset: 'github',
      clock,
      rateLimit: { limit: 1, windowMs: 10_000 },
      routes: { 'GET /issues/nope': notFound(() => p) },
    });
    const gh = defineIntegration({
      preset: github,
      baseUrl: `${p.url}/`,
      clock,
      random: seeded(),
      rateLimit: false,
      breaker: false,
    });
    await gh.get('issues');
    expect((await gh.get('issues')).status).toBe(200); // 403 first, then a retry after the reset
    expect(p.ledger.rateLimited).toBe(1);
    expect(clock.slept.some((ms) => ms >= 1000)).toBe(true);
    p.script('POST /issues', [503]);
    const failed = await gh.post('issues', { json: { title: 'x' } }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ProblemDetailsError);
    expect(p.ledger.transcript.filter((t) => t.method === 'POST')).toHaveLength(1); // no key, no retry
    const missing = (await gh.get('issues/nope').catch((e: unknown) => e)) as ProblemDetailsError;
    expect(missing).toMatchObject({
      status: 404,
      type: 'https://docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api',
    });
    expect(missing.title).toBeTypeOf('string');
  });
});

describe('stripe preset against the simulator stripe preset', () => {
  it('creates once through a 503 and a dropped answer: same bare Idempotency-Key, Stripe-Version pinned', async () => {
    const clock = instantClock();
    const p = await start({
      preset: 'stripe',
      clock,
      faults: { script: { 'POST /v1/customers': [503, 'drop', 200] } },
    });
    const billing = defineIntegration({
      preset: stripe,
      baseUrl: `${p.url}/`,
      auth: { token: 'sk_test_x' },
      clock,
      random: seeded(),
    });
    const customer = await billing
      .post('v1/customers', { body: new URLSearchParams({ email: 'a@example.com' }) })
      .json<{ id: string }>();
    expect(customer.id).toBeTypeOf('string');
    expect(p.ledger.created).toBe(1);
    p.assert.noDuplicates();
    const keys = p.ledger.transcript.filter((t) => t.method === 'POST');
    expect(keys.length).toBe(3);
  });

  it('20 concurrent charges through 5xx faults and dropped answers: each charge created once', async () => {
    const clock = instantClock();
    const p = await start({
      preset: 'stripe',
      clock,
      seed: 11,
      rateLimit: false,
      faults: { error: 0.25, drop: 0.15 },
    });
    const billing = defineIntegration({
      preset: stripe,
      baseUrl: `${p.url}/`,
      clock,
      random: seeded(3),
      retry: { attempts: 6 },
      breaker: false,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        billing
          .post('v1/charges', { body: new URLSearchParams({ amount: String(100 + i) }) })
          .json(),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBeGreaterThanOrEqual(18);
    // every success created its charge, and no charge was created twice (at most one per key)
    expect(p.ledger.created).toBeGreaterThanOrEqual(ok);
    expect(p.ledger.created).toBeLessThanOrEqual(20);
    p.assert.noDuplicates(); // retries carried the same key: no charge was made twice
    expect(p.ledger.transcript.length).toBeGreaterThan(20); // faults happened and were retried
  });

  it('sends Stripe-Version and a bare key, retries 429, and maps the error object', async () => {
    const clock = instantClock();
    const seen: Array<[string | null, string | null]> = [];
    const p: Provider = await start({
      preset: 'stripe',
      clock,
      faults: { script: { 'GET /v1/balance': [429, 200] } },
      routes: {
        'GET /v1/customers/cus_missing': notFound(() => p),
        'GET /v1/balance': (request) => {
          seen.push([
            request.headers.get('stripe-version'),
            request.headers.get('idempotency-key'),
          ]);
          return { body: { object: 'balance' } };
        },
        'POST /v1/refunds': (request) => {
          seen.push([
            request.headers.get('stripe-version'),
            request.headers.get('idempotency-key'),
          ]);
          return { body: { object: 'refund' } };
        },
      },
    });
    const billing = defineIntegration({
      preset: stripe,
      baseUrl: `${p.url}/`,
      clock,
      random: seeded(),
    });
    expect(await billing.get('v1/balance').json()).toEqual({ object: 'balance' });
    await billing.post('v1/refunds', { body: new URLSearchParams({ charge: 'ch_1' }) });
    expect(seen[0]).toEqual(['2025-06-30.basil', null]);
    expect(seen[1]?.[0]).toBe('2025-06-30.basil');
    expect(seen[1]?.[1]).toMatch(/^[0-9a-f-]{36}$/); // bare, as Stripe takes it
    expect(p.ledger.transcript.filter((t) => t.status === 429)).toHaveLength(1);
    const missing = (await billing
      .get('v1/customers/cus_missing')
      .catch((e: unknown) => e)) as ProblemDetailsError;
    expect(missing).toMatchObject({
      status: 404,
      type: 'https://docs.stripe.com/error-codes#resource_missing',
      title: 'invalid_request_error',
      extensions: { code: 'resource_missing' },
    });
    expect((await billing.validate()).ok).toBe(true);
  });

  it('a malformed pinned version (Stripe accepts any well-formed date) is refused by the provider and surfaces as a problem', async () => {
    const p = await start({ preset: 'stripe' });
    const old = defineIntegration({
      preset: stripe,
      baseUrl: `${p.url}/`,
      version: '2011-1-1',
      retry: false,
    });
    await expect(old.get('v1/customers')).rejects.toMatchObject({ status: 400 });
  });
});

describe('shopify preset against the simulator shopify preset', () => {
  it('puts the version in the path, sends X-Shopify-Access-Token, waits out Retry-After: 2.0', async () => {
    const clock = instantClock();
    const seen: Array<[string | undefined, string | null]> = [];
    const p: Provider = await start({
      preset: 'shopify',
      clock,
      rateLimit: { limit: 2, windowMs: 2000 },
      routes: {
        'GET /admin/api/:version/products/1.json': notFound(() => p),
        'GET /admin/api/:version/shop.json': (request) => {
          seen.push([
            new URL(request.url).pathname.split('/')[3],
            request.headers.get('x-shopify-access-token'),
          ]);
          return { body: { shop: { name: 'demo' } } };
        },
      },
    });
    const shop = defineIntegration({
      preset: shopify,
      baseUrl: `${p.url}/admin/api/{version}/`,
      auth: { token: 'shpat_x' },
      clock,
      random: seeded(),
    });
    for (let i = 0; i < 3; i++)
      expect(await shop.get('shop.json').json()).toEqual({ shop: { name: 'demo' } });
    expect(seen.every(([version, token]) => version === '2025-01' && token === 'shpat_x')).toBe(
      true,
    );
    expect(seen.length).toBe(3);
    expect(p.ledger.rateLimited).toBeLessThanOrEqual(1);
    const missing = (await shop
      .get('products/1.json')
      .catch((e: unknown) => e)) as ProblemDetailsError;
    expect(missing).toBeInstanceOf(ProblemDetailsError);
    expect(missing.status).toBe(404);
    expect(missing.title).toBeTypeOf('string');
  });

  it('needs your shop URL', () => {
    expect(() => defineIntegration({ preset: shopify })).toThrow(/placeholder/);
  });
});

describe('slack preset against the simulator slack preset', () => {
  it('sends the bot token, waits out 429 Retry-After, and maps { ok: false, error }', async () => {
    const clock = instantClock();
    const p: Provider = await start({
      preset: 'slack',
      clock,
      rateLimit: { limit: 2, windowMs: 5000 },
      routes: {
        'GET /api/no.such': notFound(() => p),
        'GET /api/conversations.list': (request) => ({
          body: { ok: true, auth: request.headers.get('authorization') },
        }),
      },
    });
    const chat = defineIntegration({
      preset: slack,
      baseUrl: `${p.url}/api/`,
      auth: { token: 'xoxb-1' },
      clock,
      random: seeded(),
    });
    for (let i = 0; i < 3; i++) {
      expect(await chat.get('conversations.list').json()).toEqual({
        ok: true,
        auth: 'Bearer xoxb-1',
      });
    }
    expect(p.ledger.rateLimited).toBe(1);
    const unknown = (await chat.get('no.such').catch((e: unknown) => e)) as ProblemDetailsError;
    expect(unknown).toBeInstanceOf(ProblemDetailsError);
    expect(unknown.extensions).toMatchObject({ error: expect.any(String) });
  });
});
