import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { SimulatorOptionsError } from './errors.js';
import { createOAuthServer, type OAuthServerOptions } from './oauth.js';
import { serveFetch } from './serve.js';

const basic = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`;
const FORM = 'application/x-www-form-urlencoded';

function setup(options: OAuthServerOptions = {}) {
  const clock = manualClock({ now: 1_000_000 });
  const oauth = createOAuthServer({ clock, ...options });
  const token = async (body: string, headers: Record<string, string> = {}) => {
    const response = await oauth.fetch(
      new Request('http://sim/oauth/token', {
        method: 'POST',
        headers: {
          'content-type': FORM,
          authorization: basic('sim-client', 'sim-secret'),
          ...headers,
        },
        body,
      }),
    );
    return { response, body: (await response.json()) as Record<string, string | number> };
  };
  const resource = (accessToken: string | undefined) =>
    oauth.fetch(
      new Request('http://sim/oauth/resource', {
        headers: accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` },
      }),
    );
  return { clock, oauth, token, resource };
}

describe('revocation (RFC 7009)', () => {
  const revoke = (oauth: ReturnType<typeof setup>['oauth'], body: string, method = 'POST') =>
    oauth.fetch(
      new Request('http://sim/oauth/revoke', {
        method,
        headers: { 'content-type': FORM, authorization: basic('sim-client', 'sim-secret') },
        body: method === 'GET' ? null : body,
      }),
    );

  it('revokes the grant of a refresh token, and answers 200 for unknown tokens', async () => {
    const { oauth, resource } = setup();
    const issued = oauth.issue('sim-client');
    expect((await revoke(oauth, `token=${issued.refresh_token}`)).status).toBe(200);
    expect((await resource(issued.access_token)).status).toBe(401);
    expect((await revoke(oauth, 'token=sim_rt_unknown')).status).toBe(200);
    expect((await revoke(oauth, `token=${issued.refresh_token}`)).status).toBe(200);
    expect(oauth.ledger.revocations).toBe(1);
  });

  it('needs POST, a form, client auth and a token', async () => {
    const { oauth } = setup();
    expect((await revoke(oauth, '', 'GET')).status).toBe(405);
    expect((await revoke(oauth, '')).status).toBe(400);
    const badClient = await oauth.fetch(
      new Request('http://sim/oauth/revoke', {
        method: 'POST',
        headers: { 'content-type': FORM },
        body: 'token=x',
      }),
    );
    expect(badClient.status).toBe(401);
    const json = await oauth.fetch(
      new Request('http://sim/oauth/revoke', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'x',
      }),
    );
    expect(json.status).toBe(400);
  });
});

describe('options and other paths', () => {
  it.each([
    [{ accessTokenTtlSec: 0 }],
    [{ refreshTokenTtlSec: Number.NaN }],
    [{ maxTokens: 1 }],
    [{ clients: [{ clientId: '', clientSecret: 'x' }] }],
  ] as OAuthServerOptions[][])('refuses %o', (options) => {
    expect(() => createOAuthServer(options)).toThrow(SimulatorOptionsError);
  });

  it('issue() refuses unknown clients and disallowed scopes', () => {
    const oauth = createOAuthServer({
      clients: [{ clientId: 'c', clientSecret: 's', scopes: ['a'] }],
    });
    expect(() => oauth.issue('x')).toThrow(SimulatorOptionsError);
    expect(() => oauth.issue('c', { scope: 'b' })).toThrow(SimulatorOptionsError);
    expect(oauth.issue('c', { scope: 'a', refreshToken: false }).refresh_token).toBeUndefined();
  });

  it('handle() leaves other paths alone; fetch() answers them 404; custom paths work', async () => {
    const oauth = createOAuthServer({ paths: { token: '/t', revoke: '/r', resource: '/me' } });
    expect(await oauth.handle(new Request('http://sim/oauth/token'))).toBeUndefined();
    expect((await oauth.fetch(new Request('http://sim/other'))).status).toBe(404);
    expect((await oauth.fetch(new Request('http://sim/me'))).status).toBe(401);
  });

  it('forgets the oldest tokens past maxTokens', async () => {
    const oauth = createOAuthServer({ maxTokens: 2 });
    const first = oauth.issue('sim-client', { refreshToken: false });
    oauth.issue('sim-client', { refreshToken: false });
    oauth.issue('sim-client', { refreshToken: false });
    const request = new Request('http://sim/x', {
      headers: { authorization: `Bearer ${first.access_token}` },
    });
    expect(oauth.authenticate(request).ok).toBe(false);
  });

  it('gives the same tokens for the same seed', () => {
    const a = createOAuthServer({ seed: 9 }).issue('sim-client');
    const b = createOAuthServer({ seed: 9 }).issue('sim-client');
    const c = createOAuthServer({ seed: 10 }).issue('sim-client');
    expect(a).toEqual(b);
    expect(c.access_token).not.toBe(a.access_token);
  });

  it('serves over real loopback HTTP with serveFetch', async () => {
    const oauth = createOAuthServer();
    const server = await serveFetch((request) => oauth.fetch(request));
    try {
      const response = await fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': FORM, authorization: basic('sim-client', 'sim-secret') },
        body: 'grant_type=client_credentials',
      });
      const { access_token } = (await response.json()) as { access_token: string };
      const me = await fetch(`${server.url}/oauth/resource`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(me.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('serveFetch answers 500 when the handler throws', async () => {
    const server = await serveFetch(() => {
      throw new Error('boom');
    });
    try {
      expect((await fetch(server.url)).status).toBe(500);
    } finally {
      await server.close();
    }
  });
});
