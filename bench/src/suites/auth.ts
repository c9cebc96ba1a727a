// @brace/auth: what a fresh cached token costs per request, and the refresh storm at expiry
// compared with @badgateway/oauth2-client, axios-auth-refresh and a hand-written ky hook.

import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client';
import {
  clientCredentials,
  createTokenManager,
  memoryTokenStore,
  sendWithAuth,
  type TokenStore,
} from '@brace/auth';
import { authFetch } from '@brace/auth/fetch';
import { authHooks } from '@brace/auth/ky';
import { serveFetch } from '@brace/simulator';
import { createOAuthServer } from '@brace/simulator/oauth';
import axios from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import ky from 'ky';
import { compare, pairedRatio } from '../harness.js';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';
import { jsonBody, nsOf, times } from '../util.js';

const SUITE = 'auth';
const SECRET = 'bench-secret';

/** Counts every call into a store. */
function counting(store: TokenStore): { store: TokenStore; calls: () => number } {
  let n = 0;
  const wrap = <F extends (...args: never[]) => unknown>(f: F) =>
    ((...args: Parameters<F>) => {
      n++;
      return f(...args);
    }) as F;
  return {
    store: {
      load: wrap(store.load),
      lock: wrap(store.lock),
      claim: wrap(store.claim),
      save: wrap(store.save),
      unlock: wrap(store.unlock),
    },
    calls: () => n,
  };
}

/** A loopback OAuth server whose clock can jump (server-side expiry) and that counts token calls. */
async function storm() {
  let offset = 0;
  const oauth = createOAuthServer({
    clients: [{ clientId: 'app', clientSecret: SECRET }],
    accessTokenTtlSec: 3600,
    clock: { now: () => Date.now() + offset },
  });
  let tokenCalls = 0;
  const server = await serveFetch((request) => {
    if (new URL(request.url).pathname === oauth.paths.token) tokenCalls++;
    return oauth.fetch(request);
  });
  return {
    tokenUrl: `${server.url}${oauth.paths.token}`,
    resourceUrl: `${server.url}${oauth.paths.resource}`,
    /** Moves the server past every token's expiry; returns the token calls so far. */
    expire() {
      offset += 3_700_000;
    },
    calls: () => tokenCalls,
    close: () => server.close(),
  };
}

/** Fires `n` concurrent requests; returns [ok, failed]. */
async function burst(n: number, send: () => Promise<number>): Promise<[number, number]> {
  const results = await Promise.all(Array.from({ length: n }, () => send().catch(() => 0)));
  const ok = results.filter((s) => s === 200).length;
  return [ok, n - ok];
}

const suite: Suite = async (ctx) => {
  const opts = { rounds: ctx.rounds, roundMs: ctx.roundMs };
  // 1. A fresh cached token: per-request cost over a ky hook that sets a constant header.
  const body = jsonBody(2048);
  const stub = async () =>
    new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  const counted = counting(memoryTokenStore());
  const manager = createTokenManager({
    grant: clientCredentials({
      tokenUrl: 'https://id.example.com/token',
      clientId: 'app',
      clientSecret: SECRET,
      fetch: async () =>
        Response.json({ access_token: 'bench-token', token_type: 'Bearer', expires_in: 86_400 }),
    }),
    store: counted.store,
  });
  await manager.getToken();
  const storeCallsBefore = counted.calls();
  const withAuth = ky.create({
    prefix: 'http://stub.test/',
    fetch: stub,
    retry: 0,
    hooks: authHooks(manager),
  });
  const constant = ky.create({
    prefix: 'http://stub.test/',
    fetch: stub,
    retry: 0,
    hooks: {
      beforeRequest: [({ request }) => request.headers.set('authorization', 'Bearer bench-token')],
    },
  });
  const fresh = await compare(
    SUITE,
    'GET with a fresh cached token (stub fetch, 2 KB JSON): ky + authHooks vs ky + a constant-header hook',
    [
      { name: 'ky + authHooks(tokenManager)', fn: () => withAuth.get('users/1').json() },
      { name: 'ky + beforeRequest constant header', fn: () => constant.get('users/1').json() },
    ],
    { ...opts, baseline: 'ky + beforeRequest constant header' },
  );
  // The same difference without ky and the stub around it (which dominate and are noisy):
  // what the adapter does per request (sendWithAuth: sync cached credential, set the header,
  // check the status) against setting a constant header, on one reused request.
  const request = new Request('http://stub.test/users/1');
  const ok = new Response(null, { status: 200 });
  const send = (_r: Request) => Promise.resolve(ok);
  const core = await compare(
    SUITE,
    'per request, without ky: sendWithAuth(tokenManager) vs setting a constant header',
    [
      {
        name: 'sendWithAuth(tokenManager, request, send)',
        fn: () => sendWithAuth(manager, request, send),
      },
      {
        name: 'headers.set(constant) + send',
        fn: () => {
          request.headers.set('authorization', 'Bearer bench-token');
          return send(request);
        },
      },
    ],
    { ...opts, baseline: 'headers.set(constant) + send' },
  );
  const storeCalls = counted.calls() - storeCallsBefore;
  const addedNs =
    nsOf(core, 'sendWithAuth(tokenManager, request, send)') -
    nsOf(core, 'headers.set(constant) + send');
  const kyDeltaNs =
    nsOf(fresh, 'ky + authHooks(tokenManager)') - nsOf(fresh, 'ky + beforeRequest constant header');
  const pairing = ctx.smoke ? { rounds: 3, n: 20 } : { rounds: ctx.quick ? 21 : 41, n: 500 };
  const paired = await pairedRatio(
    () => withAuth.get('users/1').json(),
    () => constant.get('users/1').json(),
    pairing,
  );
  target(
    SUITE,
    'fresh cached token: 0 store round trips and ≤ 1 µs added per request over a constant-header ky hook',
    `${storeCalls} store calls over every measured request; +${(addedNs / 1000).toFixed(2)} µs per request without ky (medians); through ky ${(kyDeltaNs / 1000).toFixed(2)} µs (within ky's noise; the constant-header client took ${times(paired)} as long in paired rounds)`,
    storeCalls === 0 && addedNs <= 1000,
  );
  manager.close();

  // 2. The refresh storm: the server expires every token, then 1,000 concurrent requests.
  const n = ctx.smoke ? 50 : 1000;
  const rows: string[] = [];
  const record = async (
    name: string,
    setup: (s: Awaited<ReturnType<typeof storm>>) => Promise<() => Promise<number>>,
  ) => {
    const s = await storm();
    try {
      const send = await setup(s);
      await send(); // warm: a token is cached
      s.expire();
      const before = s.calls();
      const [ok, failed] = await burst(n, send);
      rows.push(`| ${name} | ${s.calls() - before} | ${ok} | ${failed} |`);
      return s.calls() - before;
    } finally {
      await s.close();
    }
  };
  const brace = await record('@brace/auth (authFetch + createTokenManager)', async (s) => {
    const auth = createTokenManager({
      grant: clientCredentials({
        tokenUrl: s.tokenUrl,
        clientId: 'app',
        clientSecret: SECRET,
        allowInsecureRequests: true,
      }),
      proactive: false,
    });
    const api = authFetch(auth);
    return async () => {
      const r = await api(s.resourceUrl);
      await r.arrayBuffer();
      return r.status;
    };
  });
  await record('@badgateway/oauth2-client (OAuth2Fetch)', async (s) => {
    const client = new OAuth2Client({
      clientId: 'app',
      clientSecret: SECRET,
      tokenEndpoint: s.tokenUrl,
      server: s.tokenUrl,
    });
    const wrapper = new OAuth2Fetch({
      client,
      getNewToken: () => client.clientCredentials(),
      scheduleRefresh: false,
    });
    return async () => {
      const r = await wrapper.fetch(s.resourceUrl);
      await r.arrayBuffer();
      return r.status;
    };
  });
  await record('axios-auth-refresh (createAuthRefresh)', async (s) => {
    let token = '';
    const getToken = async () => {
      const r = await fetch(s.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${btoa(`app:${SECRET}`)}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      token = ((await r.json()) as { access_token: string }).access_token;
    };
    await getToken();
    const instance = axios.create({ adapter: 'fetch' });
    instance.interceptors.request.use((config) => {
      config.headers.set('authorization', `Bearer ${token}`);
      return config;
    });
    // Its types resolve axios' CJS declarations; the instance is the same at runtime.
    createAuthRefresh(instance as never, getToken);
    return async () => (await instance.get(s.resourceUrl)).status;
  });
  const naive = await record('hand-written ky "refresh on 401" hook', async (s) => {
    let token = '';
    const getToken = async () => {
      const r = await fetch(s.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${btoa(`app:${SECRET}`)}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      token = ((await r.json()) as { access_token: string }).access_token;
      return token;
    };
    await getToken();
    const api = ky.create({
      retry: { limit: 1 },
      hooks: {
        beforeRequest: [({ request }) => request.headers.set('authorization', `Bearer ${token}`)],
        afterResponse: [
          async ({ request, response, retryCount }) => {
            if (response.status !== 401 || retryCount > 0) return;
            const fresh = await getToken();
            const headers = new Headers(request.headers);
            headers.set('authorization', `Bearer ${fresh}`);
            return ky.retry({ request: new Request(request, { headers }) });
          },
        ],
      },
    });
    return async () => (await api.get(s.resourceUrl)).status;
  });
  target(
    SUITE,
    `refresh storm (${n} concurrent requests when the server expires the token): @brace/auth makes 1 token call`,
    `@brace/auth ${brace} token call(s); hand-written refresh-on-401 hook ${naive}`,
    brace === 1,
  );

  return {
    title: 'auth',
    workloads: [fresh, core],
    extra: `Refresh storm: each client holds a cached token, the loopback OAuth server (\`@brace/simulator\`) then jumps its clock past every token's expiry, and ${n} requests are fired at once. Token-endpoint calls made during the burst, and requests that ended in 200:\n\n| client | token calls | 200 | failed |\n| --- | --- | --- | --- |\n${rows.join('\n')}\n\nStore calls while the token was fresh: ${storeCalls} (the cached token is read from memory; the store is only touched to refresh).`,
    libraries: ['ky', 'axios', '@badgateway/oauth2-client', 'axios-auth-refresh'],
  };
};

export default suite;
