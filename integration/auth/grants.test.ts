import { createServer } from 'node:net';
import {
  AuthGrantError,
  AuthOptionError,
  AuthRefreshError,
  clientCredentials,
  createTokenManager,
  GrantFailure,
  memoryTokenStore,
  refreshToken,
} from '@brace/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_SECRET, type Loopback, loopback } from './test-utils/loopback.js';

let lb: Loopback;
beforeAll(async () => {
  lb = await loopback({ accessTokenTtlSec: 600 });
});
afterAll(() => lb.close());

const signal = () => new AbortController().signal;
const cc = (extra: Record<string, unknown> = {}) =>
  clientCredentials({
    tokenUrl: lb.tokenUrl,
    clientId: 'app',
    clientSecret: CLIENT_SECRET,
    allowInsecureRequests: true,
    ...extra,
  });

describe('clientCredentials (oauth4webapi against the simulator)', () => {
  it('obtains a bearer token with HTTP Basic, scope and audience', async () => {
    lb.forms.length = 0;
    const token = await cc({ scope: ['read', 'write'], audience: 'https://api' }).request({
      now: 1000,
      signal: signal(),
    });
    expect(token.accessToken).toMatch(/^sim_at_/);
    expect(token.tokenType).toBe('bearer');
    expect(token.expiresAt).toBe(1000 + 600_000);
    const form = lb.forms[0] as URLSearchParams;
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('scope')).toBe('read write');
    expect(form.get('audience')).toBe('https://api');
    expect(form.get('client_secret')).toBeNull(); // Basic, not the body
  });

  it('sends the secret in the body with clientAuth: post', async () => {
    lb.forms.length = 0;
    await cc({ clientAuth: 'post', scope: 'read' }).request({ now: 0, signal: signal() });
    expect(lb.forms[0]?.get('client_secret')).toBe(CLIENT_SECRET);
  });

  it('a wrong secret is AuthGrantError invalid_client, never retried, secret not in the message', async () => {
    lb.forms.length = 0;
    const auth = createTokenManager({ grant: cc({ clientSecret: 'wrong-secret-x' }) });
    const error = await auth.validate().catch((e) => e);
    expect(error).toBeInstanceOf(AuthGrantError);
    expect(error).toMatchObject({ oauthError: 'invalid_client', status: 401 });
    expect(error.message).toContain('client credentials for client "app" at http://127.0.0.1');
    expect(error.message).not.toContain('wrong-secret-x');
    expect(error.cause).toBeUndefined();
    expect(lb.forms).toHaveLength(1);
    auth.close();
  });

  it('maps the token endpoint outcomes: 5xx and 429 transient, RFC 6749 codes permanent', async () => {
    const g = cc();
    const cases: Array<[Response, unknown]> = [
      [new Response('down', { status: 503 }), { reason: 'status', status: 503, inDoubt: false }],
      [new Response('', { status: 429 }), { reason: 'status', status: 429 }],
      [
        Response.json({ error: 'invalid_scope' }, { status: 400 }),
        { code: 'AUTH_GRANT_REJECTED', oauthError: 'invalid_scope' },
      ],
      [Response.json({ error: 'invalid_grant' }, { status: 400 }), { oauthError: 'invalid_grant' }],
      [
        Response.json({ error: 'temporarily_unavailable' }, { status: 400 }),
        { reason: 'status', status: 400 },
      ],
      [
        new Response('<html>', { status: 403 }),
        { code: 'AUTH_GRANT_REJECTED', oauthError: 'invalid_response' },
      ],
      [
        Response.json({ access_token: 'leak-me', token_type: 'mac' }),
        { reason: 'invalid-response', inDoubt: true },
      ],
      [
        new Response('', { status: 401, headers: { 'www-authenticate': 'Basic realm="x"' } }),
        { oauthError: 'invalid_client' },
      ],
      [
        new Response('', {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        }),
        { oauthError: 'invalid_token' },
      ],
      [
        new Response('', {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="Leak-Me 123"' },
        }),
        { oauthError: 'invalid_client' },
      ],
    ];
    for (const [response, expected] of cases) {
      lb.fault = () => response.clone();
      const error = await g.request({ now: 0, signal: signal() }).catch((e) => e);
      expect(error).toMatchObject(expected as object);
      expect(JSON.stringify(error) + String(error.message)).not.toContain('leak-me');
    }
    lb.fault = undefined;
  });

  it('a timeout is transient and in doubt; an aborted caller signal is rethrown', async () => {
    lb.fault = () => new Promise<Response>(() => {});
    const g = cc({ timeoutMs: 50 });
    await expect(g.request({ now: 0, signal: signal() })).rejects.toMatchObject({
      reason: 'timeout',
      inDoubt: true,
    });
    const controller = new AbortController();
    const pending = g.request({ now: 0, signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    lb.fault = undefined;
  });

  it('a refused connection is transient and certainly not sent', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const g = clientCredentials({
      tokenUrl: `http://127.0.0.1:${port}/token`,
      clientId: 'app',
      clientSecret: 's',
      allowInsecureRequests: true,
    });
    const error = await g.request({ now: 0, signal: signal() }).catch((e) => e);
    expect(error).toBeInstanceOf(GrantFailure);
    expect(error).toMatchObject({ reason: 'network', inDoubt: false });
  });

  it('a custom fetch carries every token request', async () => {
    let seen = 0;
    const g = cc({
      fetch: (input: Request | string | URL, init?: RequestInit) => {
        seen++;
        return fetch(input, init);
      },
    });
    await g.request({ now: 0, signal: signal() });
    expect(seen).toBe(1);
  });

  it('private_key_jwt sends a signed client assertion', async () => {
    const { privateKey, publicKey } = await crypto.subtle.generateKey(
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign', 'verify'],
    );
    lb.fault = async (request) => {
      const form = new URLSearchParams(await request.text());
      const jwt = form.get('client_assertion') ?? '';
      const [h, p, s] = jwt.split('.') as [string, string, string];
      const ok = await crypto.subtle.verify(
        { name: 'ECDSA', hash: 'SHA-256' },
        publicKey,
        Buffer.from(s, 'base64url'),
        new TextEncoder().encode(`${h}.${p}`),
      );
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      return ok &&
        claims.iss === 'app' &&
        form.get('client_assertion_type') ===
          'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
        ? Response.json({ access_token: 'jwt-ok', token_type: 'Bearer', expires_in: 60 })
        : Response.json({ error: 'invalid_client' }, { status: 401 });
    };
    const g = clientCredentials({
      tokenUrl: lb.tokenUrl,
      clientId: 'app',
      privateKeyJwt: { key: privateKey, kid: 'k1' },
      allowInsecureRequests: true,
    });
    expect((await g.request({ now: 0, signal: signal() })).accessToken).toBe('jwt-ok');
    lb.fault = undefined;
  });

  it('rejects bad options at construction', () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ tokenUrl: 'not a url', clientId: 'a', clientSecret: 's' }, 'tokenUrl'],
      [{ tokenUrl: 'http://x/t', clientId: 'a', clientSecret: 's' }, 'tokenUrl'],
      [{ tokenUrl: 'https://x/t', clientId: '', clientSecret: 's' }, 'clientId'],
      [{ tokenUrl: 'https://x/t', clientId: 'a' }, 'clientSecret'],
      [{ tokenUrl: 'https://x/t', clientId: 'a', clientSecret: '' }, 'clientSecret'],
      [{ tokenUrl: 'https://x/t', clientId: 'a', clientSecret: 's', timeoutMs: 0 }, 'timeoutMs'],
    ];
    for (const [options, option] of bad) {
      expect(() => clientCredentials(options as never)).toThrow(
        expect.objectContaining({ option }) as Error,
      );
    }
    expect(() =>
      clientCredentials({
        tokenUrl: 'https://x/t',
        clientId: 'a',
        clientSecret: 's',
        privateKeyJwt: {} as never,
      }),
    ).toThrow(AuthOptionError);
  });
});

describe('refreshToken (rotation against the simulator)', () => {
  const seed = () => lb.oauth.issue('app', { refreshToken: true }).refresh_token as string;

  it('rotates: each refresh sends the newest refresh token and saves it first', async () => {
    const saved: string[] = [];
    const first = seed();
    const auth = createTokenManager({
      grant: refreshToken({
        tokenUrl: lb.tokenUrl,
        clientId: 'app',
        clientSecret: CLIENT_SECRET,
        refreshToken: first,
        save: async (t) => {
          saved.push(t);
        },
        allowInsecureRequests: true,
      }),
    });
    const before = lb.oauth.ledger.reuseDetections;
    lb.forms.length = 0;
    for (let i = 0; i < 3; i++) await auth.refresh();
    const sent = lb.forms.map((f) => f.get('refresh_token'));
    expect(sent[0]).toBe(first);
    expect(sent.slice(1)).toEqual(saved.slice(0, 2));
    expect(new Set(sent).size).toBe(3);
    expect(lb.oauth.ledger.reuseDetections).toBe(before);
    auth.close();
  });

  it('loads the refresh token lazily and keeps it when the server does not rotate', async () => {
    const g = refreshToken({
      tokenUrl: lb.tokenUrl,
      clientId: 'app',
      clientSecret: CLIENT_SECRET,
      load: async () => 'rt-kept',
      rotates: false,
      allowInsecureRequests: true,
    });
    expect(g.rotatesRefreshToken).toBe(false);
    expect(await g.initialRefreshToken?.()).toBe('rt-kept');
    lb.fault = () => Response.json({ access_token: 'a', token_type: 'bearer', expires_in: 5 });
    const token = await g.request({ now: 0, signal: signal(), refreshToken: 'rt-kept' });
    expect(token.refreshToken).toBe('rt-kept');
    lb.fault = undefined;
    await expect(g.request({ now: 0, signal: signal() })).rejects.toBeInstanceOf(AuthOptionError);
  });

  it('a revoked refresh token is invalid_grant, reported once, not retried', async () => {
    const auth = createTokenManager({
      grant: refreshToken({
        tokenUrl: lb.tokenUrl,
        clientId: 'app',
        clientSecret: CLIENT_SECRET,
        refreshToken: 'sim_rt_unknown',
        allowInsecureRequests: true,
      }),
    });
    const error = await auth.getToken().catch((e) => e);
    expect(error).toMatchObject({ code: 'AUTH_GRANT_REJECTED', oauthError: 'invalid_grant' });
    expect(error.message).not.toContain('sim_rt_unknown');
    auth.close();
  });

  it('recover() maps its result to a token set', async () => {
    const g = refreshToken({
      tokenUrl: lb.tokenUrl,
      clientId: 'app',
      refreshToken: 'x',
      recover: async () => ({ accessToken: 'r', expiresIn: 10, refreshToken: 'rt2' }),
      allowInsecureRequests: true,
    });
    expect(await g.recover?.({ now: 5, signal: signal() })).toEqual({
      accessToken: 'r',
      tokenType: 'bearer',
      expiresAt: 10_005,
      refreshToken: 'rt2',
    });
    const g2 = refreshToken({
      tokenUrl: lb.tokenUrl,
      clientId: 'app',
      refreshToken: 'x',
      recover: async () => ({ accessToken: 'r', refreshToken: 'rt3' }),
      allowInsecureRequests: true,
    });
    expect((await g2.recover?.({ now: 5, signal: signal() }))?.expiresAt).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it('resendInDoubt: a refresh token in doubt is resent (for servers with a reuse grace period)', async () => {
    const g = refreshToken({
      tokenUrl: lb.tokenUrl,
      clientId: 'app',
      clientSecret: CLIENT_SECRET,
      refreshToken: 'unused',
      resendInDoubt: true,
      allowInsecureRequests: true,
    });
    const rt = seed();
    lb.forms.length = 0;
    const token = await g.recover?.({ now: 0, signal: signal(), refreshToken: rt });
    expect(token?.accessToken).toMatch(/^sim_at_/);
    expect(lb.forms[0]?.get('refresh_token')).toBe(rt);
  });

  it('a gateway 502/504 may hide a rotation: the refresh token is never resent (no reuse, no revocation)', async () => {
    for (const status of [502, 504]) {
      const first = seed();
      const before = { ...lb.oauth.ledger };
      // The gateway forwards the refresh, the server rotates, the answer is lost upstream.
      lb.fault = async (request) => {
        await lb.oauth.fetch(request);
        return new Response('upstream timed out', { status });
      };
      let recovered = 0;
      const auth = createTokenManager({
        grant: refreshToken({
          tokenUrl: lb.tokenUrl,
          clientId: 'app',
          clientSecret: CLIENT_SECRET,
          refreshToken: first,
          allowInsecureRequests: true,
          recover: async () => {
            recovered++;
            lb.fault = undefined;
            return { accessToken: 'recovered', expiresIn: 600, refreshToken: seed() };
          },
        }),
        retryBaseMs: 1,
        retryCapMs: 1,
      });
      lb.forms.length = 0;
      expect(await auth.getToken()).toBe('recovered');
      expect(lb.forms.map((f) => f.get('refresh_token'))).toEqual([first]);
      expect(recovered).toBe(1);
      expect(lb.oauth.ledger.reuseDetections).toBe(before.reuseDetections);
      expect(lb.oauth.ledger.revocations).toBe(before.revocations);
      auth.close();
    }
  });

  it('recover() must hand back a refresh token: the next refresh never falls back to the spent first one', async () => {
    const first = seed();
    const store = memoryTokenStore();
    const grant = (recover?: () => Promise<{ accessToken: string; expiresIn: number }>) =>
      refreshToken({
        tokenUrl: lb.tokenUrl,
        clientId: 'app',
        clientSecret: CLIENT_SECRET,
        refreshToken: first,
        allowInsecureRequests: true,
        ...(recover ? { recover } : {}),
      });
    const m1 = createTokenManager({ grant: grant(), store, key: 'tenant' });
    await m1.getToken(); // `first` is spent, its successor stored
    m1.close();
    // A holder dies between sending the stored refresh token and saving the answer.
    const fence = (await store.lock('tenant', 60_000)) as number;
    await store.claim('tenant', fence);
    await store.unlock('tenant', fence, false);
    const before = lb.oauth.ledger.reuseDetections;
    lb.forms.length = 0;
    const m2 = createTokenManager({
      grant: grant(async () => ({
        accessToken: 'recovered-without-refresh-token',
        expiresIn: 600,
      })),
      store,
      key: 'tenant',
    });
    // validate() never adopts the stored token: it refreshes, finds the claim, recovers.
    const outcome = await m2.validate().catch((e) => e);
    expect(outcome).toMatchObject({ code: 'AUTH_INVALID_OPTION', option: 'recover' });
    await m2.validate().catch(() => {});
    expect(lb.forms.map((f) => f.get('refresh_token'))).not.toContain(first);
    expect(lb.oauth.ledger.reuseDetections).toBe(before);
    m2.close();
  });

  it('rejects bad options', () => {
    const common = { tokenUrl: 'https://x/t', clientId: 'a' };
    expect(() => refreshToken(common)).toThrow(AuthOptionError);
    expect(() => refreshToken({ ...common, refreshToken: '' })).toThrow(AuthOptionError);
  });

  it('AuthRefreshError after the endpoint stays down', async () => {
    lb.fault = () => new Response('', { status: 502 });
    const auth = createTokenManager({
      grant: cc(),
      maxAttempts: 2,
      retryBaseMs: 1,
      retryCapMs: 1,
    });
    await expect(auth.getToken()).rejects.toBeInstanceOf(AuthRefreshError);
    lb.fault = undefined;
    auth.close();
  });
});
