import { describe, expect, it } from 'vitest';
import { utf8Length } from './body.js';
import {
  type SecretInput,
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  WebhookOptionsError,
  WebhookPayloadError,
} from './index.js';
import { KEY_CACHE_MAX_ENTRIES, keyCacheSize } from './keys.js';

const body = '{"ok":true}';
const secret = 'gh-secret';

async function github(payload: string | Uint8Array = body) {
  return signWebhook({ provider: 'github', secret, body: payload, id: 'd1' });
}

describe('inputs', () => {
  it('reads a Request body once and returns the raw text', async () => {
    const signed = await github();
    const request = new Request('https://x.test/hook', {
      method: 'POST',
      body,
      headers: signed.headers,
    });
    await expect(verifyWebhook(request, { provider: 'github', secret })).resolves.toEqual({
      provider: 'github',
      id: 'd1',
      body,
    });
    await expect(verifyWebhook(request, { provider: 'github', secret })).rejects.toMatchObject({
      code: 'BODY_ALREADY_PARSED',
    });
  });

  it('accepts string, Uint8Array and ArrayBuffer bodies; refuses parsed objects', async () => {
    const signed = await github();
    const bytes = new TextEncoder().encode(body);
    for (const b of [body, bytes, bytes.slice().buffer]) {
      await expect(
        verifyWebhook({ body: b, headers: signed.headers }, { provider: 'github', secret }),
      ).resolves.toMatchObject({ body });
    }
    const error = await verifyWebhook(
      { body: { ok: true } as never, headers: signed.headers },
      { provider: 'github', secret },
    ).catch((e) => e);
    expect(error).toMatchObject({ code: 'BODY_ALREADY_PARSED', status: 400 });
    expect(error.message).toMatch(/raw/);
  });

  it('verifies non-UTF-8 bytes exactly', async () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0xc3]);
    const signed = await github(bytes);
    const result = await verifyWebhook(
      { body: bytes, headers: signed.headers },
      { provider: 'github', secret },
    );
    expect(result.body).toBe(new TextDecoder().decode(bytes));
    // The lossy text would not verify: the bytes are what count.
    await expect(
      verifyWebhook({ body: result.body, headers: signed.headers }, { provider: 'github', secret }),
    ).rejects.toMatchObject({ code: 'NO_MATCHING_SIGNATURE' });
  });

  it('parse: true returns the JSON payload; non-JSON is a WebhookPayloadError', async () => {
    const signed = await github();
    await expect(
      verifyWebhook({ body, headers: signed.headers }, { provider: 'github', secret, parse: true }),
    ).resolves.toMatchObject({ payload: { ok: true } });
    const bad = await github('not json');
    const error = await verifyWebhook(
      { body: 'not json', headers: bad.headers },
      { provider: 'github', secret, parse: true },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(WebhookPayloadError);
    expect(error.message).not.toContain('not json');
  });

  it('now accepts a number, a Date or a function', async () => {
    const signed = await signWebhook({ provider: 'stripe', secret, body, timestamp: 1000 });
    for (const now of [1_000_000, new Date(1_000_000), () => 1_000_000]) {
      await expect(
        verifyWebhook({ body, headers: signed.headers }, { provider: 'stripe', secret, now }),
      ).resolves.toMatchObject({ timestamp: 1000 });
    }
    await expect(
      verifyWebhook({ body, headers: signed.headers }, { provider: 'stripe', secret }),
    ).rejects.toMatchObject({ code: 'TIMESTAMP_TOO_OLD' });
  });
});

describe('maxBodyBytes', () => {
  it('refuses by Content-Length before reading', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(10));
        c.close();
      },
    });
    const request = new Request('https://x.test', {
      method: 'POST',
      body: stream,
      headers: { 'content-length': '100' },
      duplex: 'half',
    } as RequestInit);
    await expect(
      verifyWebhook(request, { provider: 'github', secret, maxBodyBytes: 50 }),
    ).rejects.toMatchObject({ code: 'BODY_TOO_LARGE', status: 413 });
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it('refuses while streaming when there is no Content-Length', async () => {
    let chunks = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        chunks++;
        c.enqueue(new Uint8Array(16));
        if (chunks > 1000) c.close();
      },
    });
    const request = new Request('https://x.test', {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await expect(
      verifyWebhook(request, { provider: 'github', secret, maxBodyBytes: 64 }),
    ).rejects.toMatchObject({ code: 'BODY_TOO_LARGE' });
    expect(chunks).toBeLessThan(10);
  });

  it('reads multi-chunk and empty bodies', async () => {
    const parts = ['{"a":', '1}'];
    const signed = await github(parts.join(''));
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const p of parts) c.enqueue(new TextEncoder().encode(p));
        c.close();
      },
    });
    const request = new Request('https://x.test', {
      method: 'POST',
      body: stream,
      headers: signed.headers,
      duplex: 'half',
    } as RequestInit);
    await expect(verifyWebhook(request, { provider: 'github', secret })).resolves.toMatchObject({
      body: '{"a":1}',
    });
    const empty = new Request('https://x.test', { method: 'GET', headers: signed.headers });
    await expect(verifyWebhook(empty, { provider: 'github', secret })).rejects.toMatchObject({
      code: 'NO_MATCHING_SIGNATURE',
    });
  });

  it('applies to in-memory bodies, counting UTF-8 bytes', async () => {
    const signed = await github();
    await expect(
      verifyWebhook(
        { body: 'x'.repeat(11), headers: signed.headers },
        { provider: 'github', secret, maxBodyBytes: 10 },
      ),
    ).rejects.toMatchObject({ code: 'BODY_TOO_LARGE' });
    await expect(
      verifyWebhook(
        { body: 'é'.repeat(6), headers: signed.headers },
        { provider: 'github', secret, maxBodyBytes: 11 },
      ),
    ).rejects.toMatchObject({ code: 'BODY_TOO_LARGE' });
    await expect(
      verifyWebhook(
        { body: 'é'.repeat(5), headers: signed.headers },
        { provider: 'github', secret, maxBodyBytes: 11 },
      ),
    ).rejects.toMatchObject({ code: 'NO_MATCHING_SIGNATURE' });
    await expect(
      verifyWebhook(
        { body: new Uint8Array(11), headers: signed.headers },
        { provider: 'github', secret, maxBodyBytes: 10 },
      ),
    ).rejects.toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('utf8Length matches TextEncoder, surrogates included', () => {
    for (const s of ['', 'a', 'é', '€', '😀', '\ud800', '\udc00x', 'a😀b\ud83d', '\ud83d\ud83d']) {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }
  });
});

describe('options', () => {
  it('throws WebhookOptionsError naming the option', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /options/],
      [{ provider: 'nope', secret }, /provider/],
      [{ provider: 42, secret }, /provider/],
      [{ provider: 'github' }, /secret/],
      [{ provider: 'github', secrets: [] }, /secrets/],
      [{ provider: 'github', secret: '' }, /secret/],
      [{ provider: 'github', secret: 42 }, /secret/],
      [{ provider: 'github', secret, toleranceSec: -1 }, /toleranceSec/],
      [{ provider: 'github', secret, maxBodyBytes: 1.5 }, /maxBodyBytes/],
      [{ provider: 'standard-webhooks', secret: 'whsec_!!!' }, /whsec_/],
      [{ provider: 'standard-webhooks', secret: 'whpk_AAAA' }, /32 bytes/],
      [{ provider: 'standard-webhooks', secret: new Uint8Array() }, /empty/],
      [{ provider: 'discord', secret: 'abc' }, /public key/],
    ];
    for (const [options, message] of cases) {
      const error = await verifyWebhook({ body, headers: {} }, options as never).catch((e) => e);
      expect(error).toBeInstanceOf(WebhookOptionsError);
      expect(error.message).toMatch(message);
    }
    await expect(
      verifyWebhook(null as never, { provider: 'github', secret }),
    ).rejects.toBeInstanceOf(WebhookOptionsError);
  });

  it('secret and secrets combine; Uint8Array secrets work and are cached', async () => {
    const signed = await github();
    const key = new TextEncoder().encode(secret);
    await expect(
      verifyWebhook(
        { body, headers: signed.headers },
        { provider: 'github', secret: 'a', secrets: ['b', secret] },
      ),
    ).resolves.toBeDefined();
    await expect(
      verifyWebhook({ body, headers: signed.headers }, { provider: 'github', secret: key }),
    ).resolves.toBeDefined();
    await expect(
      verifyWebhook({ body, headers: signed.headers }, { provider: 'github', secret: key }),
    ).resolves.toBeDefined();
  });

  it('reuses prepared options per options object, and notices every change to them', async () => {
    const signed = await github();
    const input = { body, headers: signed.headers };
    const options: VerifyWebhookOptions = { provider: 'github', secret: 'wrong' };
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: { code: string }) => e.code,
      );
    expect(await code(verifyWebhook(input, options))).toBe('NO_MATCHING_SIGNATURE');
    options.secret = secret; // a mutated option is re-prepared, never served stale
    expect(await code(verifyWebhook(input, options))).toBe('ok');
    expect(await code(verifyWebhook(input, options))).toBe('ok');
    options.maxBodyBytes = 1;
    expect(await code(verifyWebhook(input, options))).toBe('BODY_TOO_LARGE');
    options.maxBodyBytes = -1;
    await expect(verifyWebhook(input, options)).rejects.toBeInstanceOf(WebhookOptionsError);
    delete options.maxBodyBytes;
    for (const change of [
      { toleranceSec: 1 },
      { now: 0 },
      { parse: true },
      { url: 'https://x.test/' },
      { provider: 'shopify' as const },
    ]) {
      const changed = { ...options };
      const seen = await code(verifyWebhook(input, changed));
      Object.assign(changed, change);
      expect([seen, await code(verifyWebhook(input, changed))]).toEqual([
        'ok',
        'provider' in change ? 'MISSING_HEADER' : 'ok',
      ]);
    }
    // The secrets array is compared element by element: replacing one in place is noticed.
    const rotating: VerifyWebhookOptions = { provider: 'github', secrets: ['x', secret] };
    expect(await code(verifyWebhook(input, rotating))).toBe('ok');
    (rotating.secrets as SecretInput[])[1] = 'y';
    expect(await code(verifyWebhook(input, rotating))).toBe('NO_MATCHING_SIGNATURE');
    (rotating.secrets as SecretInput[]).push(secret);
    expect(await code(verifyWebhook(input, rotating))).toBe('ok');
    // A bad secret fails at verification on every call, not only the first.
    const empty: VerifyWebhookOptions = { provider: 'github', secret: '' };
    expect(await code(verifyWebhook(input, empty))).toBe('INVALID_WEBHOOK_OPTIONS');
    expect(await code(verifyWebhook(input, empty))).toBe('INVALID_WEBHOOK_OPTIONS');
  });

  it('the key cache is bounded', async () => {
    const signed = await github();
    for (let i = 0; i < KEY_CACHE_MAX_ENTRIES + 5; i++) {
      await verifyWebhook(
        { body, headers: signed.headers },
        { provider: 'github', secret: `s${i}` },
      ).catch(() => {});
    }
    expect(keyCacheSize('utf8')).toBe(KEY_CACHE_MAX_ENTRIES);
  });

  it('signWebhook validates its options', async () => {
    await expect(signWebhook({ provider: 'github', body })).rejects.toThrow(/secret/);
    await expect(signWebhook({ provider: 'github', secret, body: {} as never })).rejects.toThrow(
      /body/,
    );
    await expect(signWebhook({ provider: 'github', secret, body, timestamp: 1.5 })).rejects.toThrow(
      /timestamp/,
    );
    await expect(
      signWebhook({
        provider: 'standard-webhooks',
        secret: `whpk_${Buffer.alloc(32).toString('base64')}`,
        body,
      }),
    ).rejects.toThrow(/private/);
    await expect(
      signWebhook({
        provider: 'standard-webhooks',
        secret: `whsk_${Buffer.alloc(5).toString('base64')}`,
        body,
      }),
    ).rejects.toThrow(/32 or 64/);
    const signed = await signWebhook({ provider: 'github', secret, body });
    expect(signed.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(Math.abs(signed.timestamp - Date.now() / 1000)).toBeLessThan(5);
  });
});
