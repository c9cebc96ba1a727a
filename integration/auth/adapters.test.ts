import {
  type ApiKeyEvent,
  AuthRejectedError,
  apiKey,
  createTokenManager,
  customGrant,
} from '@brace/auth';
import { installAuth } from '@brace/auth/axios';
import { authFetch } from '@brace/auth/fetch';
import { authHooks } from '@brace/auth/ky';
import { isBraceError } from '@brace/core';
import { type RunningServer, serveFetch } from '@brace/simulator';
import axios from 'axios';
import ky, { isHTTPError } from 'ky';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A resource server that accepts the credentials in `valid`; records what it saw. */
let server: RunningServer;
const valid = new Set<string>();
const seen: Array<{ auth: string | null; key: string | null; body: string; path: string }> = [];
let flaky = 0;
beforeAll(async () => {
  server = await serveFetch(async (request) => {
    const url = new URL(request.url);
    const auth = request.headers.get('authorization');
    const key = url.searchParams.get('api_key') ?? request.headers.get('x-api-key');
    seen.push({ auth, key, body: await request.text(), path: url.pathname });
    if (url.pathname === '/flaky' && flaky-- > 0) return new Response('busy', { status: 503 });
    const ok = (auth !== null && valid.has(auth)) || (key !== null && valid.has(key));
    return ok
      ? Response.json({ ok: true })
      : new Response('', {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        });
  });
});
afterAll(() => server.close());

/** A token manager whose n-th token is `tok-n`; only the listed ones are accepted. */
function manager(accepted: number[]) {
  valid.clear();
  for (const n of accepted) valid.add(`Bearer tok-${n}`);
  let n = 0;
  const calls = () => n;
  const auth = createTokenManager({
    grant: customGrant(async () => ({ accessToken: `tok-${++n}`, expiresIn: 3600 })),
  });
  return { auth, calls };
}

const adapters = {
  fetch: async (a: Parameters<typeof authFetch>[0], path: string, body?: string) => {
    const f = authFetch(a);
    const r = await f(`${server.url}${path}`, body ? { method: 'POST', body } : {});
    return r.status;
  },
  ky: async (a: Parameters<typeof authFetch>[0], path: string, body?: string) => {
    const api = ky.create({ baseUrl: `${server.url}/`, hooks: authHooks(a), retry: 0 });
    const r = await api(path.slice(1), body ? { method: 'post', body } : {});
    return r.status;
  },
  axios: async (a: Parameters<typeof authFetch>[0], path: string, body?: string) => {
    const api = installAuth(axios.create({ baseURL: server.url, adapter: 'fetch' }), a);
    const r = await api.request({ url: path, method: body ? 'post' : 'get', data: body });
    return r.status;
  },
};

describe.each(Object.entries(adapters))('%s adapter', (_name, send) => {
  it('sets the bearer token; a fresh token costs no token request', async () => {
    const { auth, calls } = manager([1]);
    seen.length = 0;
    expect(await send(auth, '/a')).toBe(200);
    expect(await send(auth, '/b')).toBe(200);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer tok-1', 'Bearer tok-1']);
    expect(calls()).toBe(1);
    auth.close();
  });

  it('on a 401 refreshes once and retries once, body included', async () => {
    const { auth, calls } = manager([2]);
    seen.length = 0;
    expect(await send(auth, '/a', 'payload')).toBe(200);
    expect(seen.map((s) => [s.auth, s.body])).toEqual([
      ['Bearer tok-1', 'payload'],
      ['Bearer tok-2', 'payload'],
    ]);
    expect(calls()).toBe(2);
    auth.close();
  });

  it('a second 401 is AuthRejectedError, never a loop', async () => {
    const { auth, calls } = manager([]);
    seen.length = 0;
    const error = await send(auth, '/a').catch((e) => e);
    expect(error).toBeInstanceOf(AuthRejectedError);
    expect(isBraceError(error, 'AUTH_REJECTED')).toBe(true);
    expect(seen).toHaveLength(2);
    expect(calls()).toBe(2);
    auth.close();
  });

  it('API key rotation: 401 with the current key retries once with the previous, then prefers it', async () => {
    valid.clear();
    valid.add('old-key');
    const events: ApiKeyEvent[] = [];
    const key = apiKey({
      header: 'x-api-key',
      keys: ['new-key', 'old-key'],
      onKeyUsed: (e) => events.push(e),
    });
    seen.length = 0;
    expect(await send(key, '/a')).toBe(200);
    expect(await send(key, '/b')).toBe(200);
    expect(seen.map((s) => s.key)).toEqual(['new-key', 'old-key', 'old-key']);
    expect(events).toEqual([{ key: 'previous', name: 'x-api-key' }]);
    expect(key.preferred).toBe('previous');
    valid.clear();
    valid.add('new-key'); // the provider retired the old key
    seen.length = 0;
    expect(await send(key, '/c')).toBe(200);
    expect(seen.map((s) => s.key)).toEqual(['old-key', 'new-key']);
    expect(events.at(-1)).toEqual({ key: 'current', name: 'x-api-key' });
    valid.clear();
    await expect(send(key, '/d')).rejects.toBeInstanceOf(AuthRejectedError);
  });

  it('an API key in the query string', async () => {
    valid.clear();
    valid.add('q-key');
    seen.length = 0;
    expect(await send(apiKey({ query: 'api_key', keys: ['q-key'] }), '/a?x=1')).toBe(200);
    expect(seen[0]?.key).toBe('q-key');
  });
});

describe('with a retry layer (the contract @brace/backoff relies on, tested structurally)', () => {
  it('every ky retry attempt carries the current token; auth errors are BraceErrors no retry layer repeats', async () => {
    const { auth } = manager([1]);
    flaky = 2;
    seen.length = 0;
    let asked = 0;
    const api = ky.create({
      baseUrl: `${server.url}/`,
      hooks: authHooks(auth),
      retry: {
        limit: 3,
        delay: () => 1,
        // What backoffRetry does: BraceErrors are never retried, 503 is.
        shouldRetry: ({ error }) => {
          asked++;
          if (isBraceError(error)) return false;
          return isHTTPError(error) && error.response.status === 503;
        },
      },
    });
    expect((await api('flaky')).status).toBe(200);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
    valid.clear();
    asked = 0;
    await expect(api('x')).rejects.toBeInstanceOf(AuthRejectedError);
    expect(asked).toBe(1);
    auth.close();
  });

  it('authFetch uses the global fetch when none is given, and keeps ky transport options', async () => {
    const { auth } = manager([1]);
    const f = authFetch(auth, (input, init) => fetch(input, init));
    const request = new Request(`${server.url}/a`);
    expect((await f(request, { signal: AbortSignal.timeout(5000) })).status).toBe(200);
    auth.close();
  });
});

describe('axios interceptors, edge cases', () => {
  it("a request waiting for a token honours the request's AbortSignal", async () => {
    const auth = createTokenManager({ grant: customGrant(() => new Promise(() => {})) });
    const api = installAuth(axios.create({ baseURL: server.url, adapter: 'fetch' }), auth);
    const controller = new AbortController();
    const pending = api.get('/a', { signal: controller.signal }).catch((e) => e);
    setTimeout(() => controller.abort(new Error('caller gave up')), 20);
    const outcome = await Promise.race([
      pending,
      new Promise((r) => setTimeout(() => r('still waiting'), 1000)),
    ]);
    expect(outcome).toMatchObject({ message: 'caller gave up' });
    auth.close();
  });

  it('sets plain-object headers and passes non-401 errors and foreign errors through', async () => {
    const { authInterceptors } = await import('@brace/auth/axios');
    const key = apiKey({ header: 'x-api-key', keys: ['k'] });
    const { request, response } = authInterceptors(key, { request: async () => 'resent' });
    const config = await request({ headers: { a: '1' } as unknown });
    expect(config.headers).toEqual({ a: '1', 'x-api-key': 'k' });
    const [, onRejected] = response;
    const e500 = { config, response: { status: 500 } };
    await expect(onRejected(e500)).rejects.toBe(e500);
    const bare = new Error('no config');
    await expect(onRejected(bare)).rejects.toBe(bare);
    const noCredential = { config: {}, response: { status: 401 } };
    await expect(onRejected(noCredential)).rejects.toBe(noCredential);
    expect(response[0]({})).toEqual({});
  });
});
