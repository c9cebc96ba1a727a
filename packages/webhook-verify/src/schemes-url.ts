// Schemes that sign more than the body: Twilio (URL + form params, or URL with bodySHA256),
// Square (URL + body), and Linear (body, with the timestamp inside the JSON body).
import { encodeBase64, encodeHex } from './encoding.js';
import { bodyEvent, headerEvent, linearEvent } from './events.js';
import {
  type AfterMatchContext,
  defineScheme,
  type ExtractedSignature,
  type OfferedSignature,
  rejectWebhook,
  requireHeader,
  utf8Key,
  type WebhookRequestView,
  type WebhookScheme,
} from './scheme.js';
import { readId, singleSignature } from './schemes-util.js';

/** Default replay window of Linear (checked against the body's `webhookTimestamp`), in seconds. */
export const LINEAR_TOLERANCE_SEC = 60;

function requireUrl(request: { url: string | undefined }, provider: string): string {
  if (request.url === undefined || request.url.length === 0) {
    rejectWebhook(
      provider,
      'MISSING_HEADER',
      `${provider} signs the full request URL: pass \`url\` (the exact public URL the provider calls, scheme, host, path and query) in the input or options.`,
    );
  }
  if (request.url.length > MAX_URL_LENGTH) {
    rejectWebhook(
      provider,
      'MALFORMED_HEADER',
      `The URL is longer than ${MAX_URL_LENGTH} characters.`,
    );
  }
  return request.url;
}

function bodyHashParam(url: string): string | undefined {
  const query = url.indexOf('?');
  if (query === -1) return undefined;
  const hash = url.indexOf('#', query);
  const search = url.slice(query + 1, hash === -1 ? undefined : hash);
  // Without the name spelled out or a percent-escape, no parameter can be named bodySHA256.
  if (!search.includes('bodySHA256') && !search.includes('%')) return undefined;
  return new URLSearchParams(search).get('bodySHA256') ?? undefined;
}

/** Orders [name, value] pairs by name, then value (UTF-16 code units, as `sort()` does). */
function byNameThenValue(a: [string, string], b: [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/**
 * Each form parameter's name and value, sorted by name then value, as Twilio signs them.
 * A value repeated under the same name counts once, as in Twilio's own libraries.
 */
function twilioParams(form: string): string {
  const pairs = [...new URLSearchParams(form)];
  pairs.sort(byNameThenValue);
  let content = '';
  let previous: [string, string] | undefined;
  for (const pair of pairs) {
    // Sorted, so a repeated name and value is next to its twin.
    if (previous !== undefined && pair[0] === previous[0] && pair[1] === previous[1]) continue;
    content += pair[0] + pair[1];
    previous = pair;
  }
  return content;
}

/** Longest URL a URL-signing scheme accepts. */
const MAX_URL_LENGTH = 8192;

/**
 * The URL as given, then (like Twilio's libraries, because Twilio's signing is inconsistent
 * about it) the URL with the default port written out (`:443`, `:80`) and without any port.
 */
function twilioUrls(url: string): string[] {
  const urls = [url];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return urls;
  }
  const auth =
    parsed.username || parsed.password
      ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@`
      : '';
  const rest = `${parsed.pathname}${parsed.search}${parsed.hash}`;
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  urls.push(`${parsed.protocol}//${auth}${parsed.hostname}:${port}${rest}`);
  urls.push(`${parsed.protocol}//${auth}${parsed.hostname}${rest}`);
  return urls;
}

/**
 * What Twilio's `extract` returns. The port variants of the URL are worked out (a URL parse)
 * only when asked for, that is only when the URL as given did not match.
 */
class TwilioExtraction implements ExtractedSignature {
  readonly prefix: string;
  readonly includeBody = false;
  readonly id: string | undefined;
  readonly signatures: OfferedSignature[];
  private readonly url: string;
  private readonly params: string;

  constructor(id: string | undefined, url: string, params: string, signatures: OfferedSignature[]) {
    this.id = id;
    this.url = url;
    this.params = params;
    this.signatures = signatures;
    this.prefix = url + params;
  }

  get alternatePrefixes(): string[] {
    return twilioUrls(this.url)
      .slice(1)
      .map((u) => u + this.params);
  }
}

/** Checks the body against the signed URL's bodySHA256; synchronous when the hash is. */
function checkBodyHash(context: AfterMatchContext, expected: string): void | Promise<void> {
  const digest = context.sha256(context.request.body);
  const compare = (bytes: Uint8Array) => {
    if (encodeHex(bytes) !== expected) {
      rejectWebhook(
        'twilio',
        'NO_MATCHING_SIGNATURE',
        'The body does not match the bodySHA256 the signed URL carries; pass the exact raw body.',
      );
    }
  };
  return digest instanceof Promise ? digest.then(compare) : compare(digest);
}

/**
 * Twilio: `X-Twilio-Signature`, base64 HMAC-SHA1 of the full URL followed by every POST form
 * parameter (name + value, sorted by name); for JSON bodies the URL carries
 * `bodySHA256=<hex sha256 of body>` and only the URL is signed. Needs the exact public `url`.
 *
 * @example
 * ```ts
 * import { twilio, verifyWebhook } from '@brace/webhook-verify';
 *
 * await verifyWebhook(request, {
 *   provider: twilio,
 *   secret: process.env.TWILIO_AUTH_TOKEN!,
 *   url: 'https://example.com/twilio/voice', // what Twilio calls, not what your proxy forwards
 * });
 * ```
 */
export const twilio: Readonly<WebhookScheme> = defineScheme({
  name: 'twilio',
  toleranceSec: Number.POSITIVE_INFINITY,
  secretFormat: 'utf8',
  key: utf8Key,
  event: headerEvent(['i-twilio-idempotency-token'], []),
  extract(request) {
    const value = requireHeader(request, 'twilio', ['x-twilio-signature']);
    const url = requireUrl(request, 'twilio');
    const signatures = singleSignature(
      value,
      '',
      'base64',
      'hmac-sha1',
      'twilio',
      'x-twilio-signature',
    );
    const id = readId(request, ['i-twilio-idempotency-token']);
    const params = bodyHashParam(url) === undefined ? twilioParams(request.text()) : '';
    return new TwilioExtraction(id, url, params, signatures);
  },
  afterMatch(context) {
    const hash = bodyHashParam(context.request.url!);
    return hash === undefined ? undefined : checkBodyHash(context, hash);
  },
  prepareSigning({ url, text }) {
    const target = requireUrl({ url }, 'twilio');
    return {
      algorithm: 'hmac-sha1',
      prefix: bodyHashParam(target) === undefined ? target + twilioParams(text()) : target,
      includeBody: false,
      headers: (sigs) => ({ 'x-twilio-signature': encodeBase64(sigs[0]!) }),
    };
  },
});

/**
 * Square: `x-square-hmacsha256-signature`, base64 HMAC-SHA256 of the notification URL followed by
 * the raw body. Needs the exact notification `url` registered with Square.
 *
 * @example
 * ```ts
 * import { square, verifyWebhook } from '@brace/webhook-verify';
 *
 * await verifyWebhook(request, {
 *   provider: square,
 *   secret: process.env.SQUARE_SIGNATURE_KEY!,
 *   url: 'https://example.com/square/webhooks',
 * });
 * ```
 */
export const square: Readonly<WebhookScheme> = defineScheme({
  name: 'square',
  toleranceSec: Number.POSITIVE_INFINITY,
  secretFormat: 'utf8',
  key: utf8Key,
  event: bodyEvent('event_id', 'type'),
  extract(request) {
    const value = requireHeader(request, 'square', ['x-square-hmacsha256-signature']);
    return {
      prefix: requireUrl(request, 'square'),
      includeBody: true,
      signatures: singleSignature(
        value,
        '',
        'base64',
        'hmac-sha256',
        'square',
        'x-square-hmacsha256-signature',
      ),
    };
  },
  prepareSigning: ({ url }) => ({
    algorithm: 'hmac-sha256',
    prefix: requireUrl({ url }, 'square'),
    includeBody: true,
    headers: (sigs) => ({ 'x-square-hmacsha256-signature': encodeBase64(sigs[0]!) }),
  }),
});

/** Reads `webhookTimestamp` (ms) from a Linear JSON body, bounded and without trusting its shape. */
function linearTimestamp(request: WebhookRequestView): number {
  let value: unknown;
  try {
    value = (JSON.parse(request.text()) as { webhookTimestamp?: unknown } | null)?.webhookTimestamp;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    rejectWebhook(
      'linear',
      'MALFORMED_HEADER',
      'The Linear body has no numeric webhookTimestamp, so the replay window cannot be checked.',
    );
  }
  return value;
}

/**
 * Linear: `linear-signature`, hex HMAC-SHA256 of the raw body; the replay window
 * ({@link LINEAR_TOLERANCE_SEC}) is checked against the body's `webhookTimestamp` (ms) once the
 * signature matched. Delivery id from `linear-delivery`.
 *
 * @example
 * ```ts
 * import { linear, verifyWebhook } from '@brace/webhook-verify';
 *
 * await verifyWebhook(request, { provider: linear, secret: process.env.LINEAR_WEBHOOK_SECRET! });
 * ```
 */
export const linear: Readonly<WebhookScheme> = defineScheme({
  name: 'linear',
  toleranceSec: LINEAR_TOLERANCE_SEC,
  secretFormat: 'utf8',
  key: utf8Key,
  event: linearEvent,
  extract(request) {
    const value = requireHeader(request, 'linear', ['linear-signature']);
    return {
      id: readId(request, ['linear-delivery']),
      prefix: '',
      includeBody: true,
      signatures: singleSignature(value, '', 'hex', 'hmac-sha256', 'linear', 'linear-signature'),
    };
  },
  afterMatch({ request, nowMs, toleranceSec }) {
    const sentMs = linearTimestamp(request);
    if (nowMs - sentMs > toleranceSec * 1000) {
      rejectWebhook(
        'linear',
        'TIMESTAMP_TOO_OLD',
        `The webhookTimestamp is more than ${toleranceSec} s old; a replay, or a clock far off.`,
      );
    }
    if (sentMs - nowMs > toleranceSec * 1000) {
      rejectWebhook(
        'linear',
        'TIMESTAMP_IN_FUTURE',
        `The webhookTimestamp is more than ${toleranceSec} s in the future; check the server clock.`,
      );
    }
  },
  prepareSigning: ({ id }) => ({
    algorithm: 'hmac-sha256',
    prefix: '',
    includeBody: true,
    headers: (sigs) => ({ 'linear-signature': encodeHex(sigs[0]!), 'linear-delivery': id }),
  }),
});
