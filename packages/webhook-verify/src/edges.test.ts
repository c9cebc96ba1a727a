import { describe, expect, it } from 'vitest';
import {
  constantTimeEqualBinary,
  decodeBase64,
  decodeBase64Secret,
  decodeHex,
} from './encoding.js';
import {
  defineScheme,
  ed25519PublicKey,
  signWebhook,
  utf8Key,
  verifyWebhook,
  WebhookOptionsError,
} from './index.js';

describe('codec edges', () => {
  it('refuses non-ASCII, bad padding bits and misplaced padding', () => {
    expect(decodeBase64('QUJD')).toEqual(new Uint8Array([65, 66, 67]));
    expect(decodeBase64('QQ==')).toEqual(new Uint8Array([65]));
    expect(decodeBase64('QR==')).toBeUndefined(); // non-zero padding bits
    expect(decodeBase64('QUI=')).toEqual(new Uint8Array([65, 66]));
    expect(decodeBase64('QUJ=')).toBeUndefined();
    expect(decodeBase64('QU\u00e9=')).toBeUndefined();
    expect(decodeBase64('QUJ\u00e9')).toBeUndefined();
    expect(decodeBase64('\u00e9UJD')).toBeUndefined();
    expect(decodeBase64('Q\u00e9JD')).toBeUndefined();
    expect(decodeBase64('Q=JD')).toBeUndefined();
    expect(decodeBase64('')).toBeUndefined();
    expect(decodeBase64('QUJ')).toBeUndefined();
    expect(decodeHex('\u00e9a')).toBeUndefined();
    expect(decodeHex('a\u00e9')).toBeUndefined();
    expect(decodeHex('abc')).toBeUndefined();
    expect(decodeBase64Secret('QQ')).toEqual(new Uint8Array([65]));
    expect(decodeBase64Secret('QUI')).toEqual(new Uint8Array([65, 66]));
  });

  it('decodes hex in place from an offset, refusing any non-digit, uppercase or wide char', () => {
    expect(decodeHex('v1=0aff', 3)).toEqual(new Uint8Array([10, 255]));
    expect(decodeHex('x0aff;', 1, 5)).toEqual(new Uint8Array([10, 255]));
    expect(decodeHex('0aff', 4)).toBeUndefined();
    expect(decodeHex('0aFf')).toBeUndefined();
    expect(decodeHex('0ag0')).toBeUndefined();
    // U+0130 & 255 is '0', U+0161 & 255 is 'a': the high byte must still refuse them.
    expect(decodeHex('\u01300a')).toBeUndefined();
    expect(decodeHex('0a\u0161\u0161')).toBeUndefined();
  });

  it('compares a binary digest with bytes in constant time', () => {
    expect(constantTimeEqualBinary('\u0000\u00ff', new Uint8Array([0, 255]))).toBe(true);
    expect(constantTimeEqualBinary('\u0000\u00fe', new Uint8Array([0, 255]))).toBe(false);
    expect(constantTimeEqualBinary('\u0000', new Uint8Array([0, 255]))).toBe(false);
  });
});

describe('header records', () => {
  it('plain, null-prototype and odd-valued records read like @brace/core getHeader', async () => {
    const body = '{"ok":true}';
    const signed = await signWebhook({ provider: 'github', secret: 's', body, id: 'd1' });
    const sig = signed.headers['x-hub-signature-256']!;
    const ok = (headers: object) =>
      verifyWebhook({ body, headers: headers as never }, { provider: 'github', secret: 's' }).then(
        (w) => w.id,
        (e: { code: string }) => e.code,
      );
    const nullProto = Object.assign(Object.create(null) as object, {
      'X-Hub-Signature-256': sig,
      'x-github-delivery': 'd1',
    });
    expect(await ok(nullProto)).toBe('d1');
    // A number-valued or array-valued header is read by core's getHeader.
    expect(await ok({ 'x-hub-signature-256': sig, 'X-GitHub-Delivery': 42 })).toBe('42');
    expect(await ok({ 'x-hub-signature-256': [sig], 'x-github-delivery': ['a', 'b'] })).toBe(
      'a, b',
    );
    // The same name in two cases is joined, so a duplicated signature header never matches.
    expect(await ok({ 'x-hub-signature-256': sig, 'X-HUB-SIGNATURE-256': sig })).toBe(
      'MALFORMED_HEADER',
    );
    // Undefined values are skipped; inherited names are never read.
    expect(await ok({ 'x-hub-signature-256': sig, 'x-github-delivery': undefined })).toBe(
      undefined,
    );
    const inherited = Object.create({ 'x-hub-signature-256': sig }) as object;
    expect(await ok(inherited)).toBe('MISSING_HEADER');
    // An iterable record is read as pairs.
    const pairs = {
      *[Symbol.iterator]() {
        yield ['x-hub-signature-256', sig] as const;
      },
    };
    expect(await ok(pairs)).toBe(undefined);
  });
});

describe('scheme edges', () => {
  it('a verifier built from a private key is refused', async () => {
    const scheme = defineScheme({
      name: 'seedy',
      toleranceSec: 1,
      secretFormat: 'seedy',
      key: () => ({ type: 'ed25519-seed', bytes: new Uint8Array(32) }),
      extract: () => ({ prefix: '', includeBody: true, signatures: [] }),
      prepareSigning: () => ({
        algorithm: 'ed25519',
        prefix: '',
        includeBody: true,
        headers: () => ({}),
      }),
    });
    await expect(
      verifyWebhook({ body: 'x', headers: {} }, { provider: scheme, secret: 's' }),
    ).rejects.toThrow(/public key/);
  });

  it('ed25519 over a signed suffix with no body, and raw-byte keys', async () => {
    const seed = new Uint8Array(32).fill(9);
    const pub = await ed25519PublicKey(seed);
    const scheme = defineScheme({
      name: 'edge-ed',
      toleranceSec: Number.POSITIVE_INFINITY,
      secretFormat: 'edge-ed',
      key: (secret) => ({ type: 'ed25519-public', bytes: secret as Uint8Array }),
      signingKey: (secret) => ({ type: 'ed25519-seed', bytes: secret as Uint8Array }),
      extract: (request) => ({
        prefix: 'p',
        suffix: 's',
        includeBody: false,
        signatures: [
          { algorithm: 'ed25519', signature: Buffer.from(request.header('x-sig')!, 'hex') },
        ],
      }),
      prepareSigning: () => ({
        algorithm: 'ed25519',
        prefix: 'p',
        suffix: 's',
        includeBody: false,
        headers: (s) => ({ 'x-sig': Buffer.from(s[0]!).toString('hex') }),
      }),
    });
    const signed = await signWebhook({
      provider: scheme,
      secret: seed,
      body: new Uint8Array([1, 2]),
    });
    await expect(
      verifyWebhook(
        { body: new Uint8Array([3]), headers: signed.headers },
        { provider: scheme, secret: pub },
      ),
    ).resolves.toMatchObject({ provider: 'edge-ed' });
    await expect(
      verifyWebhook({ body: '', headers: signed.headers }, { provider: 'discord', secret: pub }),
    ).rejects.toMatchObject({ code: 'MISSING_HEADER' });
    const d = await signWebhook({
      provider: 'discord',
      secret: seed,
      body: new Uint8Array([0xff]),
      timestamp: 5,
    });
    await expect(
      verifyWebhook(
        { body: new Uint8Array([0xff]), headers: d.headers },
        { provider: 'discord', secret: pub },
      ),
    ).resolves.toMatchObject({ timestamp: 5 });
    await expect(ed25519PublicKey(new Uint8Array(3))).rejects.toBeInstanceOf(WebhookOptionsError);
  });

  it('standard-webhooks: over-long ids, raw-byte secrets, and headers missing', async () => {
    const key = new Uint8Array(24).fill(5);
    const signed = await signWebhook({
      provider: 'standard-webhooks',
      secret: key,
      body: 'b',
      id: 'x'.repeat(600),
      timestamp: 10,
    });
    await expect(
      verifyWebhook(
        { body: 'b', headers: signed.headers },
        { provider: 'standard-webhooks', secret: key, now: 10_000 },
      ),
    ).rejects.toMatchObject({ code: 'MALFORMED_HEADER' });
    await expect(
      verifyWebhook(
        { body: 'b', headers: undefined as never },
        { provider: 'standard-webhooks', secret: key },
      ),
    ).rejects.toMatchObject({ code: 'MISSING_HEADER' });
  });

  it('utf8Key refuses empty bytes', () => {
    expect(() => utf8Key(new Uint8Array())).toThrow(/empty/);
  });
});
