import { inspect } from 'node:util';
import {
  apiKey,
  clientCredentials,
  createTokenManager,
  customGrant,
  memoryTokenStore,
  refreshToken,
} from '@brace/auth';
import { authFetch } from '@brace/auth/fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_SECRET, type Loopback, loopback } from './test-utils/loopback.js';

/** Everything planted: the client secret, refresh tokens, API keys; plus every simulator token. */
const PLANTED = [
  CLIENT_SECRET,
  'planted-wrong-secret-77',
  'planted-api-key-1',
  'planted-api-key-2',
];
const TOKEN_PREFIXES = ['sim_at_', 'sim_rt_'];

let lb: Loopback;
beforeAll(async () => {
  lb = await loopback({ accessTokenTtlSec: 600 });
});
afterAll(() => lb.close());

/** Fails if any planted secret or issued token appears anywhere in `value`, hidden parts included. */
function expectClean(value: unknown): void {
  const text = `${inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true })}\n${String((value as Error)?.stack ?? '')}`;
  for (const secret of [...PLANTED, ...TOKEN_PREFIXES, ...extra]) {
    expect(text.includes(secret), `found "${secret}" in ${text.slice(0, 300)}`).toBe(false);
  }
}
const extra: string[] = [];

describe('no secret, token or refresh token in any error, event or cause', () => {
  it('across every failure path', async () => {
    const collected: unknown[] = [];
    const events = {
      onRefresh: (e: unknown) => collected.push(e),
      onRefreshError: (e: unknown) => collected.push(e),
      onCoordination: (e: unknown) => collected.push(e),
    };
    const capture = async (p: Promise<unknown>) => collected.push(await p.catch((e) => e));
    const cc = (secret: string, timeoutMs = 5000) =>
      clientCredentials({
        tokenUrl: lb.tokenUrl,
        clientId: 'app',
        clientSecret: secret,
        allowInsecureRequests: true,
        timeoutMs,
      });

    // A good token first (so one is cached and known), then every kind of failure.
    const good = createTokenManager({ grant: cc(CLIENT_SECRET), ...events, maxAttempts: 1 });
    const token = await good.getToken();
    extra.push(token);
    const rt = lb.oauth.issue('app', { refreshToken: true }).refresh_token as string;
    extra.push(rt);

    await capture(
      createTokenManager({ grant: cc('planted-wrong-secret-77'), ...events }).validate(),
    );
    const faults: Array<() => Response | Promise<Response>> = [
      () => new Response(`boom ${CLIENT_SECRET}`, { status: 500 }),
      () => Response.json({ access_token: 'sim_at_leak', token_type: 'weird' }),
      () => Response.json({ access_token: 'sim_at_leak2', token_type: 'bearer', expires_in: 'x' }),
      () =>
        Response.json({ error: 'invalid_grant', error_description: `bad ${rt}` }, { status: 400 }),
      () => Response.json({ error: `sim_at_${'x'.repeat(80)}` }, { status: 400 }),
      () => new Promise<Response>(() => {}),
    ];
    for (const fault of faults) {
      lb.fault = fault;
      await capture(
        createTokenManager({ grant: cc(CLIENT_SECRET, 300), ...events, maxAttempts: 1 }).validate(),
      );
      await capture(
        createTokenManager({
          grant: refreshToken({
            tokenUrl: lb.tokenUrl,
            clientId: 'app',
            clientSecret: CLIENT_SECRET,
            refreshToken: rt,
            allowInsecureRequests: true,
            timeoutMs: 300,
          }),
          ...events,
          maxAttempts: 1,
        }).getToken(),
      );
    }
    lb.fault = undefined;

    // A 401 twice through the adapter, and a custom grant whose error carries the secret.
    const api = authFetch(good, async () => new Response('', { status: 401 }));
    await capture(api('http://127.0.0.1:1/x'));
    await capture(
      createTokenManager({
        grant: customGrant(async () => {
          throw new Error(`failed with ${CLIENT_SECRET}`);
        }),
        ...events,
        maxAttempts: 1,
      }).getToken(),
    );
    // Lock timeout and an in-doubt refresh token.
    const store = memoryTokenStore();
    const fence = (await store.lock('k', 60_000)) as number;
    await capture(
      createTokenManager({
        grant: cc(CLIENT_SECRET),
        store,
        key: 'k',
        lockWaitMs: 20,
        pollIntervalMs: 5,
        ...events,
      }).getToken(),
    );
    await store.claim('k', fence);
    await store.unlock('k', fence, false);
    await capture(
      createTokenManager({
        grant: refreshToken({
          tokenUrl: lb.tokenUrl,
          clientId: 'app',
          clientSecret: CLIENT_SECRET,
          refreshToken: rt,
          allowInsecureRequests: true,
        }),
        store,
        key: 'k',
        ...events,
      }).getToken(),
    );
    // API keys: rotation event and validation failure.
    const keys = apiKey({
      header: 'x-api-key',
      keys: ['planted-api-key-1', 'planted-api-key-2'],
      probe: async () => false,
      onKeyUsed: (e) => collected.push(e),
    });
    keys.accepted?.({ in: 'header', name: 'x-api-key', value: 'planted-api-key-2' });
    await capture(keys.validate());
    await capture(authFetch(keys, async () => new Response('', { status: 401 }))('http://x/'));

    const errors = collected.filter((c) => c instanceof Error) as Error[];
    expect(errors.length).toBeGreaterThanOrEqual(15);
    expect(new Set(errors.map((e) => (e as { code?: string }).code))).toEqual(
      new Set(['AUTH_GRANT_REJECTED', 'AUTH_REFRESH_FAILED', 'AUTH_REJECTED', 'AUTH_LOCK_TIMEOUT']),
    );
    expect(collected.length - errors.length).toBeGreaterThanOrEqual(15); // events
    for (const item of collected) expectClean(item);
    // The search itself finds a planted secret, even in a nested cause.
    expect(() => expectClean(new Error('x', { cause: { deep: [CLIENT_SECRET] } }))).toThrow();
    good.close();
  });
});
