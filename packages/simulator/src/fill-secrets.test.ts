import { afterEach, describe, expect, it } from 'vitest';
import { fillSecrets } from './fill-secrets.js';
import type { Fixture, Interaction } from './record.js';
import { REDACTED } from './redact.js';
import { checkFixtureDrift } from './replay.js';
import { type RunningServer, serveFetch } from './serve.js';

const R = encodeURIComponent(REDACTED);
const open: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const request = (over: Partial<Interaction['request']>): Interaction['request'] => ({
  method: 'POST',
  path: '/',
  headers: {},
  body: '',
  ...over,
});

describe('fillSecrets', () => {
  it('fills headers, query parameters, form and JSON fields by name, case-insensitively', () => {
    const filled = fillSecrets(
      request({
        path: `/x?api_key=${R}&q=a+b`,
        headers: {
          'x-api-key': REDACTED,
          cookie: REDACTED,
          accept: 'json',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ client: { secret: REDACTED }, tokens: [REDACTED], n: 1 }),
      }),
      { API_KEY: 'k1', 'X-Api-Key': 'h1', secret: 's1', tokens: 't1' },
      { Cookie: 'c=1' },
    );
    expect(filled).toEqual({
      path: '/x?api_key=k1&q=a+b',
      headers: { 'x-api-key': 'h1', accept: 'json', 'content-type': 'application/json' },
      body: '{"client":{"secret":"s1"},"tokens":["t1"],"n":1}',
      missing: [],
    });
  });

  it('names what stays redacted, once each, and leaves unredacted requests untouched', () => {
    const form = fillSecrets(
      request({
        path: `/t?access_token=${R}`,
        headers: { authorization: REDACTED, 'content-type': 'application/x-www-form-urlencoded' },
        body: `client_secret=${R}&client_secret=${R}&grant_type=x`,
      }),
      {},
      {},
    );
    expect(form.missing).toEqual([
      'header authorization',
      'query access_token',
      'field client_secret',
    ]);
    const plain = request({ path: '/p?q=%7E', body: 'hello' });
    expect(fillSecrets(plain, { q: 'x' }, {})).toEqual({
      path: plain.path,
      headers: {},
      body: plain.body,
      missing: [],
    });
    const text = request({ headers: { 'content-type': 'text/plain' }, body: `a ${REDACTED}` });
    expect(fillSecrets(text, {}, {}).missing).toEqual(['body']);
    const broken = request({
      headers: { 'content-type': 'application/json' },
      body: `{${REDACTED}`,
    });
    expect(fillSecrets(broken, {}, {}).missing).toEqual(['body']);
  });
});

describe('checkFixtureDrift with redacted recordings', () => {
  it('never sends [REDACTED]: substitutes credentials, skips what it cannot fill', async () => {
    const seen: string[] = [];
    const target = await serveFetch(async (req) => {
      const body = await req.text();
      seen.push(
        `${req.method} ${new URL(req.url).pathname}${new URL(req.url).search} ${req.headers.get('authorization')} ${body}`,
      );
      return Response.json({ ok: true });
    });
    open.push(target);
    const ok = { status: 200, headers: {}, body: '{"ok":true}' };
    const fixture: Fixture = {
      version: 1,
      target: 'https://api.example',
      interactions: [
        {
          request: request({
            path: `/charge?api_key=${R}`,
            headers: {
              authorization: REDACTED,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: `amount=1&client_secret=${R}`,
          }),
          response: ok,
        },
        { request: request({ path: '/open', body: 'x=1' }), response: { ...ok, status: 201 } },
        {
          request: request({ path: '/needs-cookie', headers: { cookie: REDACTED } }),
          response: ok,
        },
      ],
    };
    const skipped: string[][] = [];
    const drift = await checkFixtureDrift({
      fixture,
      target: target.url,
      headers: { Authorization: 'Bearer live' },
      credentials: { api_key: 'key-1', client_secret: 'sec-1' },
      onSkipped: (_, missing) => skipped.push(missing),
    });
    expect(seen).toEqual([
      'POST /charge?api_key=key-1 Bearer live amount=1&client_secret=sec-1',
      'POST /open Bearer live x=1',
    ]);
    expect(seen.join('\n')).not.toContain('REDACTED');
    expect(skipped).toEqual([['header cookie']]);
    expect(drift).toEqual([
      {
        method: 'POST',
        path: '/open',
        recordedStatus: 201,
        liveStatus: 200,
        differences: ['status 201 → 200'],
      },
    ]);
  });
});
