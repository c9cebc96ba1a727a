import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import ky from 'ky';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKey, createTokenManager, customGrant, sendWithAuth } from './index.js';
import { authHooks } from './ky.js';

const TOKEN = 'planted-access-token-5d1e';
const KEY = 'planted-api-key-8c3a';

let url: string;
const seen: string[] = [];
const server = createServer((req, res) => {
  seen.push(String(req.headers.authorization ?? req.headers['x-api-key'] ?? ''));
  const status = req.url === '/401' ? 401 : req.url === '/403' ? 403 : 500;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end('{"error":"nope"}');
});
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const dump = (error: unknown) =>
  `${inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true })}\n${String((error as Error)?.stack)}`;

describe('errors raised through authHooks never carry the credential', () => {
  const auth = createTokenManager({
    grant: customGrant(async () => ({ accessToken: TOKEN, expiresIn: 3600 }), { name: 'planted' }),
  });

  it.each(['/500', '/403', '/401'])(
    'ky error for %s: no token in util.inspect(err, showHidden)',
    async (path) => {
      const api = ky.create({ baseUrl: `${url}/`, retry: 0, hooks: authHooks(auth) });
      const error = await api.post(path.slice(1), { json: { a: 1 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      const text = dump(error);
      expect(text.includes(TOKEN)).toBe(false);
      // The server did get it: the credential was sent, only the error is clean.
      expect(seen.at(-1)).toBe(`Bearer ${TOKEN}`);
    },
  );

  it('ky HTTPError with an API key header: no key in the error', async () => {
    const key = apiKey({ header: 'x-api-key', keys: [KEY] });
    const api = ky.create({ baseUrl: `${url}/`, retry: 0, hooks: authHooks(key) });
    const error = await api.get('500').catch((e: unknown) => e);
    expect(dump(error).includes(KEY)).toBe(false);
    expect(seen.at(-1)).toBe(KEY);
  });

  it('a network error, and a send that throws at once: the request is left without the token', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const api = ky.create({
      baseUrl: `http://127.0.0.1:${port}/`,
      retry: 0,
      hooks: authHooks(auth),
    });
    const error = await api.get('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(dump(error).includes(TOKEN)).toBe(false);
    const request = new Request(`${url}/sync`);
    const thrown = await sendWithAuth(auth, request, () => {
      throw new Error('no socket');
    }).catch((e: unknown) => e);
    expect(thrown).toMatchObject({ message: 'no socket' });
    expect(request.headers.has('authorization')).toBe(false);
  });

  it('a success keeps the credential on the request (nothing to clear)', async () => {
    const request = new Request(`${url}/200`);
    const ok = await sendWithAuth(auth, request, async () => new Response('{}'));
    expect(ok.status).toBe(200);
    expect(request.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
  });
});
