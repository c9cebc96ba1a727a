import { afterEach, describe, expect, it } from 'vitest';
import { SimulatorAssertionError, SimulatorOptionsError } from './errors.js';
import { createProvider } from './provider.js';
import type { Provider, ProviderOptions } from './provider-types.js';
import { fixedClock } from './test-utils.fixture.js';

const open: Provider[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
async function start(options: ProviderOptions = {}): Promise<Provider> {
  const provider = await createProvider({ rateLimit: false, ...options });
  open.push(provider);
  return provider;
}
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('generic resources', () => {
  it('creates, reads, lists, updates and deletes', async () => {
    const clock = fixedClock();
    const p = await start({ clock });
    const created = await post(`${p.url}/v1/items`, { name: 'a' });
    expect(created.status).toBe(201);
    const item = (await created.json()) as { id: string; name: string; created_at: string };
    expect(item).toEqual({ name: 'a', id: 'ite_000001', created_at: '2026-01-01T00:00:00.000Z' });
    expect(await (await fetch(`${p.url}/v1/items/${item.id}`)).json()).toEqual(item);
    expect(await (await fetch(`${p.url}/v1/items`)).json()).toEqual({ data: [item] });
    const patched = await fetch(`${p.url}/v1/items/${item.id}`, {
      method: 'PATCH',
      body: '{"name":"b"}',
    });
    expect(((await patched.json()) as { name: string }).name).toBe('b');
    expect((await fetch(`${p.url}/v1/items/${item.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${p.url}/v1/items/${item.id}`)).status).toBe(404);
    expect((await fetch(`${p.url}/v1/items/${item.id}`, { method: 'DELETE' })).status).toBe(404);
    expect(
      (await fetch(`${p.url}/v1/items/${item.id}`, { method: 'PATCH', body: '{}' })).status,
    ).toBe(404);
    expect(p.ledger.routes['GET /v1/items/:id']).toBe(2);
    expect(p.ledger.created).toBe(1);
  });

  it('answers 400 for bodies that are not objects, 405 for other methods; parses forms', async () => {
    const p = await start();
    expect((await fetch(`${p.url}/x`, { method: 'POST', body: '[1]' })).status).toBe(400);
    expect((await fetch(`${p.url}/x/abc_000001`, { method: 'PUT', body: 'nope' })).status).toBe(
      400,
    );
    expect((await fetch(`${p.url}/x`, { method: 'PUT', body: '{}' })).status).toBe(405);
    const created = await fetch(`${p.url}/x`, { method: 'OPTIONS' });
    expect(created.status).toBe(405);
    const form = await fetch(`${p.url}/x`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'amount=100&currency=eur',
    });
    expect(await form.json()).toMatchObject({ amount: '100', currency: 'eur' });
    const empty = await fetch(`${p.url}/x`, { method: 'POST' });
    expect(empty.status).toBe(201);
    expect((await fetch(`${p.url}/x/abc_000009`, { method: 'OPTIONS' })).status).toBe(405);
  });

  it('counts a second creation with the same fields as a duplicate, and noDuplicates() says so', async () => {
    const p = await start();
    await post(`${p.url}/charges`, { amount: 1, to: 'a' });
    await post(`${p.url}/charges`, { to: 'a', amount: 1 });
    expect(p.ledger).toMatchObject({ created: 2, duplicates: 1, retries: 0 });
    expect(() => p.assert.noDuplicates()).toThrow(SimulatorAssertionError);
    expect(() => p.assert.noDuplicates()).toThrow(
      /Expected no duplicates, but 1 of 2 created resources repeat an earlier one[\s\S]*cha_000002 repeats cha_000001/,
    );
  });

  it('uses a custom identity, and counts identical writes as retries', async () => {
    const p = await start({ identity: (_c, fields) => String(fields.to) });
    await post(`${p.url}/charges`, { amount: 1, to: 'a' });
    await post(`${p.url}/charges`, { amount: 2, to: 'a' });
    await post(`${p.url}/charges`, { amount: 2, to: 'a' });
    expect(p.ledger).toMatchObject({ created: 3, duplicates: 2, retries: 1 });
    expect(p.ledger.seconds[0]?.retries).toBe(1);
  });

  it('can be turned off: unknown routes answer 404 in the preset shape', async () => {
    const p = await start({ resources: false, preset: 'github' });
    const response = await fetch(`${p.url}/repos`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ message: 'No such route.' });
  });
});

describe('routes', () => {
  it('matches patterns with params, before the resources, and accepts answers of every form', async () => {
    const p = await start({
      routes: {
        'GET /hello/:name': (_r, ctx) => ({ body: { hello: ctx.params.name } }),
        'GET /text': () => ({ status: 202, body: 'plain', headers: { 'x-a': '1' } }),
        'GET /bytes': () => ({ body: new Uint8Array([104, 105]) }),
        'GET /empty': () => ({}),
        'POST /web': async (request) =>
          new Response(`got ${await request.text()}`, { status: 201 }),
        'GET /fail': () => {
          throw new Error('boom');
        },
        '* /any': (request, ctx) => ({
          body: { method: request.method, origin: ctx.origin === p.url, now: ctx.now() > 0 },
        }),
      },
    });
    expect(await (await fetch(`${p.url}/hello/w%C3%B6rld`)).json()).toEqual({ hello: 'wörld' });
    const text = await fetch(`${p.url}/text`);
    expect([text.status, text.headers.get('x-a'), await text.text()]).toEqual([202, '1', 'plain']);
    expect(await (await fetch(`${p.url}/bytes`)).text()).toBe('hi');
    expect((await fetch(`${p.url}/empty`)).status).toBe(204);
    const web = await fetch(`${p.url}/web`, { method: 'POST', body: 'x' });
    expect([web.status, await web.text()]).toEqual([201, 'got x']);
    expect((await fetch(`${p.url}/fail`)).status).toBe(500);
    expect(await (await fetch(`${p.url}/any`, { method: 'DELETE' })).json()).toEqual({
      method: 'DELETE',
      origin: true,
      now: true,
    });
    expect(p.ledger.routes['GET /hello/:name']).toBe(1);
  });

  it('refuses malformed route keys', async () => {
    await expect(createProvider({ routes: { nope: () => ({}) } })).rejects.toThrow(
      SimulatorOptionsError,
    );
  });
});

describe('options', () => {
  it.each([
    [{ preset: 'acme' }],
    [{ seed: 1.5 }],
    [{ rateLimit: { limit: 0, windowMs: 1000 } }],
    [{ rateLimit: { limit: 1, windowMs: 0 } }],
    [{ transcriptLimit: -1 }],
    [{ drift: [{ after: -1 }] }],
    [{ drift: 'x' }],
    [{ faults: { error: 2 } }],
    [{ faults: { error: 0.6, drop: 0.6 } }],
    [{ faults: { errorStatus: 200 } }],
    [{ faults: { slowMs: -1 } }],
    [{ faults: { script: { 'GET /': [100] } } }],
    [{ faults: { script: { 'GET /': ['explode'] } } }],
    [{ faults: { script: { nope: [200] } } }],
    [{ faults: { script: { 'GET /': 'x' } } }],
    [{ webhooks: { url: 'not a url', secret: 'x' } }],
    [{ webhooks: { url: 'http://127.0.0.1:1/', secret: '' } }],
    [{ webhooks: { url: 'http://127.0.0.1:1/', secret: 's', duplicates: 3 } }],
    [{ port: 70_000 }],
    [{ port: 1.5 }],
    [{ webhooks: { url: 'http://127.0.0.1:1/', secret: 's', timeoutMs: -1 } }],
    [{ webhooks: { url: 'http://127.0.0.1:1/', secret: 's', timeoutMs: 0 } }],
    [{ webhooks: { url: 'http://127.0.0.1:1/', secret: 's', staleSec: Number.NaN } }],
    [{ webhooks: { url: 'http://127.0.0.1:1/', secret: 's', futureSec: -5 } }],
    [{ webhooks: { url: 'http://127.0.0.1:1/', secret: 's', retryDelaysMs: [1000, -1] } }],
    [{ webhooks: { url: 'http://127.0.0.1:1/', secret: 's', retryDelaysMs: 5 } }],
    [{ webhooks: { url: 'http://127.0.0.1:1/', secret: 's', listPath: 'events' } }],
  ] as unknown as ProviderOptions[][])('refuses %j', async (options) => {
    await expect(createProvider(options)).rejects.toThrow(SimulatorOptionsError);
  });

  it('close() is idempotent', async () => {
    const p = await createProvider();
    await Promise.all([p.close(), p.close()]);
    await p.close();
  });
});
