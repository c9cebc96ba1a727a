// The wait before a retry that answered Retry-After is the server's delay plus our jitter, once:
// ky >= 2.2 adds its own Retry-After wait after shouldRetry answers true (413/429/503), which
// backoffRetry turns off. Runs on the lowest supported ky and the latest (see vitest.config.ts).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { manualClock } from '@brace/core';
import ky from 'ky';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { backoffRetry } from './ky.js';
import { constant } from './strategies.js';
import { settle } from './test-utils/settle.js';

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
let server: Server;
let base: string;
let clock = manualClock({ now: T0 });
const arrivals = new Map<string, number[]>();

beforeAll(async () => {
  // /<status>/<header>/<value>?id=…: the first request of an id fails with that header.
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, status, header, value] = url.pathname.split('/');
    const id = url.searchParams.get('id') ?? '';
    const seen = arrivals.get(id) ?? [];
    seen.push(clock.now() - T0);
    arrivals.set(id, seen);
    if (seen.length === 1) res.writeHead(Number(status), { [header!]: value! });
    else res.writeHead(200, { 'content-type': 'application/json' });
    res.end(seen.length === 1 ? '' : '{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
afterEach(() => {
  vi.restoreAllMocks();
  clock = manualClock({ now: T0 });
});

describe.each([
  [429, 'retry-after', '2'],
  [503, 'retry-after', '2'],
])('a %i with %s: %s', (status, header, value) => {
  it('waits the server delay plus jitter once, with no second wait from ky', async () => {
    const timers: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      timers.push(ms ?? 0);
      return realSetTimeout(fn, ms);
    }) as typeof setTimeout);
    const api = ky.create({
      prefix: base,
      timeout: false,
      retry: backoffRetry({ clock, random: () => 0.5, strategy: constant(10) }),
    });
    const id = `${status}-${header}`;
    const { value: body, error } = await settle(
      api.get(`${status}/${header}/${value}?id=${id}`).json(),
      clock,
    );
    expect(error).toBeUndefined();
    expect(body).toEqual({ ok: true });
    // 2 s from the server + 0.5 × the jitter spread (max(20% of 2 s, 1 s) = 1 s: see
    // server-wait.ts), on the injected clock — once, not 2 s more from ky ...
    expect(arrivals.get(id)).toEqual([0, 2_500]);
    // ... and no real 2 s timer of ky's own on top (ky >= 2.2 without the fix sets one).
    expect(timers.filter((ms) => ms === 2_000)).toEqual([]);
  });
});
