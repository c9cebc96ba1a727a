import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SLOW_MS, FaultPlan } from './faults.js';
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
const create = (url: string) =>
  fetch(`${url}/charges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"amount":1}',
  });

describe('scripted faults (per attempt)', () => {
  it('[503, 503, 200]: two failures before the handler, then a normal answer', async () => {
    const p = await start({ faults: { script: { 'POST /charges': [503, 503, 200] } } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await create(p.url)).status);
    expect(statuses).toEqual([503, 503, 201, 201]);
    expect(p.ledger.faults.error).toBe(2);
    expect(p.ledger.created).toBe(2);
    expect(p.ledger.seconds[0]?.errors).toBe(2);
  });

  it('answers 5xx in the preset shape or as problem+json', async () => {
    const a = await start({ preset: 'stripe', faults: { script: { '* /x': [500, 502] } } });
    const stripe = await fetch(`${a.url}/x`);
    expect(await stripe.json()).toEqual({
      error: { type: 'api_error', message: 'Injected failure: try again.' },
    });
    const b = await start({
      preset: 'github',
      faults: { errorShape: 'problem', script: { 'GET /x': [502, 404] } },
    });
    const problem = await fetch(`${b.url}/x`);
    expect(problem.headers.get('content-type')).toBe('application/problem+json');
    expect(await problem.json()).toEqual({
      type: 'about:blank',
      title: 'Bad Gateway',
      status: 502,
      detail: 'Injected failure: try again.',
    });
    expect((await fetch(`${b.url}/x`)).status).toBe(404);
  });

  it('injected 5xx carry Retry-After when errorRetryAfterSec is set', async () => {
    const p = await start({ faults: { errorRetryAfterSec: 30, script: { 'GET /x': [503, 500] } } });
    const a = await fetch(`${p.url}/x`);
    const b = await fetch(`${p.url}/x`);
    const c = await fetch(`${p.url}/x`);
    expect([a.status, a.headers.get('retry-after')]).toEqual([503, '30']);
    expect([b.status, b.headers.get('retry-after')]).toEqual([500, '30']);
    expect([c.status, c.headers.get('retry-after')]).toEqual([200, null]);
    const q = await start({ faults: { script: { 'GET /x': [503] } } });
    expect((await fetch(`${q.url}/x`)).headers.get('retry-after')).toBeNull();
    expect(() => new FaultPlan({ errorRetryAfterSec: -1 }, 0)).toThrow(
      'faults.errorRetryAfterSec must be a finite number >= 0.',
    );
  });

  it('429 with and without Retry-After', async () => {
    const p = await start({
      faults: {
        retryAfterSec: 7,
        script: { 'GET /x': [429, 'rateLimitNoRetryAfter', 'rateLimit'] },
      },
    });
    const a = await fetch(`${p.url}/x`);
    const b = await fetch(`${p.url}/x`);
    const c = await fetch(`${p.url}/x`);
    expect([a.status, a.headers.get('retry-after')]).toEqual([429, '7']);
    expect([b.status, b.headers.get('retry-after')]).toEqual([429, null]);
    expect(c.headers.get('retry-after')).toBe('7');
    expect(p.ledger.faults).toMatchObject({ rateLimit: 2, rateLimitNoRetryAfter: 1 });
  });

  it('drop: the resource is committed, the client never hears back, a retry creates it again', async () => {
    const p = await start({ faults: { script: { 'POST /charges': ['drop'] } } });
    await expect(create(p.url)).rejects.toThrow();
    expect(p.ledger.created).toBe(1);
    expect((await create(p.url)).status).toBe(201);
    expect(p.ledger).toMatchObject({ created: 2, duplicates: 1, retries: 1 });
    expect(p.ledger.transcript[0]).toMatchObject({ status: 0, fault: 'drop', body: '' });
    expect(p.ledger.seconds[0]?.dropped).toBe(1);
  });

  it('reset: the connection is reset before the handler, nothing is committed', async () => {
    const p = await start({ faults: { script: { 'POST /charges': ['reset'] } } });
    await expect(create(p.url)).rejects.toThrow();
    expect(p.ledger.created).toBe(0);
    expect(p.ledger.faults.reset).toBe(1);
    expect(p.ledger.transcript[0]).toMatchObject({ status: 0, fault: 'reset' });
  });

  it('truncate: the full Content-Length is announced, half the body arrives, then the socket closes', async () => {
    const p = await start({ faults: { script: { 'GET /charges': ['truncate'] } } });
    await create(p.url);
    const response = await fetch(`${p.url}/charges`);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  it('slow: committed at once, answered after slowMs on the provider clock', async () => {
    const clock = fixedClock();
    const p = await start({
      clock,
      faults: { slowMs: 30_000, script: { 'POST /charges': ['slow'] } },
    });
    let settled = false;
    const pending = create(p.url).then((r) => {
      settled = true;
      return r;
    });
    await until(() => clock.pending === 1, 'the slow answer to wait');
    expect(p.ledger.created).toBe(1);
    expect(settled).toBe(false);
    await clock.advance(30_000);
    expect((await pending).status).toBe(201);
  });

  it('slowBody: headers at once, the body in pieces over slowBodyMs', async () => {
    const clock = fixedClock();
    const p = await start({
      clock,
      faults: { slowBodyMs: 800, script: { 'GET /charges': ['slowBody'] } },
    });
    await create(p.url);
    const response = await fetch(`${p.url}/charges`);
    expect(response.status).toBe(200);
    const text = response.text();
    for (let i = 0; i < 8; i++) {
      await until(() => clock.pending === 1, 'the next piece');
      await clock.advance(100);
    }
    expect(JSON.parse(await text)).toMatchObject({ data: [{ amount: 1 }] });
    expect(p.ledger.faults.slowBody).toBe(1);
  });

  it('close() ends pending slow answers', async () => {
    const clock = fixedClock();
    const p = await createProvider({ clock, faults: { script: { 'POST /x': ['slow'] } } });
    const pending = fetch(`${p.url}/x`, { method: 'POST', body: '{}' }).then(
      () => 'answered',
      () => 'closed',
    );
    await until(() => clock.pending === 1, 'the slow answer');
    await p.close();
    expect(await pending).toBe('closed');
    expect(DEFAULT_SLOW_MS).toBe(2000);
  });

  it('provider.script() replaces a route script at runtime, and scripts run out into normal answers', async () => {
    const p = await start();
    p.script('GET /x', [503]);
    expect((await fetch(`${p.url}/x`)).status).toBe(503);
    expect((await fetch(`${p.url}/x`)).status).toBe(200);
    p.script('GET /x', [500, 500]);
    expect((await fetch(`${p.url}/x`)).status).toBe(500);
  });
});

describe('probabilistic faults', () => {
  it('walks the probabilities in order with one seeded draw per request', () => {
    const plan = new FaultPlan({ error: 0.25, drop: 0.25, truncate: 0.5 }, 1);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 4000; i++) {
      const { fault } = plan.decide('GET', ['x']);
      counts[fault] = (counts[fault] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(['drop', 'error', 'truncate']);
    expect(counts.error).toBeGreaterThan(850);
    expect(counts.error).toBeLessThan(1150);
    expect(counts.truncate).toBeGreaterThan(1850);
  });

  it('the same seed gives the same decisions; another seed others; scripts never shift the draw', () => {
    const sequence = (seed: number, script?: Record<string, number[]>) => {
      const plan = new FaultPlan({ error: 0.3, slow: 0.2, script }, seed);
      return Array.from({ length: 50 }, (_, i) => plan.decide('GET', [i % 2 ? 'a' : 'b']).fault);
    };
    expect(sequence(5)).toEqual(sequence(5));
    expect(sequence(5)).not.toEqual(sequence(6));
    const scripted = sequence(5, { 'GET /a': [200, 200, 200] });
    const plain = sequence(5);
    const unaffected = scripted.filter((_, i) => !(i % 2 === 1 && i < 6));
    expect(unaffected).toEqual(plain.filter((_, i) => !(i % 2 === 1 && i < 6)));
  });

  it('injects faults on the server at the configured share', async () => {
    const p = await start({ seed: 3, faults: { error: 0.5 } });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await fetch(`${p.url}/x`)).status);
    const errors = statuses.filter((s) => s === 503).length;
    expect(errors).toBe(p.ledger.faults.error);
    expect(errors).toBeGreaterThan(10);
    expect(errors).toBeLessThan(30);
  });
});

describe('after-commit faults apply only after a commit', () => {
  it('drop and slow skip reads, failed writes and replays; a route’s own replay counts as one', async () => {
    let n = 0;
    const p = await start({
      faults: { script: { '* /x': ['drop', 'drop', 'slow', 'drop'] } },
      routes: {
        'GET /x': () => ({ body: {} }),
        'POST /x': () =>
          ++n === 1
            ? { status: 422, body: {} }
            : { status: 200, headers: { 'idempotent-replayed': 'true' }, body: {} },
      },
    });
    expect((await fetch(`${p.url}/x`)).status).toBe(200);
    expect((await fetch(`${p.url}/x`, { method: 'POST' })).status).toBe(422);
    expect((await fetch(`${p.url}/x`)).status).toBe(200);
    expect((await fetch(`${p.url}/x`, { method: 'POST' })).status).toBe(200);
    expect(p.ledger.faults).toMatchObject({ drop: 0, slow: 0 });
    expect(p.ledger.replayed).toBe(1);
  });
});
