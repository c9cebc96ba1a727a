import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeHooks, manualClock } from '@brace/core';
import ky, { HTTPError, type KyInstance } from 'ky';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCircuitBreaker } from './breaker.js';
import { createRetryBudget } from './budget.js';
import { CircuitOpenError, RetryAfterTooLongError, RetryBudgetExhaustedError } from './errors.js';
import {
  type BackoffRetryOptions,
  backoffHooks,
  backoffRetry,
  backoffStatusRecorder,
  hostOf,
} from './ky.js';
import { constant } from './strategies.js';
import { settle } from './test-utils/settle.js';

/** Start of fake time: a whole second, so HTTP-dates (second resolution) are exact. */
const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
let clock = manualClock({ now: T0 });

interface Seen {
  path: string;
  method: string;
  at: number;
  attempt: string | undefined;
}
let seen: Seen[] = [];
let counts = new Map<string, number>();
let server: Server;
let base: string;

/** Routes: /fail/<n>/<status> fails n times with status, then 200; query `ra` sets Retry-After. */
function handle(req: IncomingMessage, res: import('node:http').ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://x');
  const id = url.searchParams.get('id') ?? '';
  const n = (counts.get(id) ?? 0) + 1;
  counts.set(id, n);
  seen.push({
    path: url.pathname,
    method: req.method ?? '',
    at: clock.now(),
    attempt: req.headers['x-attempt'] as string | undefined,
  });
  const [, kind, times, status] = url.pathname.split('/');
  const failing = n <= Number(times);
  if (kind === 'hang' && failing) return; // never answers: the client times out
  if (kind === 'reset' && failing) {
    req.socket.destroy(); // connection reset without a response
    return;
  }
  if (failing) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const ra = url.searchParams.get('ra');
    if (ra === 'date') headers['retry-after'] = new Date(clock.now() + 3_000).toUTCString();
    else if (ra) headers['retry-after'] = ra;
    res.writeHead(Number(status ?? 503), headers);
    res.end(JSON.stringify({ error: 'try later' }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, attempt: n }));
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  clock = manualClock({ now: T0 });
  seen = [];
  counts = new Map();
});

let nextId = 0;
function client(
  options: BackoffRetryOptions = {},
  hooks?: Parameters<typeof backoffHooks>[0],
): KyInstance {
  return ky.create({
    prefix: base,
    retry: backoffRetry({ clock, random: () => 0, strategy: constant(1_000), ...options }),
    hooks: hooks ? composeHooks(backoffHooks(hooks)) : undefined,
    timeout: false,
  });
}
const path = (p: string, query = '') => `${p}?id=${++nextId}${query}`;
const times = () => seen.map((s) => s.at - T0);

describe('backoffRetry through ky against a loopback server', () => {
  it('retries 503s at the strategy times and returns the success', async () => {
    const { value } = await settle(client().get(path('fail/2/503')).json(), clock);
    expect(value).toEqual({ ok: true, attempt: 3 });
    expect(times()).toEqual([0, 1_000, 2_000]);
  });

  it('honours Retry-After in seconds, plus positive jitter', async () => {
    const api = client({ random: () => 0.5, strategy: constant(10) });
    await settle(api.get(path('fail/1/429', '&ra=2')).json(), clock);
    expect(times()).toEqual([0, 2_500]); // 2 s + 0.5 × max(20% of 2 s, 1 s)
  });

  it('honours Retry-After as an HTTP-date', async () => {
    const api = client({ retryAfterJitter: 0, strategy: constant(10) });
    await settle(api.get(path('fail/1/503', '&ra=date')).json(), clock);
    expect(times()).toEqual([0, 3_000]);
  });

  it('retries connection resets', async () => {
    const { value } = await settle(client().get(path('reset/2')).json(), clock);
    expect(value).toEqual({ ok: true, attempt: 3 });
    expect(times()).toEqual([0, 1_000, 2_000]);
  });

  it('never retries a POST or PATCH without an Idempotency-Key', async () => {
    const onGiveUp = vi.fn();
    for (const method of ['post', 'patch'] as const) {
      const { error } = await settle(
        client({ onGiveUp })[method](path('fail/5/503'), { json: {} }),
        clock,
      );
      expect(error).toBeInstanceOf(HTTPError);
    }
    expect(seen.map((s) => s.method)).toEqual(['POST', 'PATCH']);
    expect(onGiveUp).toHaveBeenCalledWith(expect.objectContaining({ reason: 'not-retryable' }));
  });

  it('retries a POST that carries an Idempotency-Key', async () => {
    const headers = { 'Idempotency-Key': '"8e03978e-40d5-43e8-bc93-6894a57f9324"' };
    const { value } = await settle(
      client()
        .post(path('fail/2/503'), { json: { a: 1 }, headers })
        .json(),
      clock,
    );
    expect(value).toEqual({ ok: true, attempt: 3 });
    expect(seen.map((s) => s.method)).toEqual(['POST', 'POST', 'POST']);
  });

  it('retries 409 only with an Idempotency-Key (the first request is still running)', async () => {
    const headers = { 'idempotency-key': 'k-1' };
    await settle(client().post(path('fail/1/409'), { json: {}, headers }).json(), clock);
    expect(seen).toHaveLength(2);
    seen = [];
    const { error } = await settle(client().get(path('fail/1/409')).json(), clock);
    expect(error).toBeInstanceOf(HTTPError);
    expect(seen).toHaveLength(1);
  });

  it('stops after `attempts` and lets ky throw the last HTTPError', async () => {
    const onGiveUp = vi.fn();
    const onRetry = vi.fn();
    const { error } = await settle(
      client({ attempts: 3, onGiveUp, onRetry }).get(path('fail/9/503')).json(),
      clock,
    );
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).response.status).toBe(503);
    expect(times()).toEqual([0, 1_000, 2_000]);
    expect(onRetry).toHaveBeenCalledTimes(2);
    expect(onRetry.mock.calls[0]?.[0]).toMatchObject({ attempt: 1, delayMs: 1_000 });
    expect(onGiveUp).toHaveBeenCalledWith(
      expect.objectContaining({ reason: 'exhausted', attempt: 3 }),
    );
  });

  it('does not retry 404', async () => {
    const { error } = await settle(client().get(path('fail/1/404')).json(), clock);
    expect((error as HTTPError).response.status).toBe(404);
    expect(seen).toHaveLength(1);
  });

  it('gives up with RetryAfterTooLongError when the server asks for more than maxRetryAfter', async () => {
    const { error } = await settle(
      client({ maxRetryAfter: 10_000 }).get(path('fail/1/429', '&ra=3600')).json(),
      clock,
    );
    expect(error).toBeInstanceOf(RetryAfterTooLongError);
    expect((error as RetryAfterTooLongError).delayMs).toBe(3_600_000);
    expect((error as Error).cause).toBeInstanceOf(HTTPError);
    expect(seen).toHaveLength(1);
  });

  it('retries timeouts with retryOnTimeout', async () => {
    const api = ky.create({
      prefix: base,
      timeout: 30,
      retry: backoffRetry({ clock, retryOnTimeout: true, strategy: constant(500) }),
    });
    const { value } = await settle(api.get(path('hang/1')).json(), clock);
    expect(value).toEqual({ ok: true, attempt: 2 });
    expect(times()).toEqual([0, 500]);
  });

  it('ends a wait at once when the caller aborts', async () => {
    const controller = new AbortController();
    const promise = client({ strategy: constant(60_000) }).get(path('fail/9/503'), {
      signal: controller.signal,
    });
    const outcome = promise.catch((e: unknown) => e);
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    const reason = new Error('navigated away');
    controller.abort(reason);
    expect(await outcome).toBe(reason);
    expect(clock.now()).toBe(T0);
  });

  it('cannot retry an error without a request', async () => {
    const { shouldRetry } = backoffRetry();
    await expect(
      shouldRetry?.({ error: new TypeError('fetch failed'), retryCount: 1 }),
    ).resolves.toBe(false);
  });

  it('passes the user shouldRetry the error and attempt', async () => {
    const shouldRetry = vi.fn(() => false);
    await settle(client({ shouldRetry }).get(path('fail/1/503')).json(), clock);
    expect(shouldRetry).toHaveBeenCalledWith(expect.any(HTTPError), 1);
    expect(seen).toHaveLength(1);
  });

  it('rejects bad options', () => {
    expect(() => backoffRetry({ attempts: 0 })).toThrow(/`attempts`/);
    expect(() => backoffRetry({ retryAfterJitter: -1 })).toThrow(/`retryAfterJitter`/);
    expect(() => backoffHooks({ isFailureStatus: 1 as never })).toThrow(/`isFailureStatus`/);
  });
});

describe('backoffHooks through ky', () => {
  it('keeps attempts ≤ 1.1× requests with a budget while everything fails', async () => {
    const budget = createRetryBudget({ ratio: 0.1, minPerSecond: 0, clock });
    const api = client({ budget, strategy: constant(0) }, { budget });
    const errors: unknown[] = [];
    for (let i = 0; i < 30; i++)
      errors.push((await settle(api.get(path('fail/99/503')).json(), clock)).error);
    expect(seen.length).toBeLessThanOrEqual(33);
    expect(seen.length).toBeGreaterThan(30);
    const refused = errors.filter(
      (e) => e instanceof RetryBudgetExhaustedError,
    ) as RetryBudgetExhaustedError[];
    expect(refused.length).toBeGreaterThan(20);
    expect(refused[0]?.key).toBe(new URL(base).host);
    expect(refused[0]?.cause).toBeInstanceOf(HTTPError);
  });

  it('fails fast in beforeRequest while the host circuit is open', async () => {
    const breaker = createCircuitBreaker({ minimumThroughput: 2, breakDurationMs: 5_000, clock });
    const api = client({ attempts: 1 }, { breaker });
    for (let i = 0; i < 2; i++) await settle(api.get(path('fail/9/503')).json(), clock);
    expect(breaker.state(new URL(base).host)).toBe('open');
    const { error } = await settle(api.get(path('fail/0/503')).json(), clock);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect((error as CircuitOpenError).retryAfterMs).toBe(5_000);
    expect(seen).toHaveLength(2); // the third request never reached the server
    await clock.advance(5_000);
    const { value } = await settle(api.get(path('fail/0/503')).json(), clock);
    expect(value).toMatchObject({ ok: true });
    expect(breaker.state(new URL(base).host)).toBe('closed');
  });

  it('a 404 probe leaves the circuit half-open; the next request probes and closes it', async () => {
    const breaker = createCircuitBreaker({ minimumThroughput: 1, breakDurationMs: 5_000, clock });
    const api = client({ attempts: 1 }, { breaker });
    const host = new URL(base).host;
    await settle(api.get(path('fail/9/503')).json(), clock);
    expect(breaker.state(host)).toBe('open');
    await clock.advance(5_000);
    const { error } = await settle(api.get(path('fail/1/404')).json(), clock);
    expect((error as HTTPError).response.status).toBe(404);
    expect(breaker.state(host)).toBe('half-open');
    const { value } = await settle(api.get(path('fail/0/503')).json(), clock);
    expect(value).toMatchObject({ ok: true });
    expect(breaker.state(host)).toBe('closed');
  });

  it('fails fast in beforeRetry when the circuit opens between attempts', async () => {
    const breaker = createCircuitBreaker({ minimumThroughput: 2, clock });
    const { error } = await settle(
      client({ attempts: 5 }, { breaker }).get(path('fail/9/503')).json(),
      clock,
    );
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(seen).toHaveLength(2);
  });

  it('counts connection resets as failures', async () => {
    const breaker = createCircuitBreaker({ minimumThroughput: 3, clock });
    const api = client({ attempts: 2 }, { breaker });
    await settle(api.get(path('reset/9')).json(), clock); // two resets: beforeRetry + beforeError
    await settle(api.get(path('reset/9')), clock);
    expect(breaker.state(new URL(base).host)).toBe('open');
  });

  it('does not count an abort or a POST refusal as a server failure twice', async () => {
    const breaker = createCircuitBreaker({ minimumThroughput: 2, clock });
    const api = client({}, { breaker });
    const { error } = await settle(api.post(path('fail/1/503'), { json: {} }), clock);
    expect(error).toBeInstanceOf(HTTPError);
    const aborted = await settle(
      api.get(path('fail/0/503'), { signal: AbortSignal.abort() }),
      clock,
    );
    expect((aborted.error as Error).name).toBe('AbortError');
    expect(breaker.state(new URL(base).host)).toBe('closed'); // 1 failure only
  });

  it('sets the attempt header on every attempt', async () => {
    await settle(client({}, { attemptHeader: 'x-attempt' }).get(path('fail/2/503')).json(), clock);
    expect(seen.map((s) => s.attempt)).toEqual(['1', '2', '3']);
  });

  it('records budget outcomes per host with a token bucket', async () => {
    const onSuccess = vi.fn();
    const onFailure = vi.fn();
    const onRequest = vi.fn();
    const budget = { onRequest, onSuccess, onFailure, tryRetry: () => true };
    await settle(client({ budget }, { budget }).get(path('fail/1/503')).json(), clock);
    const host = new URL(base).host;
    expect(onRequest.mock.calls).toEqual([[host]]);
    expect(onFailure.mock.calls).toEqual([[host]]);
    expect(onSuccess.mock.calls).toEqual([[host]]);
  });
});

describe('backoffHooks outcome recording', () => {
  it('reads outcomes in a fetch wrapper, so ky clones no response for backoff', async () => {
    const hooks = backoffHooks({ breaker: createCircuitBreaker({ clock }) });
    expect(hooks.afterResponse).toBeUndefined();
    expect(hooks.init).toHaveLength(1);
  });

  it('wraps a fetch given to ky and counts each of its attempts', async () => {
    const statuses = [503, 503, 200];
    const onSuccess = vi.fn();
    const onFailure = vi.fn();
    const budget = { onRequest: vi.fn(), onSuccess, onFailure, tryRetry: () => true };
    const api = ky.create({
      fetch: async () => new Response('{}', { status: statuses.shift() ?? 500 }),
      retry: backoffRetry({ budget, clock, strategy: constant(0) }),
      hooks: backoffHooks({ budget }),
    });
    await settle(api.get('https://stub.test:8443/x').json(), clock);
    expect(onFailure.mock.calls).toEqual([['stub.test:8443'], ['stub.test:8443']]);
    expect(onSuccess.mock.calls).toEqual([['stub.test:8443']]);
  });

  it('keys a plain call by the host of a string or URL input', async () => {
    const onFailure = vi.fn();
    const budget = { onRequest: vi.fn(), onSuccess: vi.fn(), onFailure, tryRetry: () => true };
    const options: { fetch?: (input: Request | string | URL) => Promise<Response> } = {
      fetch: async () => new Response(null, { status: 502 }),
    };
    const init = backoffHooks({ budget }).init?.[0];
    init?.(options as never);
    await options.fetch?.('https://a.test/x');
    await options.fetch?.(new URL('https://b.test:81/y'));
    await options.fetch?.('not a url');
    expect(onFailure.mock.calls).toEqual([['a.test'], ['b.test:81'], ['']]);
  });
});

describe('hostOf', () => {
  it('returns the host or an empty string', () => {
    expect(hostOf(new Request('https://api.example.com:8443/x'))).toBe('api.example.com:8443');
    expect(hostOf({ url: 'not a url' } as Request)).toBe('');
  });
});

describe('backoffStatusRecorder', () => {
  const fakes = () => {
    const budget = {
      onRequest: vi.fn(),
      onSuccess: vi.fn(),
      onFailure: vi.fn(),
      tryRetry: () => true,
    };
    const breaker = createCircuitBreaker({ clock: manualClock({ now: T0 }) });
    const calls: string[] = [];
    for (const name of ['recordSuccess', 'recordFailure', 'recordIgnored'] as const) {
      const real = breaker[name].bind(breaker);
      breaker[name] = (key) => {
        calls.push(`${name} ${key}`);
        real(key);
      };
    }
    return { budget, breaker, calls };
  };

  it('records as backoffHooks does: failures for both, 4xx ignored by the breaker, else successes', () => {
    const { budget, breaker, calls } = fakes();
    const record = backoffStatusRecorder({ budget, breaker });
    record('a.test', 503);
    record('a.test', 429);
    record('a.test', 404);
    record('a.test', 200);
    expect(calls).toEqual([
      'recordFailure a.test',
      'recordFailure a.test',
      'recordIgnored a.test',
      'recordSuccess a.test',
    ]);
    expect(budget.onFailure.mock.calls).toEqual([['a.test'], ['a.test']]);
    expect(budget.onSuccess.mock.calls).toEqual([['a.test'], ['a.test']]);
  });

  it('takes isFailureStatus, and either part alone', () => {
    const { budget, breaker, calls } = fakes();
    backoffStatusRecorder({ breaker, isFailureStatus: (s) => s === 418 })('b.test', 418);
    backoffStatusRecorder({ budget, isFailureStatus: (s) => s === 418 })('b.test', 503);
    expect(calls).toEqual(['recordFailure b.test']);
    expect(budget.onSuccess.mock.calls).toEqual([['b.test']]);
    expect(() => backoffStatusRecorder({ isFailureStatus: 1 as never })).toThrow(/isFailureStatus/);
  });
});
