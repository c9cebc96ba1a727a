import type { FetchLike } from '@brace/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { kyAttemptTimeout } from './attempt-timeout.js';
import { timedFetch } from './timed-fetch.js';

/** A stub fetch that answers `body` and keeps the signal each attempt was sent with. */
function stub(body: string | null = '{"ok":true}') {
  const signals: AbortSignal[] = [];
  const fetchFn: FetchLike = async (_input, init) => {
    if (init?.signal) signals.push(init.signal);
    return new Response(body, { status: body === null ? 204 : 200 });
  };
  return { fetchFn, signals };
}

/** The ky form's attempt timeout (`send`), as the integration installs it, around `fetchFn`. */
function kyTimed(fetchFn: FetchLike, ms: number): FetchLike {
  const options: { fetch?: FetchLike; timeout?: number | false } = { fetch: fetchFn, timeout: ms };
  kyAttemptTimeout().send(options);
  return options.fetch as FetchLike;
}

const forms: Array<[string, (fetchFn: FetchLike, ms: number) => FetchLike]> = [
  ['ky form (attempt timeout)', kyTimed],
  ['fetch form (timedFetch)', timedFetch],
];

let nextMs = 100;

describe.each(forms)('the body deadline ends with the body: %s', (_form, timed) => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  // Each test its own duration, so its own shared list and timer (armed under this test's clock).
  let ms = 0;
  beforeEach(() => {
    ms = nextMs++;
  });
  const send = (fetchFn: FetchLike, parent = new AbortController()) =>
    timed(fetchFn, ms)(new Request('http://stub.test/x', { signal: parent.signal }), {});

  it('a body read to its end leaves no deadline: the attempt is never aborted later', async () => {
    const { fetchFn, signals } = stub();
    for (const read of ['json', 'text', 'arrayBuffer', 'bytes', 'blob'] as const) {
      const response = await send(fetchFn);
      await response[read]();
    }
    vi.advanceTimersByTime(10_000);
    expect(signals).toHaveLength(5);
    expect(signals.map((s) => s.aborted)).toEqual([false, false, false, false, false]);
  });

  it("after the body is read, the caller's abort no longer reaches the attempt", async () => {
    const { fetchFn, signals } = stub();
    const parent = new AbortController();
    const response = await send(fetchFn, parent);
    expect(await response.text()).toBe('{"ok":true}');
    parent.abort(new Error('late'));
    expect(signals[0]?.aborted).toBe(false);
  });

  it('a cancelled body ends the deadline too', async () => {
    const { fetchFn, signals } = stub();
    const response = await send(fetchFn);
    await response.body?.cancel();
    vi.advanceTimersByTime(10_000);
    expect(signals[0]?.aborted).toBe(false);
  });

  it('an answer without a body leaves no deadline', async () => {
    const { fetchFn, signals } = stub(null);
    await send(fetchFn);
    vi.advanceTimersByTime(10_000);
    expect(signals[0]?.aborted).toBe(false);
  });

  it('a Response subclass keeps its prototype, and its read still ends the deadline', async () => {
    class Tagged extends Response {
      tag(): string {
        return 'tagged';
      }
    }
    const signals: AbortSignal[] = [];
    const fetchFn: FetchLike = async (_input, init) => {
      if (init?.signal) signals.push(init.signal);
      return new Tagged('{"ok":true}');
    };
    const response = (await send(fetchFn)) as Tagged;
    expect(response).toBeInstanceOf(Tagged);
    expect(response.tag()).toBe('tagged');
    expect(await response.json()).toEqual({ ok: true });
    vi.advanceTimersByTime(10_000);
    expect(signals[0]?.aborted).toBe(false);
  });

  it('a body stream of a ReadableStream subclass, cancelled, ends the deadline', async () => {
    class Source extends ReadableStream<Uint8Array> {}
    const signals: AbortSignal[] = [];
    const fetchFn: FetchLike = async (_input, init) => {
      if (init?.signal) signals.push(init.signal);
      return new Response(new Source({ pull: () => undefined }));
    };
    const response = await send(fetchFn);
    expect(response.body).toBeInstanceOf(Source);
    await response.body?.cancel();
    vi.advanceTimersByTime(10_000);
    expect(signals[0]?.aborted).toBe(false);
  });

  it('a plain Response stays a Response: its other members and clone work', async () => {
    const { fetchFn } = stub();
    const response = await send(fetchFn);
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(await response.clone().text()).toBe('{"ok":true}');
    expect(await response.json()).toEqual({ ok: true });
    expect(response.bodyUsed).toBe(true);
  });

  it('a body left unread is still bounded: the attempt aborts with a TimeoutError', async () => {
    const { fetchFn, signals } = stub();
    await send(fetchFn);
    vi.advanceTimersByTime(250);
    expect(signals[0]?.aborted).toBe(true);
    expect((signals[0]?.reason as Error | undefined)?.name).toBe('TimeoutError');
  });
});
