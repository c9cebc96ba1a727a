import { describe, expect, it, vi } from 'vitest';
import { fixtureStore } from './dedupe-store.fixture.js';
import { webhookReceiver } from './fetch.js';
import { signWebhook } from './index.js';

const secret = 'gh';
const body = '{"action":"opened"}';

async function delivery(id = 'd-1', payload = body) {
  const signed = await signWebhook({ provider: 'github', secret, body: payload, id });
  return () =>
    new Request('https://x.test/hook', { method: 'POST', body: payload, headers: signed.headers });
}

describe('./fetch webhookReceiver', () => {
  it('runs the handler only for verified deliveries; answers problem+json otherwise', async () => {
    const handler = vi.fn(async () => new Response(null, { status: 202 }));
    const onReject = vi.fn(() => {
      throw new Error('logging broke');
    });
    const receive = webhookReceiver({ provider: 'github', secret, onReject }, handler);
    const ok = await receive((await delivery())());
    expect(ok.status).toBe(202);
    expect(handler).toHaveBeenCalledWith(
      expect.objectContaining({ id: 'd-1', body }),
      expect.any(Request),
    );

    const bad = await receive(
      new Request('https://x.test', {
        method: 'POST',
        body,
        headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      }),
    );
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(await bad.json()).toMatchObject({
      status: 401,
      code: 'NO_MATCHING_SIGNATURE',
      title: 'Unauthorized',
    });
    const missing = await receive(new Request('https://x.test', { method: 'POST', body }));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 'MISSING_HEADER' });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(onReject).toHaveBeenCalledTimes(2);
  });

  it('a handler answering nothing gives 200; unexpected errors propagate', async () => {
    const receive = webhookReceiver({ provider: 'github', secret }, () => undefined);
    expect((await receive((await delivery())())).status).toBe(200);
    const broken = webhookReceiver(
      {
        provider: 'github',
        secret,
        dedupe: {
          store: fixtureStore(),
          key: () => {
            throw new Error('key bug');
          },
        },
      },
      () => undefined,
    );
    await expect(broken((await delivery())())).rejects.toThrow('key bug');
  });

  it('dedupe: a repeated delivery id → 200 without the handler; failures release the id', async () => {
    const store = fixtureStore();
    let fail = 0;
    const handler = vi.fn(async () => {
      if (fail-- > 0) throw new Error('db down');
      return undefined;
    });
    const receive = webhookReceiver({ provider: 'github', secret, dedupe: store }, handler);
    const make = await delivery('d-7');
    fail = 1;
    await expect(receive(make())).rejects.toThrow('db down');
    expect(store.records.size).toBe(0); // released: the provider's retry will run it
    expect((await receive(make())).status).toBe(200);
    expect((await receive(make())).status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(2);
    expect(store.calls).toEqual([
      'begin d-7',
      'release d-7',
      'begin d-7',
      'complete d-7',
      'begin d-7',
    ]);
  });

  it('dedupe: 5xx answers release; in-progress answers 409 with Retry-After; custom key and no id', async () => {
    const store = fixtureStore();
    const receive = webhookReceiver(
      { provider: 'github', secret, dedupe: { store, ttlMs: 1000, lockTtlMs: 100 } },
      () => new Response(null, { status: 503 }),
    );
    const make = await delivery('d-9');
    expect((await receive(make())).status).toBe(503);
    expect(store.records.size).toBe(0);

    store.records.set('webhook:github|d-9', { state: 'in-progress', token: 'other' });
    const busy = await receive(make());
    expect(busy.status).toBe(409);
    expect(busy.headers.get('retry-after')).toBe('2');
    expect(await busy.json()).toMatchObject({ code: 'DELIVERY_IN_PROGRESS' });

    const byBody = webhookReceiver(
      { provider: 'github', secret, dedupe: { store, key: (w) => JSON.parse(w.body).action } },
      () => undefined,
    );
    expect((await byBody(make())).status).toBe(200);
    expect(store.records.get('webhook:github|opened')?.state).toBe('completed');

    const noId = webhookReceiver(
      { provider: 'github', secret, dedupe: { store, key: () => undefined } },
      () => undefined,
    );
    expect((await noId(make())).status).toBe(200);
  });

  it('bad options throw at construction', () => {
    expect(() => webhookReceiver({ provider: 'github' } as never, () => undefined)).toThrow(
      /secret/,
    );
  });
});
