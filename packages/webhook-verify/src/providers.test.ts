import { describe, expect, it } from 'vitest';
import {
  ed25519PublicKey,
  type ProviderName,
  providers,
  signWebhook,
  verifyWebhook,
} from './index.js';

const NOW = 1_700_000_000;
const now = NOW * 1000;
const body = '{"id":"evt_1","amount":42}';
const seed = new Uint8Array(32).fill(7);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

async function secretsFor(provider: ProviderName): Promise<{ sign: string; verify: string }> {
  if (provider === 'discord') {
    return { sign: hex(seed), verify: hex(await ed25519PublicKey(seed)) };
  }
  if (provider === 'standard-webhooks' || provider === 'svix') {
    const s = `whsec_${b64(new Uint8Array(24).fill(3))}`;
    return { sign: s, verify: s };
  }
  return { sign: 'shh-secret', verify: 'shh-secret' };
}

const url = 'https://example.com/hooks?x=1';
const bodyFor = (p: ProviderName) =>
  p === 'twilio'
    ? 'To=%2B1555&From=%2B1666&Body=hi+there'
    : p === 'linear'
      ? `{"webhookTimestamp":${now}}`
      : body;

describe('every provider round-trips signWebhook → verifyWebhook', () => {
  for (const provider of Object.keys(providers) as ProviderName[]) {
    it(provider, async () => {
      const { sign, verify } = await secretsFor(provider);
      const payload = bodyFor(provider);
      const signed = await signWebhook({
        provider,
        secret: sign,
        body: payload,
        timestamp: NOW,
        id: 'd-1',
        url,
      });
      const result = await verifyWebhook(
        { body: signed.body, headers: signed.headers, url },
        { provider, secret: verify, now },
      );
      expect(result.provider).toBe(provider);
      expect(result.body).toBe(payload);
      // Rotation: the right secret second still passes; a wrong one alone fails.
      const wrong =
        provider === 'discord'
          ? hex(await ed25519PublicKey(new Uint8Array(32)))
          : provider === 'standard-webhooks' || provider === 'svix'
            ? `whsec_${b64(new Uint8Array(24))}`
            : 'wrong-secret';
      await expect(
        verifyWebhook(
          { body: signed.body, headers: signed.headers, url },
          { provider, secrets: [wrong, verify], now },
        ),
      ).resolves.toMatchObject({ provider });
      await expect(
        verifyWebhook(
          { body: signed.body, headers: signed.headers, url },
          { provider, secret: wrong, now },
        ),
      ).rejects.toMatchObject({ code: 'NO_MATCHING_SIGNATURE', status: 401 });
      // Every scheme needs its signature header.
      await expect(
        verifyWebhook({ body: signed.body, headers: {}, url }, { provider, secret: verify, now }),
      ).rejects.toMatchObject({ code: 'MISSING_HEADER', status: 400 });
    });
  }
});

describe('timestamps and windows', () => {
  const timed: ProviderName[] = ['standard-webhooks', 'svix', 'stripe', 'slack', 'zoom', 'paddle'];
  for (const provider of timed) {
    it(`${provider}: too old and too far in the future are refused; tolerance is per call`, async () => {
      const { sign, verify } = await secretsFor(provider);
      const tolerance = providers[provider].toleranceSec;
      const at = async (ts: number, toleranceSec?: number) => {
        const signed = await signWebhook({ provider, secret: sign, body, timestamp: ts });
        return verifyWebhook(
          { body, headers: signed.headers },
          { provider, secret: verify, now, toleranceSec },
        );
      };
      await expect(at(NOW - tolerance)).resolves.toMatchObject({ timestamp: NOW - tolerance });
      await expect(at(NOW + tolerance)).resolves.toBeDefined();
      await expect(at(NOW - tolerance - 1)).rejects.toMatchObject({ code: 'TIMESTAMP_TOO_OLD' });
      await expect(at(NOW + tolerance + 1)).rejects.toMatchObject({ code: 'TIMESTAMP_IN_FUTURE' });
      await expect(at(NOW - 10_000, 20_000)).resolves.toBeDefined();
      await expect(at(NOW - 10_000_000, Number.POSITIVE_INFINITY)).resolves.toBeDefined();
    });
  }

  it('malformed timestamps are refused before any crypto', async () => {
    for (const ts of ['', 'abc', '0123', '1e9', '12345678901234', '-5', '１２']) {
      const headers = {
        'x-slack-request-timestamp': ts,
        'x-slack-signature': `v0=${'a'.repeat(64)}`,
      };
      await expect(
        verifyWebhook({ body, headers }, { provider: 'slack', secret: 's', now }),
      ).rejects.toMatchObject({
        code: ts === '' ? 'MISSING_HEADER' : 'MALFORMED_HEADER',
      });
    }
  });

  it('linear checks webhookTimestamp (ms) in the body both ways', async () => {
    const sign = async (ms: number | string) => {
      const payload = `{"webhookTimestamp":${ms}}`;
      const signed = await signWebhook({ provider: 'linear', secret: 's', body: payload });
      return verifyWebhook(
        { body: payload, headers: signed.headers },
        { provider: 'linear', secret: 's', now },
      );
    };
    await expect(sign(now - 60_000)).resolves.toMatchObject({ provider: 'linear' });
    await expect(sign(now - 60_001)).rejects.toMatchObject({ code: 'TIMESTAMP_TOO_OLD' });
    await expect(sign(now + 60_001)).rejects.toMatchObject({ code: 'TIMESTAMP_IN_FUTURE' });
    await expect(sign('"x"')).rejects.toMatchObject({ code: 'MALFORMED_HEADER' });
    const signed = await signWebhook({ provider: 'linear', secret: 's', body: 'nope' });
    await expect(
      verifyWebhook({ body: 'nope', headers: signed.headers }, { provider: 'linear', secret: 's' }),
    ).rejects.toMatchObject({ code: 'MALFORMED_HEADER' });
  });
});

describe('several signatures and secrets', () => {
  it('standard-webhooks: any valid entry among several passes; unknown versions are skipped', async () => {
    const a = `whsec_${b64(new Uint8Array(32).fill(1))}`;
    const b = `whsec_${b64(new Uint8Array(32).fill(2))}`;
    const signed = await signWebhook({
      provider: 'standard-webhooks',
      secrets: [a, b],
      body,
      timestamp: NOW,
      id: 'm1',
    });
    const sig = signed.headers['webhook-signature']!;
    expect(sig.split(' ')).toHaveLength(2);
    const headers = { ...signed.headers, 'webhook-signature': `v2,zzz v1,bad ${sig}` };
    await expect(
      verifyWebhook({ body, headers }, { provider: 'standard-webhooks', secret: b, now }),
    ).resolves.toMatchObject({ id: 'm1' });
    await expect(
      verifyWebhook(
        { body, headers: { ...headers, 'webhook-signature': 'v2,abc  v3' } },
        { provider: 'standard-webhooks', secret: b, now },
      ),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_ALGORITHM' });
    await expect(
      verifyWebhook(
        { body, headers: { ...headers, 'webhook-signature': 'v1,%%%' } },
        { provider: 'standard-webhooks', secret: b, now },
      ),
    ).rejects.toMatchObject({ code: 'MALFORMED_HEADER' });
  });

  it('stripe and paddle: several v1/h1 values', async () => {
    const signed = await signWebhook({
      provider: 'stripe',
      secrets: ['whsec_a', 'whsec_b'],
      body,
      timestamp: NOW,
    });
    expect(signed.headers['stripe-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    await expect(
      verifyWebhook(
        { body, headers: signed.headers },
        { provider: 'stripe', secret: 'whsec_b', now },
      ),
    ).resolves.toBeDefined();
    const p = await signWebhook({ provider: 'paddle', secrets: ['x', 'y'], body, timestamp: NOW });
    await expect(
      verifyWebhook({ body, headers: p.headers }, { provider: 'paddle', secret: 'y', now }),
    ).resolves.toBeDefined();
    for (const [header, code] of [
      [`t=${NOW},v0=${'a'.repeat(64)}`, 'UNSUPPORTED_ALGORITHM'],
      [`t=${NOW},v1=XYZ`, 'MALFORMED_HEADER'],
      [`v1=${'a'.repeat(64)}`, 'MALFORMED_HEADER'],
      ['garbage', 'MALFORMED_HEADER'],
    ] as const) {
      await expect(
        verifyWebhook(
          { body, headers: { 'stripe-signature': header } },
          { provider: 'stripe', secret: 's', now },
        ),
      ).rejects.toMatchObject({ code });
    }
    await expect(
      verifyWebhook(
        { body, headers: { 'stripe-signature': 'x'.repeat(9000) } },
        { provider: 'stripe', secret: 's', now },
      ),
    ).rejects.toMatchObject({ code: 'MALFORMED_HEADER' });
  });
});
