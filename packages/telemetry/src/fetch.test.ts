import { describe, expect, it } from 'vitest';
import { telemetryFetch, withCall } from './fetch.js';
import { createTelemetry } from './index.js';
import type { TelemetryEvent } from './types.js';

function setup() {
  const events: TelemetryEvent[] = [];
  const telemetry = createTelemetry({
    integration: 'acme',
    template: ['/users/{id}'],
    logger: (e) => events.push(e),
  });
  return { events, telemetry };
}

describe('telemetryFetch', () => {
  it('records each invocation as one call with one attempt', async () => {
    const { events, telemetry } = setup();
    const stub = async () => new Response('ok', { status: 201 });
    const fetchWithTelemetry = telemetryFetch(telemetry, stub);
    const response = await fetchWithTelemetry('https://a.test/users/1', { method: 'POST' });
    expect(response.status).toBe(201);
    await fetchWithTelemetry(
      new Request('https://a.test/users/2', { method: 'PUT', headers: { 'x-request-id': 'r-2' } }),
    );
    await fetchWithTelemetry(new URL('https://a.test/users/3'));
    const calls = events.filter((event) => event.kind === 'call');
    expect(calls.map((event) => [event.method, event.attempts, event.status])).toEqual([
      ['POST', 1, 201],
      ['PUT', 1, 201],
      ['GET', 1, 201],
    ]);
    expect(calls[1]?.requestId).toBe('r-2');
  });

  it('records a thrown error and rethrows it', async () => {
    const { events, telemetry } = setup();
    const failing = telemetryFetch(telemetry, async () => {
      throw new TypeError('fetch failed');
    });
    await expect(failing('https://a.test/users/1')).rejects.toThrow('fetch failed');
    expect(events.at(-1)).toMatchObject({ kind: 'call', ok: false, errorType: 'TypeError' });
  });

  it('defaults to the global fetch', async () => {
    const { events, telemetry } = setup();
    const original = globalThis.fetch;
    globalThis.fetch = async () => new Response(null, { status: 204 });
    try {
      await telemetryFetch(telemetry)('https://a.test/users/1');
      await withCall(telemetry, { method: 'GET', url: 'https://a.test/users/1' }, (f) =>
        f('https://a.test/users/1'),
      );
    } finally {
      globalThis.fetch = original;
    }
    expect(events.filter((event) => event.kind === 'call').map((event) => event.status)).toEqual([
      204, 204,
    ]);
  });
});

describe('sending the request id', () => {
  it('adds the header when asked and absent, keeps one already there', async () => {
    const seen: Array<string | null> = [];
    const stub = async (input: Request | string | URL, init?: RequestInit) => {
      const headers = new Headers(
        init?.headers ?? (input instanceof Request ? input.headers : undefined),
      );
      seen.push(headers.get('x-request-id'));
      return new Response(null, { status: 204 });
    };
    const telemetry = createTelemetry({
      integration: 'a',
      requestId: { send: true, generate: () => 'gen' },
    });
    const fetchWithTelemetry = telemetryFetch(telemetry, stub);
    await fetchWithTelemetry('https://a.test/x');
    await fetchWithTelemetry('https://a.test/x', { headers: { 'x-request-id': 'mine' } });
    await fetchWithTelemetry(
      new Request('https://a.test/x', { headers: { 'x-request-id': 'req' } }),
    );
    await fetchWithTelemetry(new Request('https://a.test/x'));
    await withCall(
      telemetry,
      { method: 'GET', url: 'https://a.test/x' },
      (f) => f('https://a.test/x'),
      stub,
    );
    expect(seen).toEqual(['gen', 'mine', 'req', 'gen', 'gen']);
  });
});

describe('withCall', () => {
  it('turns the tries of a retry wrapper into attempts of one call', async () => {
    const { events, telemetry } = setup();
    const statuses = [503, 503, 200];
    const stub = async () => new Response(null, { status: statuses.shift() });
    const response = await withCall(
      telemetry,
      { method: 'GET', url: 'https://a.test/users/9' },
      async (fetch) => {
        for (;;) {
          const answer = await fetch('https://a.test/users/9');
          if (answer.status < 500) return answer;
        }
      },
      stub,
    );
    expect(response.status).toBe(200);
    expect(events.map((event) => event.kind)).toEqual(['attempt', 'attempt', 'attempt', 'call']);
    expect(events.at(-1)).toMatchObject({ attempts: 3, status: 200, ok: true });
  });

  it('ends the call with the thrown error, and its response status when it carries one', async () => {
    const { events, telemetry } = setup();
    const stub = async () => new Response(null, { status: 502 });
    await expect(
      withCall(
        telemetry,
        { method: 'GET', url: 'https://a.test/users/1' },
        async (fetch) => {
          const response = await fetch('https://a.test/users/1');
          throw Object.assign(new Error('bad gateway'), { response });
        },
        stub,
      ),
    ).rejects.toThrow('bad gateway');
    expect(events.at(-1)).toMatchObject({ kind: 'call', ok: false, status: 502, errorType: '502' });
    await expect(
      withCall(telemetry, { method: 'GET', url: 'https://a.test/users/1' }, async () => {
        throw new RangeError('gave up');
      }),
    ).rejects.toThrow('gave up');
    expect(events.at(-1)).toMatchObject({
      kind: 'call',
      ok: false,
      attempts: 0,
      errorType: 'RangeError',
    });
    await expect(
      withCall(telemetry, { method: 'GET', url: 'https://a.test/users/1' }, async () => {
        throw null;
      }),
    ).rejects.toBeNull();
  });
});
