// One rule for the three receivers (fetch, Hono, Express on a loopback server): a delivery
// is acknowledged only once its outcome is recorded; statuses that say "try again" release it.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { webhookMiddleware as expressMiddleware } from './express.js';
import { isDeliveryDone, webhookReceiver } from './fetch.js';
import { webhookMiddleware as honoMiddleware } from './hono.js';
import { signWebhook, WebhookOptionsError } from './index.js';
import type {
  DedupeBeginResult,
  DedupeKey,
  DedupeStore,
  WebhookReceiverOptions,
} from './receiver.js';

const secret = 'gh-secret';
const body = '{"action":"opened"}';

/** An in-memory store whose operations can be made to fail. */
function faultyStore() {
  const records = new Map<string, { state: 'in-progress' | 'completed'; token: string }>();
  const faults = { begin: false, complete: false as false | 'throw' | 'lost', release: false };
  let n = 0;
  let retryAfterMs = 1_500;
  const id = (k: DedupeKey) => `${k.scope}|${k.key}`;
  const store: DedupeStore = {
    async begin(key): Promise<DedupeBeginResult> {
      if (faults.begin) throw new Error('store down');
      const found = records.get(id(key));
      if (found?.state === 'completed') return { status: 'completed' };
      if (found?.state === 'in-progress') return { status: 'in-progress', retryAfterMs };
      const token = `t${++n}`;
      records.set(id(key), { state: 'in-progress', token });
      return { status: 'acquired', token };
    },
    async complete(key, token) {
      if (faults.complete === 'throw') throw new Error('store down');
      if (faults.complete === 'lost') return false;
      const found = records.get(id(key));
      if (found?.token !== token) return false;
      found.state = 'completed';
      return true;
    },
    async release(key, token) {
      if (faults.release) throw new Error('store down');
      if (records.get(id(key))?.token !== token) return false;
      records.delete(id(key));
      return true;
    },
  };
  return {
    store,
    records,
    faults,
    setRetryAfter(ms: number) {
      retryAfterMs = ms;
    },
  };
}

interface Behaviour {
  status: number;
  /** Express only: write (flush headers) before ending. */
  flush?: boolean;
}

type Send = (request: Request) => Promise<Response>;
type Form = (
  options: WebhookReceiverOptions,
  behave: () => Behaviour,
  runs: string[],
) => Promise<Send>;

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const forms: Array<[string, Form]> = [
  [
    'fetch',
    async (options, behave, runs) =>
      webhookReceiver(options, (webhook) => {
        runs.push(webhook.id as string);
        return new Response('handled', { status: behave().status });
      }),
  ],
  [
    'hono',
    async (options, behave, runs) => {
      const app = new Hono();
      app.post('/hook', honoMiddleware(options), (c) => {
        runs.push(c.get('webhook').id as string);
        return c.text('handled', behave().status as 200);
      });
      return async (request) => app.request(request);
    },
  ],
  [
    'express',
    async (options, behave, runs) => {
      const app = express();
      app.post('/hook', expressMiddleware(options), (_req, res) => {
        runs.push(res.locals.webhook.id);
        const { status, flush } = behave();
        res.status(status);
        if (flush) {
          res.write('partial');
          res.end('handled');
        } else res.send('handled');
      });
      const server = app.listen(0, '127.0.0.1');
      servers.push(server);
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      return async (request) => {
        const url = new URL(request.url);
        return fetch(`http://127.0.0.1:${port}${url.pathname}`, {
          method: 'POST',
          headers: request.headers,
          body: await request.text(),
          signal: request.signal,
        });
      };
    },
  ],
];

async function delivery(id: string): Promise<Request> {
  const signed = await signWebhook({ provider: 'github', secret, body, id });
  return new Request('https://x.test/hook', { method: 'POST', body, headers: signed.headers });
}

describe.each(forms)('%s receiver', (_name, form) => {
  it('the store fails on begin: 503 + Retry-After, the handler does not run; the redelivery is processed', async () => {
    const { store, faults } = faultyStore();
    const runs: string[] = [];
    const events: string[] = [];
    const send = await form(
      { provider: 'github', secret, dedupe: { store, onStoreError: (e) => events.push(e.phase) } },
      () => ({ status: 200 }),
      runs,
    );
    faults.begin = true;
    const refused = await send(await delivery('b-1'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(await refused.json()).toMatchObject({ status: 503, code: 'DEDUPE_STORE_UNAVAILABLE' });
    expect(runs).toEqual([]);
    expect(events).toEqual(['begin']);
    faults.begin = false;
    expect((await send(await delivery('b-1'))).status).toBe(200);
    expect(runs).toEqual(['b-1']);
  });

  it('recording the outcome fails (a throw, or a lost claim): 503 instead of the handler’s 200, never acknowledged', async () => {
    for (const fault of ['throw', 'lost'] as const) {
      const { store, faults, records } = faultyStore();
      const runs: string[] = [];
      const events: unknown[] = [];
      const send = await form(
        {
          provider: 'github',
          secret,
          dedupe: { store, onStoreError: (e) => events.push(e.phase) },
        },
        () => ({ status: 200 }),
        runs,
      );
      faults.complete = fault;
      const answer = await send(await delivery('c-1'));
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(await answer.json()).toMatchObject({ code: 'DEDUPE_STORE_UNAVAILABLE' });
      expect(runs).toEqual(['c-1']);
      expect(events).toEqual(['complete']);
      // What the redelivery does: the claim is still in progress until lockTtlMs → 409.
      faults.complete = false;
      const again = await send(await delivery('c-1'));
      expect(again.status).toBe(409);
      expect(records.get('webhook:github|c-1')?.state).toBe('in-progress');
      expect(runs).toEqual(['c-1']);
    }
  });

  it('408, 409, 425, 429 and 5xx release the id (the redelivery runs the handler); 2xx and other 4xx are recorded', async () => {
    const { store, records } = faultyStore();
    const runs: string[] = [];
    let status = 200;
    const send = await form(
      { provider: 'github', secret, dedupe: store },
      () => ({ status }),
      runs,
    );
    for (const retryable of [408, 409, 425, 429, 500, 503]) {
      status = retryable;
      const id = `r-${retryable}`;
      expect((await send(await delivery(id))).status).toBe(retryable);
      expect(records.has(`webhook:github|${id}`)).toBe(false);
      status = 202;
      expect((await send(await delivery(id))).status).toBe(202);
      expect(runs.filter((r) => r === id)).toHaveLength(2);
    }
    for (const final of [200, 201, 400, 404, 422]) {
      status = final;
      const id = `f-${final}`;
      expect((await send(await delivery(id))).status).toBe(final);
      expect(records.get(`webhook:github|${id}`)?.state).toBe('completed');
      const duplicate = await send(await delivery(id));
      expect(duplicate.status).toBe(200);
      expect(runs.filter((r) => r === id)).toHaveLength(1);
    }
  });

  it('a failing release after a retryable status still sends the handler’s answer and reports it', async () => {
    const { store, faults } = faultyStore();
    const events: string[] = [];
    const send = await form(
      { provider: 'github', secret, dedupe: { store, onStoreError: (e) => events.push(e.phase) } },
      () => ({ status: 429 }),
      [],
    );
    faults.release = true;
    expect((await send(await delivery('rl-1'))).status).toBe(429);
    expect(events).toEqual(['release']);
  });

  it('the 409 for a delivery in progress carries a bounded Retry-After', async () => {
    const fixture = faultyStore();
    fixture.records.set('webhook:github|busy', { state: 'in-progress', token: 'other' });
    fixture.setRetryAfter(10 * 60_000); // the other attempt's lock has 10 minutes left
    const byDefault = await form(
      { provider: 'github', secret, dedupe: fixture.store },
      () => ({ status: 200 }),
      [],
    );
    const busy = await byDefault(await delivery('busy'));
    expect(busy.status).toBe(409);
    expect(busy.headers.get('retry-after')).toBe('30');
    const bounded = await form(
      { provider: 'github', secret, dedupe: { store: fixture.store, maxRetryAfterSeconds: 5 } },
      () => ({ status: 200 }),
      [],
    );
    expect((await bounded(await delivery('busy'))).headers.get('retry-after')).toBe('5');
    fixture.setRetryAfter(200);
    expect((await bounded(await delivery('busy'))).headers.get('retry-after')).toBe('1');
  });

  it('the dedupe scope can be per endpoint: two endpoints each process the same delivery id once', async () => {
    const { store } = faultyStore();
    const runs: string[] = [];
    const billing = await form(
      { provider: 'github', secret, dedupe: { store, scope: 'webhook:github:/billing' } },
      () => ({ status: 200 }),
      runs,
    );
    const audit = await form(
      { provider: 'github', secret, dedupe: { store, scope: 'webhook:github:/audit' } },
      () => ({ status: 200 }),
      runs,
    );
    for (const send of [billing, audit, billing, audit]) await send(await delivery('same-id'));
    expect(runs).toEqual(['same-id', 'same-id']);
  });
});

describe('shared rules', () => {
  it('isDeliveryDone is the idempotency middleware’s status rule', () => {
    const done = Array.from({ length: 500 }, (_, i) => i + 100).filter(isDeliveryDone);
    expect(done.filter((s) => s < 300)).toEqual(Array.from({ length: 100 }, (_, i) => i + 200));
    expect(done.filter((s) => s >= 300)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 400).filter(
        (s) => ![408, 409, 425, 429].includes(s),
      ),
    );
  });

  it('refuses a maxRetryAfterSeconds out of range', () => {
    for (const maxRetryAfterSeconds of [0, 1.5, 86_401]) {
      expect(() =>
        webhookReceiver(
          {
            provider: 'github',
            secret,
            dedupe: { store: faultyStore().store, maxRetryAfterSeconds },
          },
          () => undefined,
        ),
      ).toThrow(WebhookOptionsError);
    }
  });

  it('express: a client that hangs up while the handler still runs keeps the claim; the handler’s later answer is recorded', async () => {
    const { store, records } = faultyStore();
    const runs: string[] = [];
    let open: () => void = () => undefined;
    let closed = false;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const app = express();
    app.post(
      '/hook',
      expressMiddleware({ provider: 'github', secret, dedupe: store }),
      async (_req, res) => {
        runs.push(res.locals.webhook.id);
        res.on('close', () => {
          closed = true;
        });
        if (runs.length === 1) await gate;
        res.sendStatus(202);
      },
    );
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const post = async (signal?: AbortSignal) => {
      const signed = await signWebhook({ provider: 'github', secret, body, id: 'slow' });
      return fetch(`http://127.0.0.1:${port}/hook`, {
        method: 'POST',
        body,
        headers: signed.headers,
        ...(signal ? { signal } : {}),
      });
    };
    const controller = new AbortController();
    const first = post(controller.signal).catch(() => 'aborted');
    await vi.waitFor(() => expect(runs).toEqual(['slow']));
    controller.abort(); // the provider's timeout: it hangs up and will deliver again
    expect(await first).toBe('aborted');
    await vi.waitFor(() => expect(closed).toBe(true));
    expect(records.get('webhook:github|slow')?.state).toBe('in-progress');
    // The redelivery arrives while the first attempt still runs: 409, never a second run.
    const during = await post();
    expect(during.status).toBe(409);
    expect(runs).toEqual(['slow']);
    open();
    await vi.waitFor(() => expect(records.get('webhook:github|slow')?.state).toBe('completed'));
    const after = await post();
    expect(after.status).toBe(200);
    expect(runs).toEqual(['slow']);
  });

  it('express: when the handler already flushed its headers and recording fails, the connection is destroyed unacknowledged', async () => {
    const { store, faults } = faultyStore();
    const send = await (forms[2] as [string, Form])[1](
      { provider: 'github', secret, dedupe: store },
      () => ({ status: 200, flush: true }),
      [],
    );
    faults.complete = 'throw';
    const outcome = await send(await delivery('flushed')).then(
      async (response) => {
        await response.text();
        return 'acknowledged';
      },
      () => 'destroyed',
    );
    expect(outcome).toBe('destroyed');
    faults.complete = false;
    const ok = await (forms[2] as [string, Form])[1](
      { provider: 'github', secret, dedupe: store },
      () => ({ status: 200, flush: true }),
      [],
    );
    const response = await ok(await delivery('flushed-ok'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('partialhandled');
  });
});
