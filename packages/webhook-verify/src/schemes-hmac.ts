// HMAC schemes signed over the body with a header signature: Stripe, GitHub, Shopify, Slack,
// Zoom, Paddle.
import { encodeBase64, encodeHex } from './encoding.js';
import { bodyEvent, githubEvent, headerEvent, slackEvent, zoomEvent } from './events.js';
import {
  checkHeader,
  defineScheme,
  type OfferedSignature,
  parseSeconds,
  rejectWebhook,
  requireHeader,
  utf8Key,
  type WebhookScheme,
} from './scheme.js';
import {
  decodeSignature,
  MAX_SIGNATURES_PER_HEADER,
  readId,
  singleSignature,
} from './schemes-util.js';

/** Default replay window of Stripe, in seconds. */
export const STRIPE_TOLERANCE_SEC = 300;
/** Default replay window of Slack, in seconds. */
export const SLACK_TOLERANCE_SEC = 300;
/** Default replay window of Zoom, in seconds. */
export const ZOOM_TOLERANCE_SEC = 300;
/** Default replay window of Paddle, in seconds. */
export const PADDLE_TOLERANCE_SEC = 5;

interface KeyedHeader {
  timestamp: string | undefined;
  signatures: OfferedSignature[];
  others: number;
  malformed: number;
}

/**
 * Parses `k=v<sep>k=v...` (Stripe's `t=..,v1=..`, Paddle's `ts=..;h1=..`). Like the providers'
 * libraries, a value ends at the next `=`, and the last timestamp wins.
 */
function keyedHeader(value: string, separator: string, tsKey: string, sigKey: string): KeyedHeader {
  const out: KeyedHeader = { timestamp: undefined, signatures: [], others: 0, malformed: 0 };
  let start = 0;
  let count = 0;
  while (start <= value.length && count++ < MAX_SIGNATURES_PER_HEADER * 2) {
    let end = value.indexOf(separator, start);
    if (end === -1) end = value.length;
    const eq = value.indexOf('=', start);
    if (eq !== -1 && eq < end) {
      // Keys are compared in place (no slice per entry).
      const keyLength = eq - start;
      const next = value.indexOf('=', eq + 1);
      const itemEnd = next !== -1 && next < end ? next : end;
      if (keyLength === tsKey.length && value.startsWith(tsKey, start)) {
        out.timestamp = value.slice(eq + 1, itemEnd);
      } else if (keyLength === sigKey.length && value.startsWith(sigKey, start)) {
        const decoded = decodeSignature(value, 'hex', 'hmac-sha256', eq + 1, itemEnd);
        if (decoded === undefined) out.malformed++;
        else out.signatures.push(decoded);
      } else out.others++;
    }
    start = end + 1;
  }
  return out;
}

function keyedSignatures(parsed: KeyedHeader, provider: string, header: string, sigKey: string) {
  if (parsed.timestamp === undefined) {
    rejectWebhook(provider, 'MALFORMED_HEADER', `The ${header} header has no timestamp.`);
  }
  if (parsed.signatures.length === 0) {
    if (parsed.malformed === 0 && parsed.others > 0) {
      rejectWebhook(
        provider,
        'UNSUPPORTED_ALGORITHM',
        `The ${header} header has no ${sigKey} signature; only ${sigKey} is verified.`,
      );
    }
    rejectWebhook(
      provider,
      'MALFORMED_HEADER',
      `The ${header} header has no well-formed ${sigKey}=<hex> signature.`,
    );
  }
  return parsed.timestamp;
}

/**
 * Stripe: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>]` over `{t}.{body}`; the key is the whole
 * `whsec_...` string as UTF-8. Default window {@link STRIPE_TOLERANCE_SEC}.
 *
 * @example
 * ```ts
 * import { stripe, verifyWebhook } from '@brace/webhook-verify';
 *
 * await verifyWebhook(request, { provider: stripe, secret: process.env.STRIPE_WEBHOOK_SECRET! });
 * ```
 */
export const stripe: Readonly<WebhookScheme> = defineScheme({
  name: 'stripe',
  toleranceSec: STRIPE_TOLERANCE_SEC,
  secretFormat: 'utf8',
  key: utf8Key,
  event: bodyEvent('id', 'type'),
  extract(request) {
    const header = requireHeader(request, 'stripe', ['stripe-signature']);
    const parsed = keyedHeader(header, ',', 't', 'v1');
    const ts = keyedSignatures(parsed, 'stripe', 'stripe-signature', 'v1');
    return {
      timestamp: parseSeconds(ts, 'stripe', 'stripe-signature timestamp'),
      prefix: `${ts}.`,
      includeBody: true,
      signatures: parsed.signatures,
    };
  },
  prepareSigning: ({ timestamp }) => ({
    algorithm: 'hmac-sha256',
    prefix: `${timestamp}.`,
    includeBody: true,
    headers: (sigs) => ({
      'stripe-signature': `t=${timestamp},${sigs.map((s) => `v1=${encodeHex(s)}`).join(',')}`,
    }),
  }),
});

/**
 * Paddle Billing: `Paddle-Signature: ts=<ts>;h1=<hex>[;h1=..]` over `{ts}:{body}`. Default window
 * {@link PADDLE_TOLERANCE_SEC}.
 *
 * @example
 * ```ts
 * import { paddle, verifyWebhook } from '@brace/webhook-verify';
 *
 * await verifyWebhook(request, { provider: paddle, secret: process.env.PADDLE_WEBHOOK_SECRET! });
 * ```
 */
export const paddle: Readonly<WebhookScheme> = defineScheme({
  name: 'paddle',
  toleranceSec: PADDLE_TOLERANCE_SEC,
  secretFormat: 'utf8',
  key: utf8Key,
  event: bodyEvent('event_id', 'event_type'),
  // Paddle's SDK compares in milliseconds (`now > (ts + 5) * 1000` fails): 5.5 s is too old,
  // though it is 5 s in whole seconds, which the generic check uses.
  afterMatch({ nowMs, timestamp, toleranceSec }) {
    if (timestamp !== undefined && nowMs - timestamp * 1000 > toleranceSec * 1000) {
      rejectWebhook(
        'paddle',
        'TIMESTAMP_TOO_OLD',
        `The signed timestamp is more than ${toleranceSec} s old: a replayed or long-delayed delivery (or a server clock far off). It was refused.`,
      );
    }
  },
  extract(request) {
    const header = requireHeader(request, 'paddle', ['paddle-signature']);
    const parsed = keyedHeader(header, ';', 'ts', 'h1');
    const ts = keyedSignatures(parsed, 'paddle', 'paddle-signature', 'h1');
    return {
      timestamp: parseSeconds(ts, 'paddle', 'paddle-signature timestamp'),
      prefix: `${ts}:`,
      includeBody: true,
      signatures: parsed.signatures,
    };
  },
  prepareSigning: ({ timestamp }) => ({
    algorithm: 'hmac-sha256',
    prefix: `${timestamp}:`,
    includeBody: true,
    headers: (sigs) => ({
      'paddle-signature': `ts=${timestamp};${sigs.map((s) => `h1=${encodeHex(s)}`).join(';')}`,
    }),
  }),
});

const GITHUB_SHA256_HEADER = ['x-hub-signature-256'];
const GITHUB_DELIVERY_HEADER = ['x-github-delivery'];

/** Options of {@link githubScheme}. */
export interface GitHubSchemeOptions {
  /**
   * Also accept the legacy `X-Hub-Signature: sha1=<hex>` when no `X-Hub-Signature-256` is sent.
   * Off by default: SHA-1 is only for old GitHub Enterprise servers.
   */
  legacySha1?: boolean;
}

/**
 * Builds the GitHub scheme: `X-Hub-Signature-256: sha256=<hex>` over the raw body; delivery id
 * from `X-GitHub-Delivery`; no timestamp (dedupe on the delivery id instead).
 *
 * @param options - `legacySha1` to also accept `X-Hub-Signature: sha1=...`
 * @returns the scheme
 *
 * @example
 * ```ts
 * import { githubScheme, verifyWebhook } from '@brace/webhook-verify';
 *
 * const legacy = githubScheme({ legacySha1: true });
 * await verifyWebhook(request, { provider: legacy, secret: process.env.GITHUB_WEBHOOK_SECRET! });
 * ```
 */
export function githubScheme(options: GitHubSchemeOptions = {}): Readonly<WebhookScheme> {
  const legacySha1 = options.legacySha1 === true;
  return defineScheme({
    name: 'github',
    toleranceSec: Number.POSITIVE_INFINITY,
    secretFormat: 'utf8',
    key: utf8Key,
    event: githubEvent,
    extract(request) {
      const id = readId(request, GITHUB_DELIVERY_HEADER);
      const sha256 = request.header(GITHUB_SHA256_HEADER[0]!);
      if (!sha256 && request.header('x-hub-signature')) {
        if (!legacySha1) {
          rejectWebhook(
            'github',
            'UNSUPPORTED_ALGORITHM',
            'Only the legacy SHA-1 X-Hub-Signature was sent; enable SHA-256 signatures for this hook, or opt in with githubScheme({ legacySha1: true }).',
          );
        }
        const sha1 = requireHeader(request, 'github', ['x-hub-signature']);
        return {
          id,
          prefix: '',
          includeBody: true,
          signatures: singleSignature(
            sha1,
            'sha1=',
            'hex',
            'hmac-sha1',
            'github',
            'x-hub-signature',
          ),
        };
      }
      // Already read: only the missing/length checks remain.
      const value = checkHeader(sha256, 'github', GITHUB_SHA256_HEADER);
      return {
        id,
        prefix: '',
        includeBody: true,
        signatures: singleSignature(
          value,
          'sha256=',
          'hex',
          'hmac-sha256',
          'github',
          'x-hub-signature-256',
        ),
      };
    },
    prepareSigning: ({ id }) => ({
      algorithm: 'hmac-sha256',
      prefix: '',
      includeBody: true,
      headers: (sigs) => ({
        'x-hub-signature-256': `sha256=${encodeHex(sigs[0]!)}`,
        'x-github-delivery': id,
      }),
    }),
  });
}

/**
 * GitHub with SHA-256 signatures only ({@link githubScheme} with default options).
 *
 * @example
 * ```ts
 * import { github, verifyWebhook } from '@brace/webhook-verify';
 *
 * const { id } = await verifyWebhook(request, { provider: github, secret: process.env.GITHUB_WEBHOOK_SECRET! });
 * ```
 */
export const github: Readonly<WebhookScheme> = githubScheme();

/** Shopify's event id first (what its docs dedupe on), then the delivery id. */
const SHOPIFY_ID_HEADERS = [
  'x-shopify-event-id',
  'shopify-event-id',
  'x-shopify-webhook-id',
  'shopify-webhook-id',
] as const;

/**
 * Shopify: `X-Shopify-Hmac-Sha256` (or `Shopify-Hmac-Sha256`), base64 HMAC-SHA256 of the raw
 * body. The id is the event's, `X-Shopify-Event-Id` (the key Shopify says to dedupe on: the
 * same across retries and across subscriptions), else the delivery's `X-Shopify-Webhook-Id`
 * (unprefixed names too). No timestamp window.
 *
 * @example
 * ```ts
 * import { shopify, verifyWebhook } from '@brace/webhook-verify';
 *
 * await verifyWebhook(request, { provider: shopify, secret: process.env.SHOPIFY_API_SECRET! });
 * ```
 */
export const shopify: Readonly<WebhookScheme> = defineScheme({
  name: 'shopify',
  toleranceSec: Number.POSITIVE_INFINITY,
  secretFormat: 'utf8',
  key: utf8Key,
  event: headerEvent(SHOPIFY_ID_HEADERS, ['x-shopify-topic', 'shopify-topic']),
  extract(request) {
    const names = ['x-shopify-hmac-sha256', 'shopify-hmac-sha256'];
    const value = requireHeader(request, 'shopify', names);
    return {
      id: readId(request, SHOPIFY_ID_HEADERS),
      prefix: '',
      includeBody: true,
      signatures: singleSignature(value, '', 'base64', 'hmac-sha256', 'shopify', names[0]!),
    };
  },
  prepareSigning: ({ id }) => ({
    algorithm: 'hmac-sha256',
    prefix: '',
    includeBody: true,
    headers: (sigs) => ({
      'x-shopify-hmac-sha256': encodeBase64(sigs[0]!),
      'x-shopify-webhook-id': id,
    }),
  }),
});

function v0Scheme(
  name: string,
  sigHeader: string,
  tsHeader: string,
  toleranceSec: number,
  event: NonNullable<WebhookScheme['event']>,
) {
  const sigHeaders = [sigHeader];
  const tsHeaders = [tsHeader];
  return defineScheme({
    name,
    toleranceSec,
    secretFormat: 'utf8',
    key: utf8Key,
    event,
    extract(request) {
      const value = requireHeader(request, name, sigHeaders);
      const ts = requireHeader(request, name, tsHeaders);
      return {
        timestamp: parseSeconds(ts, name, `${tsHeader} header`),
        prefix: `v0:${ts}:`,
        includeBody: true,
        signatures: singleSignature(value, 'v0=', 'hex', 'hmac-sha256', name, sigHeader),
      };
    },
    prepareSigning: ({ timestamp }) => ({
      algorithm: 'hmac-sha256',
      prefix: `v0:${timestamp}:`,
      includeBody: true,
      headers: (sigs) => ({
        [sigHeader]: `v0=${encodeHex(sigs[0]!)}`,
        [tsHeader]: String(timestamp),
      }),
    }),
  });
}

/**
 * Slack: `X-Slack-Signature: v0=<hex>` over `v0:{X-Slack-Request-Timestamp}:{body}`. Default
 * window {@link SLACK_TOLERANCE_SEC}.
 *
 * @example
 * ```ts
 * import { slack, verifyWebhook } from '@brace/webhook-verify';
 *
 * await verifyWebhook(request, { provider: slack, secret: process.env.SLACK_SIGNING_SECRET! });
 * ```
 */
export const slack: Readonly<WebhookScheme> = v0Scheme(
  'slack',
  'x-slack-signature',
  'x-slack-request-timestamp',
  SLACK_TOLERANCE_SEC,
  slackEvent,
);

/**
 * Zoom: `x-zm-signature: v0=<hex>` over `v0:{x-zm-request-timestamp}:{body}`. Default window
 * {@link ZOOM_TOLERANCE_SEC}.
 *
 * @example
 * ```ts
 * import { zoom, verifyWebhook } from '@brace/webhook-verify';
 *
 * await verifyWebhook(request, { provider: zoom, secret: process.env.ZOOM_SECRET_TOKEN! });
 * ```
 */
export const zoom: Readonly<WebhookScheme> = v0Scheme(
  'zoom',
  'x-zm-signature',
  'x-zm-request-timestamp',
  ZOOM_TOLERANCE_SEC,
  zoomEvent,
);
