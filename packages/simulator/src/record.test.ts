import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatorOptionsError } from './errors.js';
import { createProvider } from './provider.js';
import { createRecorder, type Fixture } from './record.js';
import { REDACTED, redactBody, redactHeaders, redactPath } from './redact.js';
import { checkFixtureDrift, replayFixture } from './replay.js';
import { shapeDiff, shapeOf } from './shape.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Records a short session against a simulated provider (standing in for the real API). */
async function recordSession(file?: string) {
  const real = await createProvider({ rateLimit: false, oauth: true, preset: 'github' });
  cleanups.push(() => real.close());
  const recorder = await createRecorder({ target: real.url, file, redact: { fields: ['email'] } });
  const token = (await (
    await fetch(`${recorder.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=sim-client&client_secret=sim-secret',
    })
  ).json()) as { access_token: string };
  const auth = {
    authorization: `Bearer ${token.access_token}`,
    'content-type': 'application/json',
  };
  const created = await fetch(`${recorder.url}/repos?api_key=k1`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ name: 'hello', email: 'a@b.c', nested: { client_secret: 's', n: 1 } }),
  });
  const repo = (await created.json()) as { id: string };
  await fetch(`${recorder.url}/repos/${repo.id}`, { headers: auth });
  const fixture = await recorder.close();
  return { real, fixture, token: token.access_token, repo, auth };
}

describe('record', () => {
  it('records through the proxy with secrets redacted, and writes the fixture file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brace-sim-record-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'fixture.json');
    const { fixture, token } = await recordSession(file);
    const text = await readFile(file, 'utf8');
    expect(JSON.parse(text)).toEqual(fixture);
    expect(text).not.toContain(token);
    expect(text).not.toContain('sim-secret');
    expect(text).not.toContain('a@b.c');
    expect(
      fixture.interactions.map((i) => `${i.request.method} ${i.request.path} ${i.response.status}`),
    ).toEqual([
      'POST /oauth/token 200',
      `POST /repos?api_key=${encodeURIComponent(REDACTED)} 201`,
      'GET /repos/rep_000001 200',
    ]);
    const [tokenCall, create] = fixture.interactions;
    expect(tokenCall?.request.body).toContain(`client_secret=${encodeURIComponent(REDACTED)}`);
    expect(JSON.parse(tokenCall?.response.body ?? '')).toMatchObject({
      access_token: REDACTED,
      token_type: 'Bearer',
    });
    expect(create?.request.headers.authorization).toBe(REDACTED);
    expect(JSON.parse(create?.request.body ?? '')).toEqual({
      name: 'hello',
      email: REDACTED,
      nested: { client_secret: REDACTED, n: 1 },
    });
    expect(create?.response.headers['x-ratelimit-resource']).toBeUndefined();
  });

  it('creates the fixture folder when it does not exist (the README writes fixtures/github.json)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brace-sim-record-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'fixtures', 'nested', 'api.json');
    await recordSession(file);
    const written = JSON.parse(await readFile(file, 'utf8')) as Fixture;
    expect(written.version).toBe(1);
    expect(written.interactions.length).toBeGreaterThan(0);
  });

  it('answers 502 when the target does not answer, and refuses a bad target', async () => {
    const recorder = await createRecorder({ target: 'http://127.0.0.1:9' });
    cleanups.push(() => recorder.close());
    expect((await fetch(`${recorder.url}/x`)).status).toBe(502);
    await expect(createRecorder({ target: 'nope' })).rejects.toThrow(SimulatorOptionsError);
  });
});

describe('replay', () => {
  it('serves the recording offline, by method, path and body, in recorded order', async () => {
    const { real, fixture, repo } = await recordSession();
    await real.close();
    const replay = await replayFixture({ fixture });
    cleanups.push(() => replay.close());
    const read = await fetch(`${replay.url}/repos/${repo.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: repo.id, name: 'hello' });
    const again = await fetch(`${replay.url}/repos/${repo.id}`);
    expect(again.status).toBe(200);
    expect((await fetch(`${replay.url}/unrecorded`)).status).toBe(404);
  });

  it('replay matches requests whose query or body secrets were redacted at recording', async () => {
    const { real, fixture, repo } = await recordSession();
    await real.close();
    const replay = await replayFixture({ fixture });
    cleanups.push(() => replay.close());
    // The same call the client made while recording, with its real api_key and client_secret.
    const again = await fetch(`${replay.url}/repos?api_key=k1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'hello', email: 'a@b.c', nested: { client_secret: 's', n: 1 } }),
    });
    expect(again.status).toBe(201);
    expect(await again.json()).toMatchObject({ id: repo.id });
    const token = await fetch(`${replay.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=sim-client&client_secret=sim-secret',
    });
    expect(token.status).toBe(200);
  });

  it('replay survives a client that goes away mid-body (no unhandled rejection)', async () => {
    const replay = await replayFixture({
      fixture: { version: 1, target: 'http://x', interactions: [] },
    });
    cleanups.push(() => replay.close());
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const socket = connect(Number(new URL(replay.url).port), '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write('POST /x HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nabc');
      await new Promise((resolve) => setTimeout(resolve, 20));
      socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(rejections).toEqual([]);
      expect((await fetch(`${replay.url}/x`)).status).toBe(404); // still serving
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('reads fixture files and refuses anything else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brace-sim-replay-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const fixture: Fixture = {
      version: 1,
      target: 'http://x',
      interactions: [
        {
          request: { method: 'POST', path: '/a', headers: {}, body: '1' },
          response: { status: 201, headers: {}, body: 'one' },
        },
        {
          request: { method: 'POST', path: '/a', headers: {}, body: '2' },
          response: { status: 202, headers: {}, body: 'two' },
        },
      ],
    };
    await writeFile(join(dir, 'f.json'), JSON.stringify(fixture));
    const replay = await replayFixture({ fixture: join(dir, 'f.json') });
    cleanups.push(() => replay.close());
    expect(await (await fetch(`${replay.url}/a`, { method: 'POST', body: '2' })).text()).toBe(
      'two',
    );
    expect(await (await fetch(`${replay.url}/a`, { method: 'POST', body: '3' })).text()).toBe(
      'one',
    );
    await writeFile(join(dir, 'bad.json'), '{"version":2}');
    await expect(replayFixture({ fixture: join(dir, 'bad.json') })).rejects.toThrow(
      SimulatorOptionsError,
    );
  });

  it('reports every answer whose status or shape drifted from the recording', async () => {
    const { fixture, token, real } = await recordSession();
    // The same API later: same data, but fields renamed, removed and retyped.
    const later = await createProvider({
      rateLimit: false,
      oauth: true,
      preset: 'github',
      drift: [{ after: 0, rename: { name: 'full_name' }, retype: { nested: 'string' } }],
    });
    cleanups.push(() => later.close());
    expect(
      await checkFixtureDrift({
        fixture,
        target: real.url,
        headers: { authorization: `Bearer ${token}` },
        credentials: { api_key: 'k', email: 'a@example.com', client_secret: 'sim-secret' },
        skip: (i) => i.request.path === '/oauth/token',
      }),
    ).toEqual([]);
    const fresh = later.oauth?.issue('sim-client').access_token;
    // Without substitutes, the interactions holding redacted values are not replayed.
    const skipped: string[] = [];
    const partial = await checkFixtureDrift({
      fixture,
      target: later.url,
      headers: { authorization: `Bearer ${fresh}` },
      onSkipped: (i, missing) => skipped.push(`${i.request.method} ${missing.join(', ')}`),
    });
    expect(skipped).toEqual([
      'POST field client_secret',
      'POST query api_key, field email, field client_secret',
    ]);
    expect(partial.map((d) => d.path)).toEqual(['/repos/rep_000001']);
    const drift = await checkFixtureDrift({
      fixture,
      target: later.url,
      headers: { authorization: `Bearer ${fresh}` },
      credentials: { client_secret: 'sim-secret', API_KEY: 'k', email: 'a@example.com' },
      skip: (i) => i.request.path === '/oauth/token', // it takes no bearer token
      onSkipped: () => expect.unreachable('every redacted value has a substitute'),
    });
    // The token request, sent with the real client secret, answers as recorded: no false drift.
    const tokenOnly = await checkFixtureDrift({
      fixture,
      target: later.url,
      credentials: { client_secret: 'sim-secret' },
      skip: (i) => i.request.path !== '/oauth/token',
    });
    expect(tokenOnly).toEqual([]);
    expect(drift.map((d) => [d.method, d.path, d.differences])).toEqual([
      [
        'POST',
        `/repos?api_key=${encodeURIComponent(REDACTED)}`,
        ['$.name: removed', '$.nested: object → string', '$.full_name: added'],
      ],
      [
        'GET',
        '/repos/rep_000001',
        ['$.name: removed', '$.nested: object → string', '$.full_name: added'],
      ],
    ]);
  });
});

describe('redaction and shapes', () => {
  it('redacts headers, bodies and queries by name', () => {
    expect(
      redactHeaders(
        { Authorization: 'x', 'x-api-key': 'k', 'x-shop-token': 't', accept: 'a', 'x-mine': 'm' },
        { headers: ['X-Mine'] },
      ),
    ).toEqual({
      Authorization: REDACTED,
      'x-api-key': REDACTED,
      'x-shop-token': REDACTED,
      accept: 'a',
      'x-mine': REDACTED,
    });
    expect(
      redactBody('{"author":"a","password":"p","list":[{"token":1}]}', 'application/json'),
    ).toBe(`{"author":"a","password":"${REDACTED}","list":[{"token":"${REDACTED}"}]}`);
    expect(redactBody('not json', 'application/json')).toBe('not json');
    expect(redactBody('plain', 'text/plain')).toBe('plain');
    expect(redactBody('', 'application/json')).toBe('');
    expect(redactPath('/a')).toBe('/a');
    expect(redactPath('/a?q=1&access_token=x')).toBe(
      `/a?q=1&access_token=${encodeURIComponent(REDACTED)}`,
    );
  });

  it('redacts the API keys Google, Trello and AWS-style APIs send by name', () => {
    expect(redactPath('/maps?key=AIzaSy123&q=x')).toBe(
      `/maps?key=${encodeURIComponent(REDACTED)}&q=x`,
    );
    expect(
      JSON.parse(
        redactBody(
          '{"access_key":"AKIA1","private_key":"-----BEGIN","public_key":"pk","idempotency_key":"i"}',
          'application/json',
        ),
      ),
    ).toEqual({
      access_key: REDACTED,
      private_key: REDACTED,
      public_key: 'pk',
      idempotency_key: 'i',
    });
  });

  it('redacts every value under a secret name, in arrays and objects too', () => {
    const body = JSON.stringify({
      api_keys: ['sk_live_1', 'sk_live_2'],
      credentials: { user: 'u', pass: 'p', ttl: 60, active: true, note: null },
      refresh_tokens: [{ value: 'rt_1' }],
      name: 'kept',
    });
    const redacted = redactBody(body, 'application/json');
    expect(redacted).not.toMatch(/sk_live|rt_1|"u"|"p"/);
    expect(JSON.parse(redacted)).toEqual({
      api_keys: [REDACTED, REDACTED],
      credentials: { user: REDACTED, pass: REDACTED, ttl: REDACTED, active: true, note: null },
      refresh_tokens: [{ value: REDACTED }],
      name: 'kept',
    });
    let deep: unknown = { token: 'x' };
    for (let i = 0; i < 70; i++) deep = { a: deep };
    expect(redactBody(JSON.stringify(deep), 'application/json')).not.toContain('"x"');
  });

  it('diffs shapes through arrays and nested objects', () => {
    expect(shapeOf({ a: [1], b: null, c: [] })).toEqual({ a: ['number'], b: 'null', c: [] });
    expect(
      shapeDiff(shapeOf({ a: [{ x: 1 }], c: [] }), shapeOf({ a: [{ x: '1' }], c: [2] })),
    ).toEqual(['$.a[].x: number → string']);
    expect(shapeDiff(shapeOf([1]), shapeOf({}))).toEqual(['$: array → object']);
    expect(shapeDiff('string', 'string')).toEqual([]);
  });
});
