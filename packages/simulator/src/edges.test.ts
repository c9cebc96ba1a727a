import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAssertions } from './assert.js';
import { SimulatorAssertionError } from './errors.js';
import { ProviderLedger } from './ledger.js';
import { toRequest } from './node-io.js';
import { createOAuthServer } from './oauth-server.js';
import { github, shopify } from './presets/index.js';
import { titleOf } from './presets/shared.js';
import { createProvider } from './provider.js';
import type { Provider } from './provider-types.js';
import { SlidingWindow } from './rate-window.js';
import { createRecorder } from './record.js';
import { canonicalJson, MAX_RESOURCES, parseFields, ResourceStore } from './resources.js';
import { compileRoute, matchRoute, pathSegments } from './route-pattern.js';
import { serveFetch } from './serve.js';
import { shapeOf } from './shape.js';
import { fixedClock } from './test-utils.fixture.js';

const open: Provider[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

describe('control endpoints (control: true)', () => {
  it('serve the ledger and scripts in-process too, uncounted', async () => {
    const p = await createProvider({ rateLimit: false, control: true });
    open.push(p);
    await fetch(`${p.url}/x`);
    const ledger = (await (await fetch(`${p.url}/_sim/ledger`)).json()) as { requests: number };
    expect(ledger.requests).toBe(1);
    expect(
      (
        await fetch(`${p.url}/_sim/script`, {
          method: 'POST',
          body: '{"route":"GET /x","steps":[502]}',
        })
      ).status,
    ).toBe(200);
    expect((await fetch(`${p.url}/x`)).status).toBe(502);
    expect((await fetch(`${p.url}/_sim/script`, { method: 'POST', body: 'nope' })).status).toBe(
      400,
    );
    expect((await fetch(`${p.url}/_sim/ledger`, { method: 'DELETE' })).status).toBe(404);
    expect(p.ledger.requests).toBe(2);
  });

  it('are plain routes when control is off', async () => {
    const p = await createProvider({ rateLimit: false });
    open.push(p);
    expect(await (await fetch(`${p.url}/_sim/ledger`)).json()).toEqual({ data: [] });
  });
});

describe('assertions and errors', () => {
  it('pluralise and pass quietly', () => {
    const ledger = new ProviderLedger(0);
    const assert = createAssertions(ledger);
    assert.noDuplicates();
    assert.neverOverLimit();
    assert.noExpiredTokens();
    ledger.arrival(0, 'GET /x', true, true);
    expect(() => assert.neverOverLimit()).toThrow(/1 request seen/);
    ledger.expiredToken('GET /x');
    expect(() => assert.noExpiredTokens()).toThrow(/0 refreshes; 1 request seen/);
  });

  it('shows at most 10 details and counts the rest', () => {
    const error = new SimulatorAssertionError(
      'many',
      Array.from({ length: 12 }, (_, i) => `line ${i}`),
    );
    expect(error.message.split('\n')).toHaveLength(12);
    expect(error.message).toContain('... and 2 more');
    expect(error.details).toHaveLength(12);
  });
});

describe('ledger bounds', () => {
  it('keeps at most 1,000 lines per list and the transcript within its limit', () => {
    const ledger = new ProviderLedger(0, 1);
    for (let i = 0; i < 1002; i++) {
      ledger.arrival(0, 'GET /x', true, false);
      ledger.expiredToken('GET /x');
      ledger.createdResource('/c', `c_${i}`, 'same');
      ledger.answered({
        at: 0,
        method: 'GET',
        path: '/x',
        status: 200,
        fault: 'none',
        body: 'x'.repeat(5000),
      });
    }
    expect(ledger.overLimitLines).toHaveLength(1000);
    expect(ledger.expiredTokenLines).toHaveLength(1000);
    expect(ledger.duplicateLines).toHaveLength(1000);
    expect(ledger.transcript).toHaveLength(1);
    expect(ledger.transcript[0]?.body).toHaveLength(4096);
    ledger.createdResource('/c', 'c_x', undefined);
    expect(ledger.created).toBe(1003);
  });

  it('forgets the oldest identities and writes past 100,000', () => {
    const ledger = new ProviderLedger(0);
    for (let i = 0; i <= 100_000; i++) {
      ledger.createdResource('/c', `c_${i}`, String(i));
      ledger.write(0, String(i));
    }
    ledger.createdResource('/c', 'again', '0');
    ledger.write(0, '0');
    expect(ledger.duplicates).toBe(0);
    expect(ledger.retries).toBe(0);
  });

  it('the resource store forgets its oldest resources past MAX_RESOURCES', () => {
    const store = new ResourceStore(
      () => 0,
      () => {},
      () => 0,
    );
    const first = store.create('/c', {});
    for (let i = 0; i < MAX_RESOURCES; i++) store.create('/c', {});
    expect(store.get('/c', first.id)).toBeUndefined();
    expect(store.create('/', {}).id).toMatch(/^res_/);
  });

  it('the sliding window compacts its log', () => {
    const window = new SlidingWindow(10);
    for (let t = 0; t < 5000; t++) window.add(t);
    expect(window.count(5000)).toBe(9);
    expect(window.msUntilSlot(5000)).toBe(1);
  });
});

describe('small helpers', () => {
  it('canonicalJson, route patterns and deep shapes', () => {
    expect(canonicalJson({ b: [1, { d: 1, c: undefined }], a: null })).toBe(
      '{"a":null,"b":[1,{"c":null,"d":1}]}',
    );
    expect(compileRoute('GET x')).toBeUndefined();
    expect(compileRoute(' /x')).toBeUndefined();
    const pattern = compileRoute('GET /a/:id') as NonNullable<ReturnType<typeof compileRoute>>;
    expect(matchRoute(pattern, 'GET', ['a', ''])).toBeUndefined();
    expect(matchRoute(pattern, 'GET', ['b', 'x'])).toBeUndefined();
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { n: deep };
    expect(JSON.stringify(shapeOf(deep))).toContain('"object"');
    let deepArray: unknown = 1;
    for (let i = 0; i < 40; i++) deepArray = [deepArray];
    expect(JSON.stringify(shapeOf(deepArray))).toContain('[]');
  });

  it('the recorder forwards repeated headers and HEAD requests; control serves the transcript', async () => {
    const p = await createProvider({ rateLimit: false, control: true });
    open.push(p);
    const recorder = await createRecorder({ target: p.url });
    const head = await fetch(`${recorder.url}/items`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const fixture = await recorder.close();
    expect(fixture.interactions[0]?.request.method).toBe('HEAD');
    const full = (await (await fetch(`${p.url}/_sim/ledger?transcript=1`)).json()) as {
      transcript: unknown[];
    };
    expect(full.transcript).toHaveLength(1);
  });

  it('parseFields and pathSegments', () => {
    expect(parseFields('application/json', 'null')).toBeUndefined();
    expect(pathSegments('/a/%E0%A4%A/b')).toEqual(['a', '%E0%A4%A', 'b']);
  });

  it('toRequest joins repeated headers', async () => {
    const server = createServer((req, res) => {
      const request = toRequest(req, Buffer.alloc(0), 'http://sim');
      res.end(request.headers.get('x-twice') ?? '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(
          'GET / HTTP/1.1\r\nHost: x\r\nX-Twice: a\r\nX-Twice: b\r\nConnection: close\r\n\r\n',
        );
      });
      let data = '';
      socket.on('data', (c) => (data += String(c)));
      socket.on('end', () => resolve(data));
    });
    server.close();
    expect(answer.endsWith('a, b')).toBe(true);
  });

  it('preset details: github reset with an empty window, shopify errors, status titles', () => {
    const now = 1_700_000_000_000;
    expect(
      github.rateLimitHeaders({
        limit: 1,
        used: 0,
        remaining: 1,
        resetMs: 0,
        windowMs: 60_000,
        now,
      })['x-ratelimit-reset'],
    ).toBe(String(now / 1000 + 60));
    expect(shopify.error('not_found', 404, 'Not Found').body).toEqual({ errors: 'Not Found' });
    expect(titleOf(418)).toBe('Client Error');
    expect(titleOf(599)).toBe('Server Error');
  });

  it('serveFetch listens on IPv6 loopback too', async () => {
    const oauth = createOAuthServer();
    const server = await serveFetch((request) => oauth.fetch(request), { host: '::1' });
    try {
      expect(server.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect((await fetch(`${server.url}/oauth/resource`)).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('a provider refuses a port in use', async () => {
    const p = await createProvider({ clock: fixedClock() });
    open.push(p);
    const port = Number(new URL(p.url).port);
    await expect(createProvider({ port })).rejects.toThrow(/EADDRINUSE/);
  });
});
