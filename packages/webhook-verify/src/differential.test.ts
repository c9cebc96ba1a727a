// Differential tests: over thousands of random (secret, body, timestamp) cases, tampered ones
// included, we accept exactly what the providers' own libraries accept.
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import fc from 'fast-check';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { verifyWebhook } from './index.js';

const CASES = Number(process.env.WEBHOOK_DIFF_CASES ?? 2000);
const NOW_SEC = 1_700_000_000;

const accepts = (p: Promise<unknown>) =>
  p.then(
    () => true,
    () => false,
  );
const acceptsSync = (f: () => unknown) => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};

type Tamper =
  | 'none'
  | 'body'
  | 'signature'
  | 'timestamp'
  | 'secret'
  | 'id'
  | 'old'
  | 'future'
  | 'extra-signature';
const tamper = fc.constantFrom<Tamper>(
  'none',
  'none',
  'body',
  'signature',
  'timestamp',
  'secret',
  'id',
  'old',
  'future',
  'extra-signature',
);
// Bodies the reference libraries can take (they decode bytes as UTF-8 text first): any string.
const body = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 });

function mutate(text: string, at: number): string {
  const i = at % text.length;
  const c = text.charCodeAt(i);
  // Keep base64/hex alphabets plausible so that we test the comparison, not only the parser.
  const next =
    c === 65 ? 'B' : c === 48 ? '1' : c === 97 ? 'b' : String.fromCharCode(c === 122 ? 121 : c + 1);
  return text.slice(0, i) + next + text.slice(i + 1);
}

function offset(kind: Tamper, tolerance: number, r: number): number {
  if (kind === 'old') return -(tolerance + 1 + (r % 100));
  if (kind === 'future') return tolerance + 1 + (r % 100);
  return (r % (2 * tolerance + 1)) - tolerance; // inside the window
}

describe('differential: standardwebhooks and svix', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it(`agrees with standardwebhooks and svix on ${CASES} cases`, async () => {
    // The reference libraries read Date.now(): freeze it so that window edges are exact.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW_SEC * 1000 + 500);
    const now = Date.now();
    const nowSec = Math.floor(now / 1000);
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 48 }),
        body,
        tamper,
        fc.nat(),
        async (key, payload, kind, r) => {
          const secret = `whsec_${Buffer.from(key).toString('base64')}`;
          const ts = nowSec + offset(kind, 300, r);
          const id = `msg_${r}`;
          const ref = new StandardWebhook(secret);
          const sig = ref.sign(id, new Date(ts * 1000), payload);
          const headers: Record<string, string> = {
            'webhook-id': id,
            'webhook-timestamp': String(ts),
            'webhook-signature': sig,
          };
          let verifyBody = payload;
          let verifySecret = secret;
          if (kind === 'body') verifyBody = `${payload} `;
          if (kind === 'signature') headers['webhook-signature'] = mutate(sig, r + 3);
          if (kind === 'timestamp') headers['webhook-timestamp'] = String(ts + 1 + (r % 5));
          if (kind === 'id') headers['webhook-id'] = `${id}x`;
          if (kind === 'secret')
            verifySecret = `whsec_${Buffer.from([...key, 1]).toString('base64')}`;
          if (kind === 'extra-signature')
            headers['webhook-signature'] = `v1,${Buffer.alloc(32).toString('base64')} ${sig}`;
          const theirs = acceptsSync(() =>
            new StandardWebhook(verifySecret).verify(verifyBody, headers, { jsonParse: false }),
          );
          const svixTheirs = acceptsSync(() =>
            new SvixWebhook(verifySecret).verify(verifyBody, headers),
          );
          const ours = await accepts(
            verifyWebhook(
              { body: verifyBody, headers },
              { provider: 'standard-webhooks', secret: verifySecret, now },
            ),
          );
          const oursSvix = await accepts(
            verifyWebhook(
              { body: verifyBody, headers },
              { provider: 'svix', secret: verifySecret, now },
            ),
          );
          expect(ours).toBe(theirs);
          expect(oursSvix).toBe(svixTheirs);
          if (ours) accepted++;
        },
      ),
      { numRuns: CASES },
    );
    expect(accepted).toBeGreaterThan(CASES / 10);
  });
});

describe('differential: stripe', () => {
  const stripe = new Stripe('sk_test_x');
  it(`agrees with stripe.webhooks.constructEvent on ${CASES} cases`, async () => {
    const now = Date.now();
    const nowSec = Math.floor(now / 1000);
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.jsonValue({ maxDepth: 2 }),
        tamper,
        fc.nat(),
        async (rawSecret, value, kind, r) => {
          const secret = `whsec_${rawSecret}`;
          const payload = JSON.stringify({ id: `evt_${r}`, value });
          // Stripe only refuses old timestamps; a future one is our stricter rule (checked below).
          const ts = nowSec + offset(kind, 300, r);
          const header = stripe.webhooks.generateTestHeaderString({
            payload,
            secret,
            timestamp: ts,
          });
          let verifyHeader = header;
          let verifyBody = payload;
          let verifySecret = secret;
          if (kind === 'body') verifyBody = `${payload}\n`;
          if (kind === 'signature')
            verifyHeader = mutate(header, header.indexOf('v1=') + 3 + (r % 64));
          if (kind === 'timestamp')
            verifyHeader = header.replace(`t=${ts}`, `t=${ts - 1 - (r % 5)}`);
          if (kind === 'secret') verifySecret = `${secret}x`;
          if (kind === 'extra-signature')
            verifyHeader = `${header.replace(/,v1=.*/, '')},v1=${'0'.repeat(64)},${header.split(',')[1]}`;
          const theirs = acceptsSync(() =>
            stripe.webhooks.constructEvent(
              verifyBody,
              verifyHeader,
              verifySecret,
              300,
              undefined,
              now,
            ),
          );
          const ours = await accepts(
            verifyWebhook(
              { body: verifyBody, headers: { 'stripe-signature': verifyHeader } },
              { provider: 'stripe', secret: verifySecret, now },
            ),
          );
          if (kind === 'future') {
            expect(ours).toBe(false); // stricter than stripe by design: too far in the future
          } else {
            expect(ours).toBe(theirs);
          }
          if (ours) accepted++;
        },
      ),
      { numRuns: CASES },
    );
    expect(accepted).toBeGreaterThan(CASES / 10);
  });
});

describe('differential: @octokit/webhooks-methods', () => {
  it(`agrees with octokit verify on ${CASES} cases`, async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }),
        body,
        tamper,
        fc.nat(),
        async (secret, payload, kind, r) => {
          const signature = await octokitSign(secret, payload);
          let verifySig = signature;
          let verifyBody = payload;
          let verifySecret = secret;
          if (kind === 'body') verifyBody = `${payload}x`;
          if (kind === 'signature' || kind === 'timestamp')
            verifySig = mutate(signature, 7 + (r % 64));
          if (kind === 'secret') verifySecret = `${secret}x`;
          if (kind === 'id') verifySig = signature.toUpperCase();
          const theirs = await octokitVerify(verifySecret, verifyBody, verifySig);
          const ours = await accepts(
            verifyWebhook(
              { body: verifyBody, headers: { 'x-hub-signature-256': verifySig } },
              { provider: 'github', secret: verifySecret },
            ),
          );
          expect(ours).toBe(theirs);
          if (ours) accepted++;
        },
      ),
      { numRuns: CASES },
    );
    expect(accepted).toBeGreaterThan(CASES / 10);
  });
});
