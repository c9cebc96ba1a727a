import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  defineScheme,
  ed25519PublicKey,
  githubScheme,
  hmacScheme,
  type ProviderName,
  rejectWebhook,
  signWebhook,
  utf8Key,
  verifyWebhook,
} from './index.js';

const NOW = 1_700_000_000;
const now = NOW * 1000;
const body = '{"id":"evt_1","amount":42}';
const seed = new Uint8Array(32).fill(7);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

async function _secretsFor(provider: ProviderName): Promise<{ sign: string; verify: string }> {
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
const _bodyFor = (p: ProviderName) =>
  p === 'twilio'
    ? 'To=%2B1555&From=%2B1666&Body=hi+there'
    : p === 'linear'
      ? `{"webhookTimestamp":${now}}`
      : body;

describe('provider specifics', () => {
  it('github: sha256 by default, legacy sha1 only when asked', async () => {
    const sha1 = `sha1=${createHmac('sha1', 'gh').update(body).digest('hex')}`;
    const headers = { 'x-hub-signature': sha1, 'x-github-delivery': 'guid-1' };
    await expect(
      verifyWebhook({ body, headers }, { provider: 'github', secret: 'gh' }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_ALGORITHM' });
    await expect(
      verifyWebhook(
        { body, headers },
        { provider: githubScheme({ legacySha1: true }), secret: 'gh' },
      ),
    ).resolves.toMatchObject({ id: 'guid-1' });
    await expect(
      verifyWebhook(
        { body, headers: { 'x-hub-signature': 'sha1=zz' } },
        { provider: githubScheme({ legacySha1: true }), secret: 'gh' },
      ),
    ).rejects.toMatchObject({ code: 'MALFORMED_HEADER' });
    const upper = `sha256=${createHmac('sha256', 'gh').update(body).digest('hex').toUpperCase()}`;
    await expect(
      verifyWebhook(
        { body, headers: { 'x-hub-signature-256': upper } },
        { provider: 'github', secret: 'gh' },
      ),
    ).rejects.toMatchObject({ code: 'MALFORMED_HEADER' });
  });

  it('shopify: both header spellings', async () => {
    const sig = createHmac('sha256', 'shop').update(body).digest('base64');
    for (const headers of [
      { 'X-Shopify-Hmac-Sha256': sig, 'X-Shopify-Webhook-Id': 'w1' },
      { 'shopify-hmac-sha256': sig, 'shopify-webhook-id': 'w1' },
    ]) {
      await expect(
        verifyWebhook(
          { body, headers: new Headers(headers) },
          { provider: 'shopify', secret: 'shop' },
        ),
      ).resolves.toMatchObject({ id: 'w1' });
    }
  });

  it('twilio: form params sorted (repeated names too) and bodySHA256 for JSON', async () => {
    const form = 'b=2&a=1&a=0&c=x+y';
    const content = `${url}a0a1b2cx y`;
    const sig = createHmac('sha1', 'tok').update(content).digest('base64');
    await expect(
      verifyWebhook(
        { body: form, headers: { 'x-twilio-signature': sig }, url },
        { provider: 'twilio', secret: 'tok' },
      ),
    ).resolves.toBeDefined();
    await expect(
      verifyWebhook(
        { body: form, headers: { 'x-twilio-signature': sig } },
        { provider: 'twilio', secret: 'tok' },
      ),
    ).rejects.toMatchObject({ code: 'MISSING_HEADER' });
    const json = '{"a":1}';
    const hashed = `https://example.com/t?bodySHA256=${createHash('sha256').update(json).digest('hex')}#frag`;
    const signed = await signWebhook({
      provider: 'twilio',
      secret: 'tok',
      body: json,
      url: hashed,
    });
    expect(signed.url).toBe(hashed);
    await expect(
      verifyWebhook(
        { body: json, headers: signed.headers, url: hashed },
        { provider: 'twilio', secret: 'tok' },
      ),
    ).resolves.toBeDefined();
    await expect(
      verifyWebhook(
        { body: '{"a":2}', headers: signed.headers, url: hashed },
        { provider: 'twilio', secret: 'tok' },
      ),
    ).rejects.toMatchObject({ code: 'NO_MATCHING_SIGNATURE' });
    await expect(
      signWebhook({ provider: 'twilio', secret: 'tok', body: json }),
    ).rejects.toMatchObject({ code: 'MISSING_HEADER' });
  });

  it('square: the options url overrides the input url', async () => {
    const signed = await signWebhook({ provider: 'square', secret: 'sq', body, url });
    await expect(
      verifyWebhook(
        { body, headers: signed.headers, url: 'http://internal:8080/x' },
        { provider: 'square', secret: 'sq', url },
      ),
    ).resolves.toBeDefined();
  });

  it('standard-webhooks v1a (Ed25519): whsk_ signs, whpk_ verifies; HMAC secrets ignore v1a', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pk = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    const sk = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
    const signed = await signWebhook({
      provider: 'standard-webhooks',
      secret: `whsk_${b64(Buffer.concat([sk, pk]))}`,
      body,
      timestamp: NOW,
      id: 'm',
    });
    expect(signed.headers['webhook-signature']).toMatch(/^v1a,/);
    await expect(
      verifyWebhook(
        { body, headers: signed.headers },
        { provider: 'standard-webhooks', secret: `whpk_${b64(pk)}`, now },
      ),
    ).resolves.toBeDefined();
    await expect(
      verifyWebhook(
        { body, headers: signed.headers },
        { provider: 'standard-webhooks', secret: `whsec_${b64(pk)}`, now },
      ),
    ).rejects.toMatchObject({ code: 'NO_MATCHING_SIGNATURE' });
    expect(Buffer.from(await ed25519PublicKey(sk)).equals(pk)).toBe(true);
  });

  it('discord: bad signature header is malformed', async () => {
    const verify = hex(await ed25519PublicKey(seed));
    await expect(
      verifyWebhook(
        { body, headers: { 'x-signature-ed25519': 'ab', 'x-signature-timestamp': String(NOW) } },
        { provider: 'discord', secret: verify },
      ),
    ).rejects.toMatchObject({ code: 'MALFORMED_HEADER' });
  });

  it('hmacScheme: sha512/base64 with prefix, timestamp and id; sha1 hex', async () => {
    const acme = hmacScheme({
      name: 'acme',
      header: 'X-Acme-Sig',
      algorithm: 'sha512',
      encoding: 'base64',
      prefix: 's=',
      timestampHeader: 'X-Acme-Ts',
      idHeader: 'X-Acme-Id',
    });
    const signed = await signWebhook({
      provider: acme,
      secrets: ['k1', 'k2'],
      body,
      timestamp: NOW,
      id: 'a1',
    });
    expect(signed.headers).toMatchObject({ 'x-acme-ts': String(NOW), 'x-acme-id': 'a1' });
    await expect(
      verifyWebhook({ body, headers: signed.headers }, { provider: acme, secret: 'k2', now }),
    ).resolves.toMatchObject({ id: 'a1', timestamp: NOW });
    await expect(
      verifyWebhook(
        { body, headers: { 'x-acme-sig': 'nope', 'x-acme-ts': '1' } },
        { provider: acme, secret: 'k2', now },
      ),
    ).rejects.toMatchObject({ code: 'MALFORMED_HEADER' });
    const plain = hmacScheme({ header: 'x-sig', algorithm: 'sha1', encoding: 'hex' });
    const sig = createHmac('sha1', 'k').update(body).digest('hex');
    await expect(
      verifyWebhook({ body, headers: { 'x-sig': sig } }, { provider: plain, secret: 'k' }),
    ).resolves.toMatchObject({ provider: 'hmac' });
    const p = await signWebhook({ provider: plain, secret: 'k', body });
    expect(p.headers).toEqual({ 'x-sig': sig });
    expect(() => hmacScheme({ header: '', algorithm: 'sha256', encoding: 'hex' })).toThrow(
      /header/,
    );
    expect(() => hmacScheme({ header: 'x', algorithm: 'md5' as 'sha1', encoding: 'hex' })).toThrow(
      /algorithm/,
    );
    expect(() => hmacScheme({ header: 'x', algorithm: 'sha1', encoding: 'b32' as 'hex' })).toThrow(
      /encoding/,
    );
  });

  it('defineScheme validates its definition and custom schemes work', async () => {
    const custom = defineScheme({
      name: 'custom',
      toleranceSec: Number.POSITIVE_INFINITY,
      secretFormat: 'utf8',
      key: utf8Key,
      extract(request) {
        const v = request.header('x-c');
        if (v === undefined) rejectWebhook('custom', 'MISSING_HEADER', 'x-c is missing');
        return {
          prefix: 'pre:',
          includeBody: true,
          suffix: ':post',
          signatures: [{ algorithm: 'hmac-sha256', signature: Buffer.from(v, 'hex') }],
        };
      },
      prepareSigning: () => ({
        algorithm: 'hmac-sha256',
        prefix: 'pre:',
        includeBody: true,
        suffix: ':post',
        headers: (s) => ({ 'x-c': hex(s[0]!) }),
      }),
    });
    const sig = createHmac('sha256', 'k').update(`pre:${body}:post`).digest('hex');
    await expect(
      verifyWebhook({ body, headers: { 'x-c': sig } }, { provider: custom, secret: 'k' }),
    ).resolves.toBeDefined();
    expect((await signWebhook({ provider: custom, secret: 'k', body })).headers['x-c']).toBe(sig);
    const base = {
      name: 'x',
      toleranceSec: 1,
      secretFormat: 'utf8',
      key: utf8Key,
      extract: () => ({ prefix: '', includeBody: true, signatures: [] }),
      prepareSigning: () => ({
        algorithm: 'hmac-sha256' as const,
        prefix: '',
        includeBody: true,
        headers: () => ({}),
      }),
    };
    expect(() => defineScheme({ ...base, name: '' })).toThrow(/name/);
    expect(() => defineScheme({ ...base, toleranceSec: -1 })).toThrow(/toleranceSec/);
    expect(() => defineScheme({ ...base, extract: 1 as never })).toThrow(/extract/);
    expect(() => defineScheme({ ...base, secretFormat: 1 as never })).toThrow(/secretFormat/);
  });
});
