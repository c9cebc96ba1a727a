import { type AxiosBackoffOptions, axiosBackoff } from '@brace/backoff/axios';
import { createCircuitBreaker } from '@brace/backoff/breaker';
import { createRetryBudget } from '@brace/backoff/budget';
import { CircuitOpenError, RetryAfterTooLongError } from '@brace/backoff/errors';
import { constant } from '@brace/backoff/strategies';
import { manualClock } from '@brace/core';
import { createProvider, type Provider, type ProviderOptions } from '@brace/simulator';
import axios, { AxiosError, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settle } from '../../packages/backoff/src/test-utils/settle.js';

let clock = manualClock();
let provider: Provider;
let base: string;

/** A simulated provider on the manual clock; scripts say how each route fails. */
async function start(options: ProviderOptions = {}): Promise<void> {
  await provider?.close();
  provider = await createProvider({ clock, rateLimit: false, ...options });
  base = `${provider.url}/`;
}
beforeEach(async () => {
  clock = manualClock();
  await start();
});
afterEach(() => provider.close());

/** When each request arrived (ms on the manual clock), from the provider's transcript. */
const times = () => provider.ledger.transcript.map((e) => e.at);
const seen = () => provider.ledger.requests;

function client(options: AxiosBackoffOptions = {}, timeout = 0): AxiosInstance {
  const api = axios.create({ baseURL: base, timeout });
  axiosBackoff(api, { clock, random: () => 0, strategy: constant(1_000), ...options });
  return api;
}

describe('axiosBackoff with the real axios against a simulated provider', () => {
  it('retries 503s at the strategy times and resolves with the success', async () => {
    provider.script('GET /items', [503, 503]);
    const { value } = await settle(client().get('items'), clock);
    expect(value?.data).toEqual({ data: [] });
    expect(times()).toEqual([0, 1_000, 2_000]);
    expect(provider.ledger.statuses).toEqual({ 503: 2, 200: 1 });
  });

  it('honours Retry-After (a floor, plus positive jitter)', async () => {
    await start({ faults: { retryAfterSec: 2, script: { 'GET /items': [429] } } });
    const api = client({ random: () => 0.5, strategy: constant(10) });
    await settle(api.get('items'), clock);
    expect(times()).toEqual([0, 2_500]);
  });

  it('out of attempts: rethrows the last AxiosError', async () => {
    provider.script('GET /items', [503, 503, 503]);
    const { error } = await settle(client({ attempts: 2 }).get('items'), clock);
    expect(error).toBeInstanceOf(AxiosError);
    expect((error as AxiosError).response?.status).toBe(503);
    expect(seen()).toBe(2);
  });

  it('never retries 404, nor a POST without an Idempotency-Key; retries one with a key', async () => {
    provider.script('GET /items', [404]);
    const notFound = await settle(client().get('items'), clock);
    expect((notFound.error as AxiosError).response?.status).toBe(404);
    provider.script('POST /items', [503, 503]);
    const post = await settle(client().post('items', { a: 1 }), clock);
    expect((post.error as AxiosError).response?.status).toBe(503);
    expect(seen()).toBe(2);
    const keyed = await settle(
      client().post('items', { a: 1 }, { headers: { 'Idempotency-Key': 'k-1' } }),
      clock,
    );
    expect(keyed.value?.status).toBe(201);
    expect(keyed.value?.data).toMatchObject({ a: 1 });
    expect(times()).toHaveLength(4); // 404, 503, then the keyed POST's 503 and its retry
    provider.assert.noDuplicates();
  });

  it('a Retry-After above maxRetryAfter gives up with RetryAfterTooLongError', async () => {
    await start({ faults: { errorRetryAfterSec: 600, script: { 'GET /items': [503] } } });
    const { error } = await settle(client().get('items'), clock);
    expect(error).toBeInstanceOf(RetryAfterTooLongError);
    expect((error as RetryAfterTooLongError).cause).toBeInstanceOf(AxiosError);
  });

  it('ECONNABORTED is a timeout: retried only with retryOnTimeout', async () => {
    let calls = 0;
    await start({
      // The first request of each pair never gets an answer: the client times out.
      routes: {
        'GET /hang': () => (++calls % 2 === 1 ? new Promise(() => {}) : { body: { calls } }),
      },
    });
    const off = await settle(client({}, 50).get('hang'), clock);
    expect((off.error as AxiosError).code).toBe('ECONNABORTED');
    expect(seen()).toBe(1);
    const on = await settle(client({ retryOnTimeout: true }, 50).get('hang'), clock);
    expect(on.value?.data).toEqual({ calls: 2 });
  });

  it('ERR_NETWORK is a network error: retried', async () => {
    let calls = 0;
    const api = axios.create({
      adapter: async (config: InternalAxiosRequestConfig) => {
        calls++;
        if (calls === 1) throw new AxiosError('Network Error', 'ERR_NETWORK', config);
        return { data: 'ok', status: 200, statusText: 'OK', headers: {}, config };
      },
    });
    axiosBackoff(api, { clock, strategy: constant(5) });
    const { value } = await settle(api.get('https://api.example.com/x'), clock);
    expect(value?.data).toBe('ok');
    expect(calls).toBe(2);
  });

  it('an aborted request is never retried', async () => {
    const controller = new AbortController();
    controller.abort();
    const { error } = await settle(client().get('items', { signal: controller.signal }), clock);
    expect((error as AxiosError).code).toBe('ERR_CANCELED');
  });

  it('feeds a per-host budget and breaker; an open circuit fails fast', async () => {
    const breaker = createCircuitBreaker({ minimumThroughput: 2, breakDurationMs: 5_000, clock });
    const budget = createRetryBudget({ clock });
    const api = client({ attempts: 1, breaker, budget });
    provider.script('GET /items', [503, 503]);
    for (let i = 0; i < 2; i++) await settle(api.get('items'), clock);
    const { error } = await settle(api.get('items'), clock);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(seen()).toBe(2);
  });

  it('the returned function removes both interceptors; unknown options name ours', async () => {
    const api = axios.create({ baseURL: base });
    const eject = axiosBackoff(api, { clock });
    eject();
    provider.script('GET /items', [503]);
    const { error } = await settle(api.get('items'), clock);
    expect((error as AxiosError).response?.status).toBe(503);
    expect(() => axiosBackoff(api, { retries: 3 } as never)).toThrow(
      /`retries`; did you mean `attempts`/,
    );
  });
});
