// Adversarial review: reproductions of suspected weaknesses, run under both crypto builds.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { webhookReceiver } from './fetch.js';
import {
  ed25519PublicKey,
  type ProviderName,
  providers,
  signWebhook,
  verifyWebhook,
  WebhookOptionsError,
  WebhookPayloadError,
} from './index.js';

const NOW = 1_700_000_000;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const whsec = `whsec_${b64(new Uint8Array(24).fill(3))}`;

/** `bytes` placed at an odd offset inside a larger buffer full of junk (like a pooled Buffer). */
function view(bytes: Uint8Array): Uint8Array {
  const backing = new Uint8Array(bytes.length + 16).fill(0xaa);
  backing.set(bytes, 7);
  return backing.subarray(7, 7 + bytes.length);
}

describe('an unusable clock never turns the replay window off', () => {
  const bad: Array<[string, number | Date | (() => number)]> = [
    ['NaN', Number.NaN],
    ['an invalid Date', new Date('not a date')],
    ['a function returning NaN', () => Number.NaN],
  ];
  for (const [label, now] of bad) {
    it(`${label}: a years-old delivery is refused`, async () => {
      const body = '{"id":"evt_1"}';
      for (const provider of ['standard-webhooks', 'stripe', 'slack'] as const) {
        const secret = provider === 'standard-webhooks' ? whsec : 's';
        const signed = await signWebhook({ provider, secret, body, timestamp: 1_000 });
        await expect(
          verifyWebhook({ body, headers: signed.headers }, { provider, secret, now }),
        ).rejects.toThrow(WebhookOptionsError);
      }
      const linearBody = '{"webhookTimestamp":1000}';
      const linear = await signWebhook({ provider: 'linear', secret: 's', body: linearBody });
      await expect(
        verifyWebhook(
          { body: linearBody, headers: linear.headers },
          { provider: 'linear', secret: 's', now },
        ),
      ).rejects.toThrow(/`now`/);
    });
  }

  it('a fixed bad `now` is refused when a receiver is built', () => {
    for (const now of [Number.NaN, new Date(Number.NaN), Number.POSITIVE_INFINITY]) {
      expect(() =>
        webhookReceiver({ provider: 'github', secret: 's', now }, () => undefined),
      ).toThrow(WebhookOptionsError);
    }
  });
});

describe('errors never carry the payload', () => {
  it('parse: true on a non-JSON body: neither the error nor its cause quotes the body', async () => {
    const body = '{"email":"alice@example.com","card":"4242424242424242","cvc":}';
    const signed = await signWebhook({ provider: 'github', secret: 's', body, id: 'd1' });
    const error = await verifyWebhook(
      { body, headers: signed.headers },
      { provider: 'github', secret: 's', parse: true },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookPayloadError);
    expect((error as WebhookPayloadError).cause).toBeInstanceOf(SyntaxError);
    const everything = inspect(error, { depth: 10 }) + JSON.stringify(error);
    for (const part of ['4242', 'alice', 'example.com', 'cvc']) {
      expect(everything).not.toContain(part);
    }
  });
});

describe('bodies as views into larger buffers (pooled Node Buffers)', () => {
  it('only the viewed bytes are verified, for HMAC, Ed25519 and a body hash', async () => {
    const raw = new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d, 0xff, 0x00]);
    const seed = new Uint8Array(32).fill(4);
    const cases: Array<{ provider: ProviderName; sign: string; verify: string; url?: string }> = [
      { provider: 'github', sign: 's', verify: 's' },
      { provider: 'standard-webhooks', sign: whsec, verify: whsec },
      {
        provider: 'standard-webhooks',
        sign: `whsk_${b64(seed)}`,
        verify: `whpk_${b64(await ed25519PublicKey(seed))}`,
      },
      { provider: 'discord', sign: hex(seed), verify: hex(await ed25519PublicKey(seed)) },
      {
        provider: 'twilio',
        sign: 't',
        verify: 't',
        url: `https://x.test/h?bodySHA256=${hex(new Uint8Array(await crypto.subtle.digest('SHA-256', raw)))}`,
      },
    ];
    for (const c of cases) {
      const signed = await signWebhook({
        provider: c.provider,
        secret: c.sign,
        body: raw,
        timestamp: NOW,
        url: c.url,
      });
      const options = { provider: c.provider, secret: c.verify, now: NOW * 1000, url: c.url };
      for (const body of [view(raw), Buffer.from(raw), raw.slice().buffer]) {
        await expect(
          verifyWebhook({ body, headers: signed.headers }, options),
          `${c.provider} ${body.constructor.name}`,
        ).resolves.toMatchObject({ provider: c.provider });
      }
      // The bytes around the view are never read: a view one byte wider fails.
      const wider = new Uint8Array(raw.length + 1);
      wider.set(raw);
      await expect(
        verifyWebhook({ body: wider, headers: signed.headers }, options),
      ).rejects.toThrow();
    }
  });
});

describe('truncated and empty signatures', () => {
  const signatureHeader: Record<ProviderName, string> = {
    'standard-webhooks': 'webhook-signature',
    svix: 'svix-signature',
    stripe: 'stripe-signature',
    github: 'x-hub-signature-256',
    shopify: 'x-shopify-hmac-sha256',
    slack: 'x-slack-signature',
    twilio: 'x-twilio-signature',
    paddle: 'paddle-signature',
    linear: 'linear-signature',
    square: 'x-square-hmacsha256-signature',
    zoom: 'x-zm-signature',
    discord: 'x-signature-ed25519',
  };
  for (const provider of Object.keys(providers) as ProviderName[]) {
    it(`${provider}: a signature cut short (or emptied after its prefix) never verifies`, async () => {
      const seed = new Uint8Array(32).fill(6);
      const sign =
        provider === 'discord'
          ? hex(seed)
          : provider === 'standard-webhooks' || provider === 'svix'
            ? whsec
            : 's';
      const verify = provider === 'discord' ? hex(await ed25519PublicKey(seed)) : sign;
      const body = provider === 'linear' ? `{"webhookTimestamp":${NOW * 1000}}` : '{"a":1}';
      const url = 'https://x.test/hook';
      const signed = await signWebhook({ provider, secret: sign, body, timestamp: NOW, url });
      const name = signatureHeader[provider];
      const full = signed.headers[name]!;
      const options = { provider, secret: verify, now: NOW * 1000, url };
      await expect(
        verifyWebhook({ body, headers: signed.headers }, options),
      ).resolves.toBeDefined();
      // Every proper prefix of the header value: shorter signatures, bare prefixes, empty.
      for (let length = 0; length < full.length; length++) {
        const headers = { ...signed.headers, [name]: full.slice(0, length) };
        await expect(
          verifyWebhook({ body, headers }, options),
          `${provider} cut to ${length}`,
        ).rejects.toMatchObject({ name: 'WebhookVerificationError' });
      }
    });
  }
});

describe('duplicated signature headers (Headers.append / Node arrays)', () => {
  it('standard-webhooks: a second webhook-signature line joins the list; any valid entry passes', async () => {
    const body = '{"a":1}';
    const signed = await signWebhook({
      provider: 'standard-webhooks',
      secret: whsec,
      body,
      timestamp: NOW,
      id: 'm1',
    });
    const good = signed.headers['webhook-signature']!;
    const bad = `v1,${b64(new Uint8Array(32))}`;
    const headers = new Headers(signed.headers);
    headers.set('webhook-signature', bad);
    headers.append('webhook-signature', good);
    const options = { provider: 'standard-webhooks' as const, secret: whsec, now: NOW * 1000 };
    await expect(verifyWebhook({ body, headers }, options)).resolves.toMatchObject({ id: 'm1' });
    await expect(
      verifyWebhook(
        { body, headers: { ...signed.headers, 'webhook-signature': [bad, good] } },
        options,
      ),
    ).resolves.toMatchObject({ id: 'm1' });
    await expect(
      verifyWebhook(
        { body, headers: { ...signed.headers, 'webhook-signature': [bad, bad] } },
        options,
      ),
    ).rejects.toMatchObject({ code: 'NO_MATCHING_SIGNATURE' });
  });
});

describe('delivery ids of providers without a signed timestamp', () => {
  it('github: X-GitHub-Delivery is not signed, so a captured delivery verifies under a new id', async () => {
    // Documented in the README: dedupe on these ids stops provider retries, not a deliberate replay.
    const body = '{"action":"opened"}';
    const signed = await signWebhook({ provider: 'github', secret: 's', body, id: 'original' });
    const replayed = { ...signed.headers, 'x-github-delivery': 'attacker-chosen' };
    await expect(
      verifyWebhook({ body, headers: replayed }, { provider: 'github', secret: 's' }),
    ).resolves.toMatchObject({ id: 'attacker-chosen' });
  });
});
