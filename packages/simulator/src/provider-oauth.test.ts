import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatorAssertionError } from './errors.js';
import { createProvider } from './provider.js';
import type { Provider } from './provider-types.js';
import { fixedClock, until } from './test-utils.fixture.js';

let provider: Provider | undefined;
afterEach(async () => {
  await provider?.close();
});

describe('createProvider({ oauth })', () => {
  it('serves the token endpoint, guards every route with Bearer tokens, and counts expired ones', async () => {
    const clock = fixedClock();
    provider = await createProvider({ clock, rateLimit: false, oauth: { accessTokenTtlSec: 60 } });
    const { url } = provider;
    expect((await fetch(`${url}/items`)).status).toBe(401);
    const token = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=sim-client&client_secret=sim-secret',
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const auth = { authorization: `Bearer ${access_token}` };
    expect((await fetch(`${url}/items`, { headers: auth })).status).toBe(200);
    provider.assert.noExpiredTokens();
    await clock.advance(60_000);
    const expired = await fetch(`${url}/items`, { headers: auth });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(provider.ledger.expiredTokens).toBe(1);
    expect(provider.ledger.oauth).toMatchObject({ tokenRequests: 1, expiredTokenRequests: 1 });
    expect(() => provider?.assert.noExpiredTokens()).toThrow(SimulatorAssertionError);
    expect(() => provider?.assert.noExpiredTokens()).toThrow(
      /Expected no request with an expired access token, but 1 came \(0 refreshes; 4 requests seen\):\n {2}- request 4 \(GET \/items\)/,
    );
  });

  it('counts a request sent with an expired token on arrival, even when the rate limit or a fault refuses it first', async () => {
    const clock = fixedClock();
    provider = await createProvider({
      clock,
      rateLimit: { limit: 1, windowMs: 60_000 },
      faults: { script: { 'GET /faulty': [503] } },
      oauth: { accessTokenTtlSec: 60 },
    });
    const { url } = provider;
    const issued = provider.oauth?.issue('sim-client');
    const auth = { authorization: `Bearer ${issued?.access_token}` };
    await clock.advance(60_000);
    expect((await fetch(`${url}/items`, { headers: auth })).status).toBe(401);
    expect((await fetch(`${url}/items`, { headers: auth })).status).toBe(429);
    await clock.advance(60_000);
    expect((await fetch(`${url}/faulty`, { headers: auth })).status).toBe(503);
    // A missing token and the OAuth server's own resource are not counted here.
    await clock.advance(60_000);
    expect((await fetch(`${url}/items`)).status).toBe(401);
    await clock.advance(60_000);
    expect((await fetch(`${url}/oauth/resource`, { headers: auth })).status).toBe(401);
    expect(provider.ledger).toMatchObject({ requests: 5, rateLimited: 1, expiredTokens: 3 });
    expect(provider.ledger.expiredTokenLines).toEqual([
      'request 1 (GET /items)',
      'request 2 (GET /items)',
      'request 3 (GET /faulty)',
    ]);
    // The OAuth server checked (and answered 401) only two of those tokens.
    expect(provider.ledger.oauth?.expiredTokenRequests).toBe(2);
  });

  it('counts a token that expires while the request body is read once, at the token check', async () => {
    const clock = fixedClock();
    provider = await createProvider({ clock, rateLimit: false, oauth: { accessTokenTtlSec: 60 } });
    const issued = provider.oauth?.issue('sim-client');
    const sim = provider;
    // Headers first (the request arrives), the body only after the token expired.
    const req = request(`${sim.url}/items`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${issued?.access_token}`,
        'content-type': 'text/plain',
        'transfer-encoding': 'chunked',
      },
    });
    const answer = new Promise<{ status: number }>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      });
      req.on('error', reject);
    });
    req.flushHeaders();
    await until(() => sim.ledger.requests === 1, 'the arrival');
    expect(sim.ledger.expiredTokens).toBe(0);
    await clock.advance(60_000);
    req.end('name=late');
    expect((await answer).status).toBe(401);
    expect(sim.ledger.expiredTokens).toBe(1);
    expect(sim.ledger.oauth?.expiredTokenRequests).toBe(1);
  });

  it('oauth: true uses the defaults; provider.oauth.issue() mints tokens directly', async () => {
    provider = await createProvider({ rateLimit: false, oauth: true });
    const issued = provider.oauth?.issue('sim-client');
    const response = await fetch(`${provider.url}/oauth/resource`, {
      headers: { authorization: `Bearer ${issued?.access_token}` },
    });
    const body = (await response.json()) as { client_id: string; expires_in: number };
    expect(body.client_id).toBe('sim-client');
    expect(body.expires_in).toBeGreaterThanOrEqual(3599);
  });
});
