// Bad input on the paths issue 17 added or changed: random headers and bodies only ever end
// in our typed errors, and parsing takes work linear in the input (characters examined by
// string built-ins, counted, not timed: see work.fixture.ts). Runs under both crypto builds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestView } from './body.js';
import { providers, verifyWebhook, WebhookVerificationError } from './index.js';
import { MAX_HEADER_LENGTH, type WebhookScheme } from './scheme.js';
import { measureWork } from './work.fixture.js';

const HEX64 = 'ab'.repeat(32);
const B64_32 = Buffer.alloc(32, 7).toString('base64');
/** A well-formed Twilio signature (20 bytes, HMAC-SHA1): extraction goes on to the form. */
const B64_20 = Buffer.alloc(20, 7).toString('base64');

/** Work to extract the signatures and read the event fields of one request. */
function extractWork(
  scheme: WebhookScheme,
  headers: Record<string, string>,
  body = '{}',
  url?: string,
) {
  const view = new RequestView(headers, url, body);
  return measureWork(() => {
    try {
      scheme.extract(view);
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookVerificationError);
    }
    scheme.event?.({ request: view, json: () => undefined });
  });
}

const HEADER_CASES: Array<[string, WebhookScheme, (n: number) => Record<string, string>]> = [
  [
    'stripe: many v1 entries',
    providers.stripe,
    (n) => ({ 'stripe-signature': `t=1,${`v1=${HEX64},`.repeat(Math.floor(n / 68))}` }),
  ],
  [
    'stripe: many "=" and ","',
    providers.stripe,
    (n) => ({ 'stripe-signature': '=,'.repeat(n / 2) }),
  ],
  [
    'paddle: many h1 entries',
    providers.paddle,
    (n) => ({ 'paddle-signature': `ts=1;${`h1=${HEX64};`.repeat(Math.floor(n / 68))}` }),
  ],
  [
    'standard webhooks: many entries',
    providers['standard-webhooks'],
    (n) => ({
      'webhook-id': 'm',
      'webhook-timestamp': '1',
      'webhook-signature': `v1,${B64_32} `.repeat(Math.floor(n / 48)),
    }),
  ],
  [
    'standard webhooks: entries with trailing junk',
    providers['standard-webhooks'],
    (n) => ({
      'webhook-id': 'm',
      'webhook-timestamp': '1',
      'webhook-signature': `v1,${B64_32},x `.repeat(Math.floor(n / 50)),
    }),
  ],
  [
    'standard webhooks: one entry of commas',
    providers['standard-webhooks'],
    (n) => ({
      'webhook-id': 'm',
      'webhook-timestamp': '1',
      'webhook-signature': `v1${','.repeat(n - 2)}`,
    }),
  ],
  [
    'discord: upper-case junk',
    providers.discord,
    (n) => ({ 'x-signature-ed25519': 'A'.repeat(n), 'x-signature-timestamp': '1' }),
  ],
];

describe('signature headers are parsed in linear time, up to MAX_HEADER_LENGTH', () => {
  it.each(HEADER_CASES)('%s', (_name, scheme, build) => {
    const sizes = [512, 2048, MAX_HEADER_LENGTH - 16];
    const perChar = sizes.map((n) => {
      const headers = build(n);
      const length = Object.values(headers).reduce((sum, v) => sum + v.length, 0);
      return extractWork(scheme, headers) / length;
    });
    for (const w of perChar) expect(w).toBeLessThan(40);
    expect((perChar.at(-1) as number) / (perChar[0] as number)).toBeLessThan(1.5);
  });

  it('refuses an over-long header or URL before parsing it', () => {
    const long = 'v1,'.repeat(100_000);
    const headers = { 'webhook-id': 'm', 'webhook-timestamp': '1', 'webhook-signature': long };
    expect(extractWork(providers['standard-webhooks'], headers)).toBeLessThan(long.length / 10);
    const url = `https://x.test/${'a'.repeat(100_000)}`;
    expect(
      extractWork(providers.twilio, { 'x-twilio-signature': B64_32 }, 'a=1', url),
    ).toBeLessThan(20_000);
  });

  it('Twilio form bodies: work grows linearly with the number of parameters', () => {
    const perChar = [100, 400, 1600].map((n) => {
      const body = Array.from({ length: n }, (_, i) => `p${i % 50}=${i % 7}`).join('&');
      const view = new RequestView({ 'x-twilio-signature': B64_20 }, 'https://x.test/h', body);
      let prefix = '';
      const work = measureWork(() => {
        prefix = providers.twilio.extract(view).prefix;
      });
      // The form was read (not refused at the signature header): every distinct pair is signed.
      expect(prefix).toContain('p00');
      expect(prefix).toContain('p490');
      expect(work).toBeGreaterThan(body.length);
      return work / body.length;
    });
    for (const w of perChar) expect(w).toBeLessThan(40);
    expect((perChar.at(-1) as number) / (perChar[0] as number)).toBeLessThan(1.5);
  });
});

const NAMES = [
  'stripe-signature',
  'paddle-signature',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'svix-id',
  'svix-timestamp',
  'svix-signature',
  'x-hub-signature-256',
  'x-github-event',
  'x-github-delivery',
  'x-shopify-hmac-sha256',
  'x-shopify-topic',
  'x-slack-signature',
  'x-slack-request-timestamp',
  'x-twilio-signature',
  'x-signature-ed25519',
  'x-signature-timestamp',
  'linear-signature',
  'linear-event',
  'x-zm-signature',
  'x-zm-request-timestamp',
  'x-square-hmacsha256-signature',
];
const VALUE = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom(
    `v1,${B64_32}`,
    `v1,${B64_32},x`,
    `t=1,v1=${HEX64}`,
    `ts=1;h1=${HEX64}`,
    HEX64.toUpperCase(),
    'sha256=',
    '1700000000',
  ),
);

describe('random requests only ever end in typed errors (property)', () => {
  it('every built-in provider', async () => {
    const names = Object.keys(providers) as Array<keyof typeof providers>;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.dictionary(fc.constantFrom(...NAMES), VALUE, { maxKeys: 6 }),
        fc.oneof(fc.json(), fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 64 })),
        fc.option(fc.constantFrom('https://x.test:443/h?a=1', 'http://x.test/h', 'not a url', ''), {
          nil: undefined,
        }),
        async (provider, headers, body, url) => {
          const secret =
            provider === 'discord' ? 'ab'.repeat(32) : 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
          try {
            const result = await verifyWebhook(
              { body, headers, url },
              { provider, secret, now: 1_700_000_000_000 },
            );
            for (const key of ['id', 'type', 'action'] as const) {
              expect(result[key] === undefined || typeof result[key] === 'string').toBe(true);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(WebhookVerificationError);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
