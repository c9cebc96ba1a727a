import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { createOAuthServer, DEFAULT_OAUTH_CLIENT, type OAuthServerOptions } from './oauth.js';

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

describe('client-credentials grant (RFC 6749 §4.4)', () => {
  it('issues a Bearer token with expires_in, no-store headers and no refresh token by default', async () => {
    const { token, oauth } = setup({ accessTokenTtlSec: 120 });
    const { response, body } = await token('grant_type=client_credentials&scope=read');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 120, scope: 'read' });
    expect(body.access_token).toMatch(/^sim_at_[0-9a-f]{32}$/);
    expect(body.refresh_token).toBeUndefined();
    expect(oauth.ledger).toMatchObject({
      tokenRequests: 1,
      clientCredentialsGrants: 1,
      accessTokensIssued: 1,
    });
  });

  it('accepts client credentials in the body instead of Basic', async () => {
    const { oauth } = setup();
    const response = await oauth.fetch(
      new Request('http://sim/oauth/token', {
        method: 'POST',
        headers: { 'content-type': FORM },
        body: 'grant_type=client_credentials&client_id=sim-client&client_secret=sim-secret',
      }),
    );
    expect(response.status).toBe(200);
  });

  it('form-decodes Basic credentials (RFC 6749 §2.3.1)', async () => {
    const { token } = setup({ clients: [{ clientId: 'a b', clientSecret: 's:%' }] });
    const auth = `Basic ${btoa('a+b:s%3A%25')}`;
    expect(
      (await token('grant_type=client_credentials', { authorization: auth })).response.status,
    ).toBe(200);
  });

  it('answers invalid_client 401 with WWW-Authenticate: Basic for a wrong secret', async () => {
    const { token, oauth } = setup();
    const { response, body } = await token('grant_type=client_credentials', {
      authorization: basic('sim-client', 'nope'),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="brace-simulator"');
    expect(body.error).toBe('invalid_client');
    expect(JSON.stringify(body)).not.toContain('nope');
    expect(oauth.ledger.errors.invalid_client).toBe(1);
  });

  it.each([
    ['an unknown client', { authorization: basic('other', 'sim-secret') }],
    ['a non-Basic scheme', { authorization: 'Digest abc' }],
    ['Basic that is not base64', { authorization: 'Basic %%%' }],
    ['Basic without a colon', { authorization: `Basic ${btoa('justid')}` }],
    ['Basic with a bad escape', { authorization: `Basic ${btoa('%zz:x')}` }],
  ])('refuses %s with invalid_client', async (_name, headers) => {
    const { token } = setup();
    const { response, body } = await token('grant_type=client_credentials', headers);
    expect(response.status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('refuses a body client without a secret, and no client at all, without a Basic challenge', async () => {
    const { oauth } = setup();
    for (const body of [
      'grant_type=client_credentials&client_id=sim-client',
      'grant_type=client_credentials',
    ]) {
      const response = await oauth.fetch(
        new Request('http://sim/oauth/token', {
          method: 'POST',
          headers: { 'content-type': FORM },
          body,
        }),
      );
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBeNull();
    }
  });

  it('refuses two client authentication methods at once (invalid_request)', async () => {
    const { token } = setup();
    const { response, body } = await token(
      'grant_type=client_credentials&client_secret=sim-secret',
    );
    expect(response.status).toBe(400);
    expect(body.error).toBe('invalid_request');
  });

  it.each([
    [
      'a JSON body',
      { 'content-type': 'application/json' },
      '{"grant_type":"client_credentials"}',
      'invalid_request',
    ],
    [
      'a repeated parameter',
      {},
      'grant_type=client_credentials&grant_type=client_credentials',
      'invalid_request',
    ],
    ['no grant_type', {}, 'scope=read', 'invalid_request'],
    ['an unknown grant type', {}, 'grant_type=password', 'unsupported_grant_type'],
    [
      'an oversized body',
      {},
      `grant_type=client_credentials&x=${'a'.repeat(9000)}`,
      'invalid_request',
    ],
  ])('answers 400 for %s', async (_name, headers, body, error) => {
    const { token } = setup();
    const result = await token(body, headers);
    expect(result.response.status).toBe(400);
    expect(result.body.error).toBe(error);
  });

  it('refuses a scope the client may not ask for (invalid_scope)', async () => {
    const { token } = setup({ clients: [{ ...DEFAULT_OAUTH_CLIENT, scopes: ['read'] }] });
    expect((await token('grant_type=client_credentials&scope=read')).response.status).toBe(200);
    const { body } = await token('grant_type=client_credentials&scope=read%20admin');
    expect(body.error).toBe('invalid_scope');
  });

  it('answers 405 with Allow for GET on the token endpoint', async () => {
    const { oauth } = setup();
    const response = await oauth.fetch(new Request('http://sim/oauth/token'));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});

describe('protected resource (RFC 6750)', () => {
  it('accepts a live token, then answers 401 invalid_token once it expired, counting it', async () => {
    const { token, resource, clock, oauth } = setup({ accessTokenTtlSec: 60 });
    const access = String(
      (await token('grant_type=client_credentials&scope=read')).body.access_token,
    );
    const ok = await resource(access);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ client_id: 'sim-client', scope: 'read', expires_in: 60 });
    await clock.advance(59_999);
    expect((await resource(access)).status).toBe(200);
    await clock.advance(1);
    const expired = await resource(access);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toBe(
      'Bearer realm="brace-simulator", error="invalid_token", error_description="The access token expired."',
    );
    expect(oauth.ledger.expiredTokenRequests).toBe(1);
  });

  it('answers 401 without an error code when no token is sent, and invalid_token for an unknown one', async () => {
    const { resource, oauth } = setup();
    const none = await resource(undefined);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="brace-simulator"');
    const unknown = await resource('sim_at_nope');
    expect(unknown.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(oauth.ledger).toMatchObject({ missingTokenRequests: 1, invalidTokenRequests: 1 });
  });

  it('authenticate() answers 403 insufficient_scope naming the scope required', async () => {
    const { token, oauth } = setup();
    const access = String(
      (await token('grant_type=client_credentials&scope=read')).body.access_token,
    );
    const request = new Request('http://sim/x', { headers: { authorization: `Bearer ${access}` } });
    expect(oauth.authenticate(request, { scope: 'read' }).ok).toBe(true);
    const result = oauth.authenticate(request, { scope: 'write' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('insufficient_scope');
    expect(result.response.status).toBe(403);
    expect(result.response.headers.get('www-authenticate')).toContain('scope="write"');
  });

  it('refuses a refresh token used as an access token', async () => {
    const { oauth, resource } = setup();
    const { refresh_token } = oauth.issue('sim-client');
    expect((await resource(refresh_token)).status).toBe(401);
  });
});

describe('refresh-token grant with rotation and reuse detection (RFC 6749 §6, RFC 9700)', () => {
  it('rotates: each refresh gives a new refresh token and a new access token', async () => {
    const { token, oauth } = setup({ refreshTokenOnClientCredentials: true });
    const first = (await token('grant_type=client_credentials&scope=read write')).body;
    expect(first.refresh_token).toMatch(/^sim_rt_/);
    const second = (await token(`grant_type=refresh_token&refresh_token=${first.refresh_token}`))
      .body;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.scope).toBe('read write');
    const third = await token(
      `grant_type=refresh_token&refresh_token=${second.refresh_token}&scope=read`,
    );
    expect(third.body.scope).toBe('read');
    expect(oauth.ledger).toMatchObject({ refreshes: 2, tokenRequests: 3, reuseDetections: 0 });
  });

  it('revokes the whole family when a rotated refresh token is presented again', async () => {
    const { token, resource, oauth } = setup();
    const issued = oauth.issue('sim-client', { scope: 'read' });
    const next = (await token(`grant_type=refresh_token&refresh_token=${issued.refresh_token}`))
      .body;
    expect((await resource(String(next.access_token))).status).toBe(200);

    const reuse = await token(`grant_type=refresh_token&refresh_token=${issued.refresh_token}`);
    expect(reuse.response.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect(oauth.ledger).toMatchObject({ reuseDetections: 1, revocations: 1 });
    // The legitimate newest tokens die with the family.
    expect((await resource(String(next.access_token))).status).toBe(401);
    const after = await token(`grant_type=refresh_token&refresh_token=${next.refresh_token}`);
    expect(after.body.error).toBe('invalid_grant');
    expect(after.body.error_description).toContain('revoked');
    // A second reuse is detected, but the family is revoked only once.
    await token(`grant_type=refresh_token&refresh_token=${issued.refresh_token}`);
    expect(oauth.ledger).toMatchObject({ reuseDetections: 1, revocations: 1 });
  });

  it('without rotation keeps the refresh token valid and sends none back', async () => {
    const { token, oauth } = setup({ rotateRefreshTokens: false });
    const { refresh_token } = oauth.issue('sim-client');
    for (let i = 0; i < 3; i++) {
      const { response, body } = await token(
        `grant_type=refresh_token&refresh_token=${refresh_token}`,
      );
      expect(response.status).toBe(200);
      expect(body.refresh_token).toBeUndefined();
    }
    expect(oauth.ledger.reuseDetections).toBe(0);
  });

  it.each([
    ['missing', 'grant_type=refresh_token', 'invalid_request'],
    ['unknown', 'grant_type=refresh_token&refresh_token=sim_rt_x', 'invalid_grant'],
  ])('answers a %s refresh token', async (_name, body, error) => {
    const { token } = setup();
    expect((await token(body)).body.error).toBe(error);
  });

  it('refuses an expired refresh token, another client’s, and a widened scope', async () => {
    const { token, oauth, clock } = setup({
      refreshTokenTtlSec: 10,
      clients: [DEFAULT_OAUTH_CLIENT, { clientId: 'other', clientSecret: 'x' }],
    });
    const mine = oauth.issue('sim-client', { scope: 'read' });
    const stolen = await token(`grant_type=refresh_token&refresh_token=${mine.refresh_token}`, {
      authorization: basic('other', 'x'),
    });
    expect(stolen.body.error).toBe('invalid_grant');
    const widened = await token(
      `grant_type=refresh_token&refresh_token=${mine.refresh_token}&scope=admin`,
    );
    expect(widened.body.error).toBe('invalid_scope');
    await clock.advance(10_000);
    const expired = await token(`grant_type=refresh_token&refresh_token=${mine.refresh_token}`);
    expect(expired.body.error_description).toBe('The refresh token expired.');
  });
});
