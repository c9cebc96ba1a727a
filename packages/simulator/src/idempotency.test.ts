import { afterEach, describe, expect, it } from 'vitest';
import { IdempotencyKeys, MAX_IDEMPOTENCY_KEYS } from './idempotency.js';
import { ietf } from './presets/index.js';
import { createProvider } from './provider.js';
import type { Provider, ProviderOptions } from './provider-types.js';
import { fixedClock, until } from './test-utils.fixture.js';

const open: Provider[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
async function start(options: ProviderOptions = {}): Promise<Provider> {
  const provider = await createProvider({ rateLimit: false, ...options });
  open.push(provider);
  return provider;
}
const charge = (url: string, body: string, key?: string) =>
  fetch(`${url}/v1/charges`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body,
  });

describe('idempotency keys per preset', () => {
  it('stripe: replays the first answer with Idempotent-Replayed, 400 idempotency_error for other parameters', async () => {
    const p = await start({ preset: 'stripe' });
    const first = await charge(p.url, 'amount=100', 'k1');
    const again = await charge(p.url, 'amount=100', 'k1');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    const other = await charge(p.url, 'amount=200', 'k1');
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ error: { type: 'idempotency_error' } });
    expect(p.ledger).toMatchObject({ created: 1, replayed: 1, duplicates: 0 });
  });

  it('stripe: replays a 500 too (the saved answer, success or error)', async () => {
    let calls = 0;
    const p = await start({
      preset: 'stripe',
      routes: {
        'POST /v1/charges': () => ({ status: ++calls === 1 ? 500 : 201, body: { calls } }),
      },
    });
    await charge(p.url, 'a=1', 'k');
    const replay = await charge(p.url, 'a=1', 'k');
    expect([replay.status, await replay.json()]).toEqual([500, { calls: 1 }]);
  });

  it('stripe: 409 idempotency_key_in_use while the first request still runs; a failed handler frees the key', async () => {
    let release: (() => void) | undefined;
    let fail = true;
    const p = await start({
      preset: 'stripe',
      routes: {
        'POST /v1/slow': () =>
          new Promise((resolve) => (release = () => resolve({ status: 201, body: {} }))),
        'POST /v1/flaky': () => {
          if (fail) {
            fail = false;
            throw new Error('crash');
          }
          return { status: 201, body: {} };
        },
      },
    });
    const first = fetch(`${p.url}/v1/slow`, {
      method: 'POST',
      headers: { 'idempotency-key': 's' },
      body: 'x',
    });
    await until(() => release !== undefined, 'the first request to reach its handler');
    const second = await fetch(`${p.url}/v1/slow`, {
      method: 'POST',
      headers: { 'idempotency-key': 's' },
      body: 'x',
    });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: { code: 'idempotency_key_in_use' } });
    release?.();
    expect((await first).status).toBe(201);
    const crash = await fetch(`${p.url}/v1/flaky`, {
      method: 'POST',
      headers: { 'idempotency-key': 'f' },
      body: 'x',
    });
    expect(crash.status).toBe(500);
    const retry = await fetch(`${p.url}/v1/flaky`, {
      method: 'POST',
      headers: { 'idempotency-key': 'f' },
      body: 'x',
    });
    expect(retry.status).toBe(201);
  });

  it('ietf: 422 problem+json for a key reused with another payload', async () => {
    const p = await start();
    await charge(p.url, 'a=1', 'k');
    const reuse = await charge(p.url, 'a=2', 'k');
    expect(reuse.status).toBe(422);
    expect(reuse.headers.get('content-type')).toBe('application/problem+json');
  });

  it('required mode: 400 without a key', async () => {
    const p = await start({
      preset: {
        ...ietf,
        name: 'strict',
        idempotency: {
          ...(ietf.idempotency as object),
          mode: 'required',
        } as typeof ietf.idempotency,
      },
    });
    expect((await charge(p.url, 'a=1')).status).toBe(400);
    expect((await charge(p.url, 'a=1', 'k')).status).toBe(201);
    expect((await fetch(`${p.url}/v1/charges`)).status).toBe(200);
  });

  it('github, shopify and slack ignore the header: a retried POST creates twice', async () => {
    for (const preset of ['github', 'shopify', 'slack'] as const) {
      const p = await start({ preset });
      await charge(p.url, 'a=1', 'k');
      await charge(p.url, 'a=1', 'k');
      expect(p.ledger).toMatchObject({ created: 2, duplicates: 1, replayed: 0 });
    }
  });

  it('keys expire after the preset TTL and are bounded in number', async () => {
    const clock = fixedClock();
    const p = await start({ clock });
    await charge(p.url, 'a=1', 'k');
    await clock.advance(ietf.idempotency.mode === 'none' ? 0 : ietf.idempotency.ttlMs);
    expect((await charge(p.url, 'a=2', 'k')).status).toBe(201);
    const keys = new IdempotencyKeys();
    for (let i = 0; i <= MAX_IDEMPOTENCY_KEYS; i++) keys.claim(`k${i}`, 'f', 0, 1000);
    expect(keys.claim('k0', 'other', 0, 1000).kind).toBe('new');
    keys.finish('absent', { status: 200, headers: {}, body: new Uint8Array() });
    keys.release('absent');
  });
});
