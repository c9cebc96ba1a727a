import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backend } from '#crypto';
import { verifyWebhook } from './index.js';

interface Vector {
  provider: string;
  secret?: string;
  publicKeyBase64?: string;
  headers: Record<string, string>;
  body?: string;
  url?: string;
  params?: Record<string, string>;
}

const file = new URL('../test-vectors/webhook-vectors.json', import.meta.url);
const vectors = (JSON.parse(readFileSync(file, 'utf8')) as { vectors: Vector[] }).vectors;

describe(`published vectors (${process.env.WEBHOOK_VERIFY_BACKEND} backend)`, () => {
  it('uses the backend this project selects', () => {
    expect(backend.name).toBe(process.env.WEBHOOK_VERIFY_BACKEND);
  });

  it('has vectors for the providers', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(10);
  });

  for (const [i, v] of vectors.entries()) {
    it(`#${i} ${v.provider} verifies`, async () => {
      const secret = v.publicKeyBase64 ? `whpk_${v.publicKeyBase64}` : v.secret!;
      const body = v.params ? new URLSearchParams(v.params).toString() : (v.body ?? '');
      const ts = v.headers['webhook-timestamp'] ?? v.headers['x-slack-request-timestamp'];
      const paddleTs = /ts=(\d+)/.exec(v.headers['paddle-signature'] ?? '')?.[1];
      const now = Number(ts ?? paddleTs ?? 0) * 1000 || Date.now();
      const result = await verifyWebhook(
        { body, headers: v.headers, url: v.url },
        { provider: v.provider as 'github', secret, now },
      );
      expect(result.provider).toBe(v.provider);
      expect(result.body).toBe(body);
      // One flipped bit in the body fails.
      const tampered = `${body.slice(0, -1)}${String.fromCharCode(body.charCodeAt(body.length - 1) ^ 1)}`;
      await expect(
        verifyWebhook(
          { body: tampered, headers: v.headers, url: v.url },
          { provider: v.provider as 'github', secret, now },
        ),
      ).rejects.toMatchObject({ code: 'NO_MATCHING_SIGNATURE' });
    });
  }

  it('twilio bodySHA256 vector carries the body hash', () => {
    const v = vectors.find((x) => x.provider === 'twilio' && x.body)!;
    expect(v.url).toContain(createHash('sha256').update(v.body!).digest('hex'));
  });
});
