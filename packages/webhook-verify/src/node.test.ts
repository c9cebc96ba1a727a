import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  defineScheme,
  signWebhook,
  stripe as stripeScheme,
  verifyWebhook,
  WebhookOptionsError,
  WebhookPayloadError,
  WebhookVerificationError,
} from './index.js';
import { verifyWebhookSync } from './node.js';

const NODE = process.env.WEBHOOK_VERIFY_BACKEND !== 'web';
const NOW = 1_700_000_000;
const SECRET = 'whsec_sync';

// Each backend project runs the block that applies to it (no skipped tests).
if (NODE)
  describe('verifyWebhookSync (node build)', () => {
    it('returns the verified webhook synchronously, as verifyWebhook resolves it', async () => {
      const body = '{"id":"evt_1","type":"invoice.paid"}';
      const signed = await signWebhook({
        provider: 'stripe',
        secret: SECRET,
        body,
        timestamp: NOW,
      });
      const options = { provider: 'stripe' as const, secret: SECRET, now: NOW * 1000, parse: true };
      const result = verifyWebhookSync<{ id: string }>({ body, headers: signed.headers }, options);
      expect(result).not.toBeInstanceOf(Promise);
      expect(result).toEqual(await verifyWebhook({ body, headers: signed.headers }, options));
      expect(result).toMatchObject({ id: 'evt_1', type: 'invoice.paid', payload: { id: 'evt_1' } });
    });

    it('agrees with stripe.webhooks.constructEvent (also synchronous), tampered cases included', () => {
      const stripe = new Stripe('sk_test_x');
      const now = Date.now();
      fc.assert(
        fc.property(
          fc.string({ minLength: 1, maxLength: 30 }),
          fc.nat({ max: 400 }),
          fc.constantFrom('none', 'body', 'secret', 'old'),
          (raw, n, tamper) => {
            const secret = `whsec_${raw}`;
            const payload = JSON.stringify({ id: `evt_${n}`, type: 'charge.succeeded' });
            const ts = Math.floor(now / 1000) - (tamper === 'old' ? 301 + n : n % 300);
            const header = stripe.webhooks.generateTestHeaderString({
              payload,
              secret,
              timestamp: ts,
            });
            const body = tamper === 'body' ? `${payload} ` : payload;
            const key = tamper === 'secret' ? `${secret}x` : secret;
            let theirs: { id: string; type: string } | undefined;
            try {
              theirs = stripe.webhooks.constructEvent(body, header, key, 300, undefined, now);
            } catch {}
            let ours: { id?: string; type?: string } | undefined;
            try {
              ours = verifyWebhookSync(
                { body, headers: { 'stripe-signature': header } },
                { provider: 'stripe', secret: key, now },
              );
            } catch (error) {
              expect(error).toBeInstanceOf(WebhookVerificationError);
            }
            expect(ours === undefined).toBe(theirs === undefined);
            if (theirs !== undefined)
              expect(ours).toMatchObject({ id: theirs.id, type: theirs.type });
          },
        ),
        { numRuns: 300 },
      );
    });

    it('runs the same checks: window, provider after-checks, parse errors', async () => {
      const body = '{"id":"evt_2","type":"x"}';
      const signed = await signWebhook({
        provider: 'stripe',
        secret: SECRET,
        body,
        timestamp: NOW,
      });
      expect(() =>
        verifyWebhookSync(
          { body, headers: signed.headers },
          { provider: 'stripe', secret: SECRET, now: (NOW + 301) * 1000 },
        ),
      ).toThrow(expect.objectContaining({ code: 'TIMESTAMP_TOO_OLD' }));
      const notJson = await signWebhook({
        provider: 'stripe',
        secret: SECRET,
        body: 'x',
        timestamp: NOW,
      });
      expect(() =>
        verifyWebhookSync(
          { body: 'x', headers: notJson.headers },
          { provider: 'stripe', secret: SECRET, now: NOW * 1000, parse: true },
        ),
      ).toThrow(WebhookPayloadError);
      // Linear's body timestamp and Twilio's bodySHA256 are checked synchronously too.
      const linearBody = JSON.stringify({ type: 'Issue', webhookTimestamp: (NOW - 120) * 1000 });
      const linear = await signWebhook({
        provider: 'linear',
        secret: 's',
        body: linearBody,
        id: 'd',
      });
      expect(() =>
        verifyWebhookSync(
          { body: linearBody, headers: linear.headers },
          { provider: 'linear', secret: 's', now: NOW * 1000 },
        ),
      ).toThrow(expect.objectContaining({ code: 'TIMESTAMP_TOO_OLD' }));
      const json = '{"a":1}';
      const sha = createHash('sha256').update(json).digest('hex');
      const url = `https://example.com/hook?bodySHA256=${sha}`;
      const headers = {
        'x-twilio-signature': createHmac('sha1', 't').update(url).digest('base64'),
      };
      expect(
        verifyWebhookSync({ body: json, headers, url }, { provider: 'twilio', secret: 't' }),
      ).toMatchObject({
        provider: 'twilio',
      });
      expect(() =>
        verifyWebhookSync({ body: '{"a":2}', headers, url }, { provider: 'twilio', secret: 't' }),
      ).toThrow(expect.objectContaining({ code: 'NO_MATCHING_SIGNATURE' }));
    });

    it('refuses a Request, a non-object, bad options and an asynchronous custom scheme', async () => {
      const options = { provider: 'stripe' as const, secret: SECRET };
      expect(() =>
        verifyWebhookSync(
          new Request('https://x.test', { method: 'POST', body: '{}' }) as never,
          options,
        ),
      ).toThrow(WebhookOptionsError);
      expect(() => verifyWebhookSync(null as never, options)).toThrow(WebhookOptionsError);
      expect(() =>
        verifyWebhookSync({ body: '{}', headers: {} }, { provider: 'nope' as never }),
      ).toThrow(WebhookOptionsError);
      const slow = defineScheme({
        ...stripeScheme,
        name: 'slow-stripe',
        afterMatch: async () => {},
      });
      const body = '{}';
      const signed = await signWebhook({ provider: slow, secret: SECRET, body, timestamp: NOW });
      expect(() =>
        verifyWebhookSync(
          { body, headers: signed.headers },
          { provider: slow, secret: SECRET, now: NOW * 1000 },
        ),
      ).toThrow(/asynchronously/);
    });

    it('random headers and bodies only ever throw typed errors (property)', () => {
      fc.assert(
        fc.property(
          fc.dictionary(
            fc.constantFrom(
              'stripe-signature',
              'webhook-id',
              'webhook-timestamp',
              'webhook-signature',
              'x-hub-signature-256',
            ),
            fc.string({ maxLength: 200 }),
          ),
          fc.oneof(fc.string(), fc.uint8Array({ maxLength: 100 })),
          fc.constantFrom('stripe', 'standard-webhooks', 'github') as fc.Arbitrary<'stripe'>,
          (headers, body, provider) => {
            try {
              verifyWebhookSync(
                { body, headers },
                { provider, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
              );
            } catch (error) {
              expect(error).toBeInstanceOf(WebhookVerificationError);
            }
          },
        ),
        { numRuns: 500 },
      );
    });
  });
else
  describe('verifyWebhookSync without a synchronous backend', () => {
    it('refuses to run (the Web build has no such export)', () => {
      expect(() =>
        verifyWebhookSync({ body: '{}', headers: {} }, { provider: 'stripe', secret: 'x' }),
      ).toThrow(WebhookOptionsError);
    });
  });
