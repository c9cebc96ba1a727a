import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, decodeHex, encodeBase64, encodeHex } from './encoding.js';
import { type ProviderName, signWebhook, verifyWebhook } from './index.js';

const NOW = 1_700_000_000;
const runs = Number(process.env.WEBHOOK_PROPERTY_RUNS ?? 60);

function flipBit(text: string, bit: number): string {
  const i = Math.floor(bit / 7) % text.length;
  return (
    text.slice(0, i) +
    String.fromCharCode(text.charCodeAt(i) ^ (1 << (bit % 7))) +
    text.slice(i + 1)
  );
}

const hmacProviders: ProviderName[] = [
  'standard-webhooks',
  'stripe',
  'github',
  'shopify',
  'slack',
  'paddle',
  'zoom',
  'square',
];

describe('codecs', () => {
  it('hex and base64 round-trip and reject every non-canonical form', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), (bytes) => {
        expect(decodeHex(encodeHex(bytes))).toEqual(bytes);
        expect(Buffer.from(encodeBase64(bytes), 'base64')).toEqual(Buffer.from(bytes));
        expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
        expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (text) => {
        const b = decodeBase64(text);
        if (b !== undefined) expect(encodeBase64(b)).toBe(text);
        const h = decodeHex(text);
        if (h !== undefined) expect(encodeHex(h)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('signWebhook ⇄ verifyWebhook over random bytes and secrets', () => {
  const body = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 300 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
  );
  const secret = fc.uint8Array({ minLength: 1, maxLength: 64 });

  for (const provider of hmacProviders) {
    it(`${provider}: round-trips; any flipped bit of body, signature or timestamp fails`, async () => {
      await fc.assert(
        fc.asyncProperty(body, secret, fc.nat(), async (payload, key, bit) => {
          const url = 'https://example.com/hook';
          const signed = await signWebhook({
            provider,
            secret: key,
            body: payload,
            timestamp: NOW,
            id: 'id-1',
            url,
          });
          const options = { provider, secret: key, now: NOW * 1000, url };
          await expect(
            verifyWebhook({ body: payload, headers: signed.headers }, options),
          ).resolves.toMatchObject({ provider });

          const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
          const flipped = bytes.slice();
          flipped[Math.floor(bit / 8) % flipped.length]! ^= 1 << (bit % 8);
          await expect(
            verifyWebhook({ body: flipped, headers: signed.headers }, options),
          ).rejects.toBeDefined();

          for (const [name, value] of Object.entries(signed.headers)) {
            if (name.endsWith('-id') || name === 'x-github-delivery') continue;
            const headers = { ...signed.headers, [name]: flipBit(value, bit) };
            await expect(verifyWebhook({ body: payload, headers }, options)).rejects.toBeDefined();
          }
        }),
        { numRuns: runs },
      );
    });
  }

  it('discord and standard-webhooks v1a (Ed25519) round-trip and reject flipped bits', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat(),
        async (payload, seed, bit) => {
          const { ed25519PublicKey } = await import('./index.js');
          const pub = Buffer.from(await ed25519PublicKey(seed));
          for (const [provider, signSecret, verifySecret] of [
            ['discord', Buffer.from(seed).toString('hex'), pub.toString('hex')],
            [
              'standard-webhooks',
              `whsk_${Buffer.from(seed).toString('base64')}`,
              `whpk_${pub.toString('base64')}`,
            ],
          ] as const) {
            const signed = await signWebhook({
              provider,
              secret: signSecret,
              body: payload,
              timestamp: NOW,
            });
            const options = { provider, secret: verifySecret, now: NOW * 1000 };
            await expect(
              verifyWebhook({ body: payload, headers: signed.headers }, options),
            ).resolves.toBeDefined();
            for (const [name, value] of Object.entries(signed.headers)) {
              if (name.endsWith('-id')) continue;
              // Discord's hex is case-insensitive: a flip that only changes a letter's case
              // is the same signature.
              const same =
                name === 'x-signature-ed25519' &&
                flipBit(value, bit).toLowerCase() === value.toLowerCase();
              if (same) continue;
              await expect(
                verifyWebhook(
                  { body: payload, headers: { ...signed.headers, [name]: flipBit(value, bit) } },
                  options,
                ),
              ).rejects.toBeDefined();
            }
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
