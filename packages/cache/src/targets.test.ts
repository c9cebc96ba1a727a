// Issue target: with the origin down (connection refused, timeout, 503, breaker open), every GET
// with an entry within its stale window is answered stale and marked; outside it, the failure
// reaches the caller. Real loopback server, real fetch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedFetch } from './fetch.js';
import { cacheStatusOf, createCache } from './index.js';
import { loopback, refusedUrl } from './test-utils/server.js';

const KEYS = 20;

describe('origin down: every GET within its window is served stale and marked', () => {
  let server: Awaited<ReturnType<typeof loopback>>;
  let refused: string;
  beforeAll(async () => {
    server = await loopback((req, res) => {
      // Even keys allow 10 min of stale-if-error; odd keys say must-revalidate.
      const n = Number((req.url ?? '').split('/').pop());
      res.writeHead(200, {
        'cache-control': n % 2 === 0 ? 'max-age=60' : 'max-age=60, must-revalidate',
        'content-type': 'text/plain',
      });
      res.end(`item ${n}`);
    });
    refused = await refusedUrl();
  });
  afterAll(() => server.close());

  async function warmed() {
    let now = Date.now();
    let mode: 'up' | 'refused' | '503' | 'hang' = 'up';
    let breakerOpen = false;
    const cache = createCache({
      staleIfErrorMs: 600_000,
      clock: { now: () => now, sleep: async () => {} },
      originBlocked: () => (breakerOpen ? 'breaker-open' : undefined),
    });
    const inner = (input: Request | string | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (mode === 'refused') return fetch(url.replace(server.url, refused), init);
      if (mode === '503') return Promise.resolve(new Response('down', { status: 503 }));
      if (mode === 'hang') return fetch(url, { ...init, signal: AbortSignal.timeout(40) });
      return fetch(url, init);
    };
    const get = cachedFetch(cache, { fetch: inner });
    for (let n = 0; n < KEYS; n++) await (await get(`${server.url}/items/${n}`)).text();
    now += 120_000; // all stale: even ones within their stale-if-error window
    return {
      get,
      set(next: typeof mode, open = false) {
        mode = next;
        breakerOpen = open;
      },
      later(ms: number) {
        now += ms;
      },
    };
  }

  for (const [mode, reason] of [
    ['refused', 'stale-if-error: network'],
    ['503', 'stale-if-error: 503'],
    ['hang', 'stale-if-error: timeout'],
  ] as const) {
    it(`${mode}: even keys stale and marked "${reason}", must-revalidate keys fail`, async () => {
      const { get, set } = await warmed();
      if (mode === 'hang') server.set(() => {});
      set(mode);
      try {
        for (let n = 0; n < KEYS; n++) {
          const outcome = await get(`${server.url}/items/${n}`).then(
            (r) => r,
            (e: unknown) => e,
          );
          if (n % 2 === 0) {
            const r = outcome as Response;
            expect(r.status).toBe(200);
            expect(await r.text()).toBe(`item ${n}`);
            expect(r.headers.get('brace-cache')).toBe(reason);
            expect(r.headers.get('age')).toBe('120');
            expect(cacheStatusOf(r)?.reason).toBe(reason);
          } else if (mode === '503') {
            expect((outcome as Response).status).toBe(503);
          } else {
            expect(outcome).toBeInstanceOf(Error);
          }
        }
      } finally {
        server.set((req, res) => {
          const n = Number((req.url ?? '').split('/').pop());
          res.writeHead(200, {
            'cache-control': n % 2 === 0 ? 'max-age=60' : 'max-age=60, must-revalidate',
          });
          res.end(`item ${n}`);
        });
      }
    });
  }

  it('breaker open: answered at once, origin untouched (even a hanging one); past the window, the request goes out', async () => {
    const { get, set, later } = await warmed();
    server.set(() => {}); // would hang forever
    set('up', true);
    const before = server.seen.length;
    for (let n = 0; n < KEYS; n += 2) {
      const r = await get(`${server.url}/items/${n}`);
      expect(r.headers.get('brace-cache')).toBe('stale: breaker-open');
    }
    expect(server.seen.length).toBe(before);
    later(600_000);
    set('503', true);
    expect((await get(`${server.url}/items/0`)).status).toBe(503);
  });
});
