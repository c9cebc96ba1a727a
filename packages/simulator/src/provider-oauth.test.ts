import { afterEach, describe, expect, it } from 'vitest';
import { SimulatorAssertionError } from './errors.js';
import { createProvider } from './provider.js';
import type { Provider } from './provider-types.js';
import { fixedClock } from './test-utils.fixture.js';

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
