import {
  AuthOptionError,
  AuthRefreshError,
  clientCredentials,
  createTokenManager,
  type DPoPKeyPair,
  refreshToken,
} from '@brace/auth';
import { authInterceptors } from '@brace/auth/axios';
import { authFetch } from '@brace/auth/fetch';
import { authHooks } from '@brace/auth/ky';
import { serveFetch } from '@brace/simulator';
import ky from 'ky';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DpopServers, dpopServers } from './test-utils/dpop-server.js';

const SECRET = 'dpop-client-secret-31';
const keyPair = () =>
  crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]) as Promise<DPoPKeyPair>;

let s: DpopServers;
beforeAll(async () => {
  s = await dpopServers(SECRET);
});
afterAll(() => s.close());

const manager = async (dpop?: DPoPKeyPair) =>
  createTokenManager({
    grant: clientCredentials({
      tokenUrl: s.tokenUrl,
      clientId: 'app',
      clientSecret: SECRET,
      allowInsecureRequests: true,
      dpop: dpop ?? (await keyPair()),
    }),
    maxAttempts: 1,
  });

describe('DPoP (RFC 9449) through oauth4webapi, against servers that verify every proof', () => {
  it('token and resource requests carry valid proofs; each server’s nonce is fetched once', async () => {
    const before = { ...s.counts, refused: { ...s.counts.refused } };
    const auth = await manager();
    const api = authFetch(auth);
    const first = await api(s.resourceUrl);
    expect(first.status).toBe(200);
    const second = await api(`${s.resourceUrl}?page=2`);
    expect(second.status).toBe(200);
    expect(s.counts.tokenRequests - before.tokenRequests).toBe(2); // nonce challenge, then the token
    expect(s.counts.tokensIssued - before.tokensIssued).toBe(1);
    expect(s.counts.nonceChallenges - before.nonceChallenges).toBe(2); // one per server
    expect(s.counts.resourceOk - before.resourceOk).toBe(2);
    expect(s.counts.refused).toEqual(before.refused);
    expect(auth.current()).toMatch(/^dpop_at_/);
    auth.close();
  });

  it('ky: a POST body survives the nonce retry; HTTPError-free 200 with the body echoed', async () => {
    const auth = await manager();
    await auth.getToken(); // the resource nonce is still unknown to this key's handle
    const api = ky.create({ hooks: authHooks(auth), retry: 0 });
    const body = await api
      .post(s.resourceUrl, { body: 'hello=world' })
      .json<{ body: string; method: string }>();
    expect(body).toEqual({ ok: true, method: 'POST', body: 'hello=world' });
    auth.close();
  });

  it('an expired DPoP token: the 401 refreshes once and the retry carries a new proof', async () => {
    const auth = await manager();
    const api = authFetch(auth);
    expect((await api(s.resourceUrl)).status).toBe(200);
    const issued = s.counts.tokensIssued;
    s.expireAll();
    const response = await api(s.resourceUrl, { method: 'PUT', body: 'x' });
    expect(response.status).toBe(200);
    expect(s.counts.tokensIssued).toBe(issued + 1);
    auth.close();
  });

  it('a bad key pair is an option error; refreshToken takes dpop too', async () => {
    expect(() =>
      clientCredentials({
        tokenUrl: s.tokenUrl,
        clientId: 'app',
        clientSecret: SECRET,
        allowInsecureRequests: true,
        dpop: {} as DPoPKeyPair,
      }),
    ).toThrow(AuthOptionError);
    const grant = refreshToken({
      tokenUrl: s.tokenUrl,
      clientId: 'app',
      refreshToken: 'rt',
      allowInsecureRequests: true,
      dpop: await keyPair(),
    });
    expect(grant.dpop).toBeDefined();
    // axios settles method and URL after its interceptors: no proof possible there.
    const auth = await manager();
    expect(() => authInterceptors(auth, { request: async () => ({}) as never })).toThrow(
      AuthOptionError,
    );
    auth.close();
  });

  it('a server that asks for a nonce again and again: one retry, then a typed failure', async () => {
    const nagging = await serveFetch(
      () =>
        new Response(JSON.stringify({ error: 'use_dpop_nonce' }), {
          status: 400,
          headers: { 'content-type': 'application/json', 'dpop-nonce': crypto.randomUUID() },
        }),
    );
    const nagResource = await serveFetch(
      () =>
        new Response(null, {
          status: 401,
          headers: {
            'www-authenticate': 'DPoP error="use_dpop_nonce"',
            'dpop-nonce': crypto.randomUUID(),
          },
        }),
    );
    try {
      const auth = createTokenManager({
        grant: clientCredentials({
          tokenUrl: `${nagging.url}/token`,
          clientId: 'app',
          clientSecret: SECRET,
          allowInsecureRequests: true,
          dpop: await keyPair(),
        }),
        maxAttempts: 1,
      });
      const error = await auth.getToken().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthRefreshError);
      expect(error).toMatchObject({ reason: 'status', status: 400 });
      auth.close();
      // The resource side: a good token, a resource that never stops asking: 401, no loop.
      const good = await manager();
      const response = await authFetch(good)(`${nagResource.url}/r`).catch((e: unknown) => e);
      expect(response).toMatchObject({ code: 'AUTH_REJECTED' });
      good.close();
    } finally {
      await Promise.all([nagging.close(), nagResource.close()]);
    }
  });
});
