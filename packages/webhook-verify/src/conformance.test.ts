// Issue 17: where Brace disagreed with the providers' official libraries (twilio-node,
// standardwebhooks, paddle-node-sdk, discord-interactions). Each signature below is made the
// way the provider's own library makes or checks it, with node:crypto, not with signWebhook.
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import { signWebhook, verifyWebhook, WebhookVerificationError } from './index.js';

const hmac = (algorithm: string, key: string | Buffer, text: string, encoding: 'hex' | 'base64') =>
  createHmac(algorithm, key).update(text, 'utf8').digest(encoding);

async function rejection(promise: Promise<unknown>): Promise<WebhookVerificationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookVerificationError);
  return error as WebhookVerificationError;
}

describe('twilio, as twilio-node validates', () => {
  const token = '12345';
  const form = 'CallSid=CA1234567890ABCDE&To=%2B18005551212&Digits=1234&Digits=1234&Digits=9';

  it('counts a parameter repeated with the same value once (values deduplicated, sorted)', async () => {
    const url = 'https://mycompany.com/myapp';
    // twilio-node: Array.from(new Set(values)).sort() per key, keys sorted.
    const signed = `${url}CallSidCA1234567890ABCDEDigits1234Digits9To+18005551212`;
    const headers = { 'x-twilio-signature': hmac('sha1', token, signed, 'base64') };
    await expect(
      verifyWebhook({ body: form, headers, url }, { provider: 'twilio', secret: token }),
    ).resolves.toMatchObject({ provider: 'twilio' });
    // Counting the repeat twice is not what Twilio signs.
    const twice = `${url}CallSidCA1234567890ABCDEDigits1234Digits1234Digits9To+18005551212`;
    const bad = { 'x-twilio-signature': hmac('sha1', token, twice, 'base64') };
    await rejection(
      verifyWebhook({ body: form, headers: bad, url }, { provider: 'twilio', secret: token }),
    );
  });

  it.each([
    [
      'signed with :443, configured without',
      'https://example.com:443/hook?x=1',
      'https://example.com/hook?x=1',
    ],
    [
      'signed without, configured with :443',
      'https://example.com/hook?x=1',
      'https://example.com:443/hook?x=1',
    ],
    ['http, signed with :80', 'http://example.com:80/hook', 'http://example.com/hook'],
    ['http, configured with :80', 'http://example.com/hook', 'http://example.com:80/hook'],
  ])('tries the URL with and without the default port: %s', async (_name, signedUrl, url) => {
    const body = 'A=1';
    const headers = { 'x-twilio-signature': hmac('sha1', token, `${signedUrl}A1`, 'base64') };
    await expect(
      verifyWebhook({ body, headers, url }, { provider: 'twilio', secret: token }),
    ).resolves.toMatchObject({ provider: 'twilio' });
  });

  it('still refuses another port, another host, and a bodySHA256 URL with the port changed', async () => {
    const body = 'A=1';
    const signedFor = (u: string) => ({
      'x-twilio-signature': hmac('sha1', token, `${u}A1`, 'base64'),
    });
    const url = 'https://example.com/hook';
    for (const other of ['https://example.com:8443/hook', 'https://example.org/hook']) {
      const error = await rejection(
        verifyWebhook(
          { body, headers: signedFor(other), url },
          { provider: 'twilio', secret: token },
        ),
      );
      expect(error.code).toBe('NO_MATCHING_SIGNATURE');
    }
    // JSON bodies: the URL carries bodySHA256; both port forms verify, the body is still checked.
    const json = '{"a":1}';
    const sha = createHash('sha256').update(json).digest('hex');
    const withPort = `https://example.com:443/hook?bodySHA256=${sha}`;
    const headers = { 'x-twilio-signature': hmac('sha1', token, withPort, 'base64') };
    await expect(
      verifyWebhook(
        { body: json, headers, url: `https://example.com/hook?bodySHA256=${sha}` },
        { provider: 'twilio', secret: token },
      ),
    ).resolves.toMatchObject({ provider: 'twilio' });
    await rejection(
      verifyWebhook(
        { body: '{"a":2}', headers, url: `https://example.com/hook?bodySHA256=${sha}` },
        { provider: 'twilio', secret: token },
      ),
    );
  });

  it('verifies any form signed the twilio-node way, whatever the repeats and port (property)', async () => {
    const key = fc.constantFrom('A', 'B', 'Body', 'From', 'To', 'a', 'Ä');
    const value = fc.string({ maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(key, value), { maxLength: 8 }),
        fc.constantFrom(
          'https://h.test',
          'https://h.test:443',
          'http://h.test',
          'http://h.test:80',
        ),
        fc.boolean(),
        async (pairs, origin, signWithPort) => {
          const body = new URLSearchParams(pairs).toString();
          // An independent rendering of twilio-node's rule: keys sorted, each key's distinct
          // values sorted, URL with the default port and without it.
          const byKey = new Map<string, Set<string>>();
          for (const [k, v] of pairs) byKey.set(k, (byKey.get(k) ?? new Set()).add(v));
          let params = '';
          for (const k of [...byKey.keys()].sort()) {
            for (const v of [...(byKey.get(k) as Set<string>)].sort()) params += k + v;
          }
          const bare = origin.replace(/:(443|80)$/, '');
          const port = origin.startsWith('https') ? ':443' : ':80';
          const signedUrl = `${signWithPort ? bare + port : bare}/hook`;
          const headers = {
            'x-twilio-signature': hmac('sha1', token, signedUrl + params, 'base64'),
          };
          await expect(
            verifyWebhook(
              { body, headers, url: `${origin}/hook` },
              { provider: 'twilio', secret: token },
            ),
          ).resolves.toMatchObject({ provider: 'twilio' });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('verifies a URL that is not absolute exactly as given (no port variants)', async () => {
    const url = '/relative/hook';
    const headers = { 'x-twilio-signature': hmac('sha1', token, `${url}A1`, 'base64') };
    await expect(
      verifyWebhook({ body: 'A=1', headers, url }, { provider: 'twilio', secret: token }),
    ).resolves.toMatchObject({ provider: 'twilio' });
  });

  it('refuses an overlong URL before any work', async () => {
    const url = `https://example.com/${'a'.repeat(9000)}`;
    const error = await rejection(
      verifyWebhook(
        { body: 'A=1', headers: { 'x-twilio-signature': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }, url },
        { provider: 'twilio', secret: token },
      ),
    );
    expect(error.code).toBe('MALFORMED_HEADER');
  });
});

describe('standard webhooks, as the reference libraries verify', () => {
  const NOW = 1_700_000_000;
  const body = '{"type":"user.created"}';
  const sign = (key: Buffer, id = 'msg_1') =>
    `v1,${hmac('sha256', key, `${id}.${NOW}.${body}`, 'base64')}`;

  it('accepts a secret whose base64 has non-zero padding bits', async () => {
    const canonical = 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    // "QUJDRA==" is "ABCD"; in "QUJDRB==" the low 4 bits of "B" are padding bits, and set.
    const loose = 'QUJDRB==';
    for (const text of [canonical, loose]) {
      const key = Buffer.from(text, 'base64'); // Node, like the reference libraries, ignores them
      const headers = {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(NOW),
        'webhook-signature': sign(key),
      };
      await expect(
        verifyWebhook(
          { body, headers },
          { provider: 'standard-webhooks', secret: `whsec_${text}`, now: NOW * 1000 },
        ),
      ).resolves.toMatchObject({ id: 'msg_1', type: 'user.created' });
    }
  });

  it('verifies what the standardwebhooks library signs with such a secret', async () => {
    const secret = 'whsec_QUJDRB==';
    const reference = new StandardWebhook(secret);
    const signature = reference.sign('msg_2', new Date(NOW * 1000), body);
    const headers = {
      'webhook-id': 'msg_2',
      'webhook-timestamp': String(NOW),
      'webhook-signature': signature,
    };
    await expect(
      verifyWebhook({ body, headers }, { provider: 'standard-webhooks', secret, now: NOW * 1000 }),
    ).resolves.toMatchObject({ id: 'msg_2' });
  });

  it('refuses a signature entry with trailing junk (v1,<sig>,extra)', async () => {
    const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(NOW),
      'webhook-signature': `${sign(key)},extra`,
    };
    const error = await rejection(
      verifyWebhook(
        { body, headers },
        {
          provider: 'standard-webhooks',
          secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
          now: NOW * 1000,
        },
      ),
    );
    expect(error.code).toBe('MALFORMED_HEADER');
    // The Python reference library refuses it; the JS libraries (standardwebhooks, and svix
    // too) read only the first two fields and accept it. Brace is stricter than them here, as
    // the README's "stricter than the official SDK" table says.
    vi.useFakeTimers({ now: NOW * 1000, toFake: ['Date'] });
    try {
      expect(() =>
        new StandardWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').verify(body, headers),
      ).not.toThrow();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('paddle, as paddle-node-sdk compares (milliseconds)', () => {
  const secret = 'pdl_ntfset_secret';
  const ts = 1_700_000_000;
  const body = '{"event_id":"evt_01","event_type":"transaction.completed"}';
  const headers = {
    'paddle-signature': `ts=${ts};h1=${hmac('sha256', secret, `${ts}:${body}`, 'hex')}`,
  };
  const at = (nowMs: number) =>
    verifyWebhook({ body, headers }, { provider: 'paddle', secret, now: nowMs });

  it('accepts up to exactly 5000 ms, refuses 5001 ms (and 5.5 s, which is 5 s in whole seconds)', async () => {
    await expect(at(ts * 1000 + 5000)).resolves.toMatchObject({
      id: 'evt_01',
      type: 'transaction.completed',
    });
    expect((await rejection(at(ts * 1000 + 5001))).code).toBe('TIMESTAMP_TOO_OLD');
    expect((await rejection(at(ts * 1000 + 5500))).code).toBe('TIMESTAMP_TOO_OLD');
    // A wider window is honoured in milliseconds too.
    await expect(
      verifyWebhook(
        { body, headers },
        { provider: 'paddle', secret, now: ts * 1000 + 9000, toleranceSec: 10 },
      ),
    ).resolves.toBeDefined();
    await expect(
      verifyWebhook(
        { body, headers },
        {
          provider: 'paddle',
          secret,
          now: ts * 1000 + 1e9,
          toleranceSec: Number.POSITIVE_INFINITY,
        },
      ),
    ).resolves.toBeDefined();
  });
});

describe('discord, as discord-interactions parses hex', () => {
  it('accepts an upper-case hex signature', async () => {
    const seed = new Uint8Array(32).fill(7);
    const { ed25519PublicKey } = await import('./index.js');
    const publicKey = Buffer.from(await ed25519PublicKey(seed)).toString('hex');
    const body = '{"id":"123","type":1}';
    const signed = await signWebhook({
      provider: 'discord',
      secret: Buffer.from(seed).toString('hex'),
      body,
      timestamp: 1_700_000_000,
    });
    const upper = {
      ...signed.headers,
      'x-signature-ed25519': (signed.headers['x-signature-ed25519'] as string).toUpperCase(),
    };
    await expect(
      verifyWebhook(
        { body, headers: upper },
        { provider: 'discord', secret: publicKey.toUpperCase() },
      ),
    ).resolves.toMatchObject({ provider: 'discord', id: '123', type: '1' });
  });
});
