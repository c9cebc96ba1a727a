import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { versionAccepted } from './preset-types.js';
import { ietf, isStripeVersion, stripe } from './presets/index.js';
import { createProvider } from './provider.js';
import type { Provider, ProviderOptions } from './provider-types.js';
import { fixedClock } from './test-utils.fixture.js';

const open: Provider[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
async function start(options: ProviderOptions = {}): Promise<Provider> {
  const provider = await createProvider({ clock: fixedClock(), rateLimit: false, ...options });
  open.push(provider);
  return provider;
}
const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('Stripe API versions', () => {
  it('property: any real date YYYY-MM-DD, with or without .name, is well-formed', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }),
        fc.option(fc.stringMatching(/^[a-z]{1,12}$/), { nil: undefined }),
        (date, name) => {
          const day = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
          const version = name === undefined ? day : `${day}.${name}`;
          expect(isStripeVersion(version)).toBe(true);
          expect(versionAccepted(stripe.version!, version)).toBe(true);
        },
      ),
    );
  });

  it('property: anything that is not YYYY-MM-DD(.name) is refused', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        fc.pre(!/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(text));
        expect(isStripeVersion(text)).toBe(false);
      }),
    );
  });

  it.each([
    '2019-2-19',
    '2024-02-30',
    '2023-13-01',
    '2023-00-10',
    '2023-01-00',
    '2025-03-31.',
    '2025-03-31.Basil',
    '2025-03-31.basil.x',
    ' 2024-06-20',
    '2024-06-20, 2019-12-03',
    '0050-01-01',
  ])('refuses the malformed version %j', (version) => {
    expect(isStripeVersion(version)).toBe(false);
  });

  it('answers any well-formed version, echoed; 400 in Stripe’s shape for a malformed one', async () => {
    const p = await start({ preset: 'stripe' });
    for (const version of ['2023-10-16', '2020-08-27', '2025-09-30.clover', '2024-02-29']) {
      const ok = await fetch(`${p.url}/v1/customers`, { headers: { 'stripe-version': version } });
      expect([ok.status, ok.headers.get('stripe-version')]).toEqual([200, version]);
    }
    const bad = await fetch(`${p.url}/v1/customers`, {
      headers: { 'stripe-version': '2019-2-19' },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('stripe-version')).toBe(stripe.version?.current);
    expect(await bad.json()).toEqual({
      error: { type: 'invalid_request_error', message: 'Invalid Stripe API version: 2019-2-19' },
    });
  });
});

describe('idempotency keys: only answers of an endpoint that began executing are saved', () => {
  const post = (url: string, key: string, contentType: string, body: string) =>
    fetch(`${url}/v1/charges`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'idempotency-key': key },
      body,
    });

  it('stripe: a request failing validation is not saved; the corrected retry runs', async () => {
    const p = await start({ preset: 'stripe' });
    // The same bytes, first without a content type that makes them fields: 400, not saved.
    const invalid = await post(p.url, 'k1', 'text/plain', 'amount=100');
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    const fixed = await post(p.url, 'k1', 'application/x-www-form-urlencoded', 'amount=100');
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();
    // Now the key holds the 201 and replays it.
    const again = await post(p.url, 'k1', 'application/x-www-form-urlencoded', 'amount=100');
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(await again.json()).toEqual(await fixed.json());
    expect(p.ledger).toMatchObject({ created: 1, replayed: 1 });
  });

  it('stripe: a failed validation does not bind the key to its parameters either', async () => {
    const p = await start({ preset: 'stripe' });
    expect((await post(p.url, 'k2', 'text/plain', 'not fields')).status).toBe(400);
    const other = await post(p.url, 'k2', 'application/x-www-form-urlencoded', 'amount=5');
    expect(other.status).toBe(201); // not an idempotency_error: nothing was saved
  });

  it('a method the route does not allow, or an unknown route, is not saved', async () => {
    const p = await start({ preset: 'stripe', resources: false, routes: {} });
    for (let i = 0; i < 2; i++) {
      const unknown = await post(p.url, 'k3', 'application/json', '{}');
      expect([unknown.status, unknown.headers.get('idempotent-replayed')]).toEqual([404, null]);
    }
    expect(p.ledger.replayed).toBe(0);
    const q = await start({ preset: ietf });
    const notAllowed = await fetch(`${q.url}/items/abc_000001`, {
      method: 'POST',
      headers: { 'idempotency-key': 'k4', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(notAllowed.status).toBe(405);
    // The key was left free: another request with it runs (had the 405 been saved, this would
    // be a 422 for reusing the key with other parameters).
    const ran = await fetch(`${q.url}/items/abc_000001`, {
      method: 'PATCH',
      headers: { 'idempotency-key': 'k4', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ran.status).toBe(404); // ran: the item does not exist (not a replay of the 405)
    const replay = await fetch(`${q.url}/items/abc_000001`, {
      method: 'PATCH',
      headers: { 'idempotency-key': 'k4', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(replay.status).toBe(404);
    expect(q.ledger.replayed).toBe(1); // a 404 from a route that ran is saved and replayed
  });

  it('a route handler’s answer is saved whatever its status, unless it says `rejected`', async () => {
    let calls = 0;
    const p = await start({
      preset: 'stripe',
      routes: {
        'POST /v1/charges': () => ({ status: 400, body: { calls: ++calls } }),
        'POST /v1/refunds': (_request, ctx) =>
          ctx.fields?.charge === undefined
            ? { status: 400, body: { error: { type: 'invalid_request_error' } }, rejected: true }
            : { status: 201, body: { id: 're_1' } },
      },
    });
    await post(p.url, 'k5', 'application/json', '{}');
    const replay = await post(p.url, 'k5', 'application/json', '{}');
    expect([replay.status, await replay.json()]).toEqual([400, { calls: 1 }]);
    const refund = (body: string) =>
      fetch(`${p.url}/v1/refunds`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'k6' },
        body,
      });
    expect((await refund('{}')).status).toBe(400);
    const ok = await refund('{"charge":"ch_1"}'); // other parameters, same key: not a mismatch
    expect([ok.status, ok.headers.get('idempotent-replayed')]).toEqual([201, null]);
    expect((await refund('{"charge":"ch_1"}')).headers.get('idempotent-replayed')).toBe('true');
  });
});
