import { backend } from '#crypto';
import { normalizeBody, RequestView, readRequestBody, type WebhookMessage } from './body.js';
import type { CryptoBackend, SignedMessage } from './crypto-types.js';
import { constantTimeEqualBinary } from './encoding.js';
import { WebhookOptionsError, WebhookVerificationError } from './errors.js';
import type { WebhookEventInfo } from './events.js';
import type { ResolvedKey } from './keys.js';
import { BAD_NOW_MESSAGE, keysOf, type PreparedVerify, preparedFor } from './prepare.js';
import type { ProviderName } from './providers.js';
import { result } from './result.js';
import type {
  AfterMatchContext,
  ExtractedSignature,
  OfferedSignature,
  SecretInput,
  SignatureAlgorithm,
  WebhookScheme,
} from './scheme.js';

export { type PreparedVerify, prepareVerify } from './prepare.js';

/** What {@link verifyWebhook} accepts: a Fetch `Request` (its body is read once) or a {@link WebhookMessage}. */
export type WebhookInput = Request | WebhookMessage;

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** A built-in provider name, or a scheme from `defineScheme`/`hmacScheme`/`githubScheme`. */
  provider: ProviderName | WebhookScheme;
  /** The secret (or public key, for Ed25519 schemes). */
  secret?: SecretInput;
  /** Several secrets at once (rotation): a signature matching any one passes. */
  secrets?: readonly SecretInput[];
  /** Replay window in seconds, both ways (too old and too far in the future). Default: the provider's; `Infinity` turns it off. */
  toleranceSec?: number;
  /** Largest body accepted, in bytes. Default {@link DEFAULT_MAX_BODY_BYTES} (5 MB). */
  maxBodyBytes?: number;
  /** The current time: ms since the epoch, a `Date`, or a function returning ms. Default `Date.now()`. */
  now?: number | Date | (() => number);
  /** Also return `payload`, JSON parsed from the verified body. Default `false`. */
  parse?: boolean;
  /** The full public URL the provider called, for schemes that sign it (Twilio, Square); overrides the input's. */
  url?: string;
}

/**
 * A verified webhook. `id`, `type` and `action` are the provider's own (see
 * {@link WebhookEventInfo} for where each provider puts them); they are stable fields that
 * dedupe stores and routers key on. Fields from headers are set at once; with `parse` off,
 * fields from the body (Stripe's `id`/`type`, GitHub's `action`…) are accessors that parse the
 * body on first read, once, and then become plain properties (a body that is not JSON gives
 * `undefined`, and the field is then left out). With `parse: true` all are set up front.
 */
export interface VerifiedWebhook<T = unknown> {
  /** The scheme name. */
  provider: string;
  /**
   * The provider's event or delivery id, when it sends one (Stripe `evt_…`, GitHub
   * `X-GitHub-Delivery`, `webhook-id`…): dedupe on it.
   */
  id?: string;
  /** The provider's event type, when it sends one (`invoice.paid`, `issues`, `orders/create`). */
  type?: string;
  /** The action within the type, for GitHub (`opened`) and Linear (`create`). */
  action?: string;
  /** The signed timestamp (Unix seconds), when the scheme has one. */
  timestamp?: number;
  /** The verified raw body as text. */
  body: string;
  /** JSON parsed from the verified body; only with `parse: true`. */
  payload?: T;
}

function nowMs(now: VerifyWebhookOptions['now']): number {
  const ms =
    now === undefined
      ? Date.now()
      : typeof now === 'number'
        ? now
        : typeof now === 'function'
          ? now()
          : now.getTime();
  // NaN (an invalid Date, a broken clock) would silently switch the replay window off.
  if (!Number.isFinite(ms)) throw new WebhookOptionsError(BAD_NOW_MESSAGE);
  return ms;
}

function reject(scheme: WebhookScheme, code: 'NO_MATCHING_SIGNATURE'): never {
  throw new WebhookVerificationError(
    code,
    `No signature matches any configured secret. Check that the secret is this endpoint's current ${scheme.name} signing secret and that the body is passed exactly as received (no re-serialised JSON, no changed line endings).`,
    scheme.name,
  );
}

function matchSync(
  crypto: CryptoBackend,
  keys: ResolvedKey[],
  offered: OfferedSignature[],
  message: SignedMessage,
): boolean {
  for (const key of keys) {
    let algorithm: SignatureAlgorithm | undefined;
    let digest: string | undefined;
    for (const sig of offered) {
      if (key.type === 'hmac') {
        if (sig.algorithm === 'ed25519') continue;
        if (sig.algorithm !== algorithm) {
          algorithm = sig.algorithm;
          digest = crypto.hmacBinary!(key.handle, hashOf(algorithm), message);
        }
        if (constantTimeEqualBinary(digest!, sig.signature)) return true;
      } else if (sig.algorithm === 'ed25519') {
        if (crypto.ed25519Verify(key.handle, message, sig.signature) as boolean) return true;
      }
    }
  }
  return false;
}

async function matchAsync(
  crypto: CryptoBackend,
  keys: ResolvedKey[],
  offered: OfferedSignature[],
  message: SignedMessage,
): Promise<boolean> {
  for (const key of keys) {
    let algorithm: SignatureAlgorithm | undefined;
    let digest: Uint8Array | undefined;
    for (const sig of offered) {
      if (key.type === 'hmac') {
        if (sig.algorithm === 'ed25519') continue;
        if (sig.algorithm !== algorithm) {
          algorithm = sig.algorithm;
          digest = await crypto.hmac(key.handle, hashOf(algorithm), message);
        }
        if (crypto.equal(digest!, sig.signature)) return true;
      } else if (sig.algorithm === 'ed25519') {
        if (await crypto.ed25519Verify(key.handle, message, sig.signature)) return true;
      }
    }
  }
  return false;
}

function hashOf(algorithm: Exclude<SignatureAlgorithm, 'ed25519'>) {
  return algorithm === 'hmac-sha256' ? 'sha256' : algorithm === 'hmac-sha1' ? 'sha1' : 'sha512';
}

function finish(
  prepared: PreparedVerify,
  view: RequestView,
  extracted: ExtractedSignature,
  now: number,
  matched: boolean,
): VerifiedWebhook | Promise<VerifiedWebhook> {
  const { scheme } = prepared;
  if (!matched) reject(scheme, 'NO_MATCHING_SIGNATURE');
  const toleranceSec = prepared.toleranceSec ?? scheme.toleranceSec;
  const { timestamp } = extracted;
  if (timestamp !== undefined && toleranceSec !== Number.POSITIVE_INFINITY) {
    const nowSec = Math.floor(now / 1000);
    if (nowSec - timestamp > toleranceSec) {
      throw new WebhookVerificationError(
        'TIMESTAMP_TOO_OLD',
        `The signed timestamp is more than ${toleranceSec} s old: a replayed or long-delayed delivery (or a server clock far off). It was refused.`,
        scheme.name,
      );
    }
    if (timestamp - nowSec > toleranceSec) {
      throw new WebhookVerificationError(
        'TIMESTAMP_IN_FUTURE',
        `The signed timestamp is more than ${toleranceSec} s in the future; check this server's clock (NTP).`,
        scheme.name,
      );
    }
  }
  if (scheme.afterMatch === undefined) return result(prepared, view, extracted);
  const context: AfterMatchContext = {
    request: view,
    nowMs: now,
    toleranceSec,
    sha256: backend.sha256,
  };
  if (timestamp !== undefined) context.timestamp = timestamp;
  const after = scheme.afterMatch(context);
  if (after instanceof Promise) return after.then(() => result(prepared, view, extracted));
  return result(prepared, view, extracted);
}

/** Verifies a message whose body is already in memory; synchronous with the node backend. */
export function verifyMessage(
  prepared: PreparedVerify,
  headers: WebhookMessage['headers'],
  rawBody: unknown,
  url: string | undefined,
): VerifiedWebhook | Promise<VerifiedWebhook> {
  const { scheme } = prepared;
  const body = normalizeBody(rawBody, prepared.maxBodyBytes, scheme.name);
  const keys = keysOf(prepared);
  const view = new RequestView(headers, prepared.url ?? url, body);
  const extracted = scheme.extract(view);
  const now = nowMs(prepared.now);
  const message: SignedMessage = {
    prefix: extracted.prefix,
    body: extracted.includeBody ? body : undefined,
    suffix: extracted.suffix ?? '',
  };
  if (backend.sync) {
    let matched = matchSync(backend, keys, extracted.signatures, message);
    // The alternatives are built (and their long prefixes compared) only when the first failed.
    if (!matched && extracted.alternatePrefixes) {
      for (const alternate of alternateMessages(extracted, message)) {
        if (matchSync(backend, keys, extracted.signatures, alternate)) {
          matched = true;
          break;
        }
      }
    }
    return finish(prepared, view, extracted, now, matched);
  }
  const messages = [message, ...alternateMessages(extracted, message)];
  return matchAnyAsync(keys, extracted.signatures, messages).then((matched) =>
    finish(prepared, view, extracted, now, matched),
  );
}

/** Most alternative prefixes tried per message (Twilio needs two). */
const MAX_ALTERNATE_PREFIXES = 4;

/** One message per alternative prefix that differs from the others (bounded). */
function alternateMessages(extracted: ExtractedSignature, first: SignedMessage): SignedMessage[] {
  const messages: SignedMessage[] = [];
  const alternates = extracted.alternatePrefixes;
  if (!alternates) return messages;
  const seen = [first.prefix];
  for (const prefix of alternates) {
    if (seen.length > MAX_ALTERNATE_PREFIXES) break;
    if (typeof prefix !== 'string' || seen.includes(prefix)) continue;
    seen.push(prefix);
    messages.push({ prefix, body: first.body, suffix: first.suffix });
  }
  return messages;
}

async function matchAnyAsync(
  keys: ResolvedKey[],
  offered: OfferedSignature[],
  messages: SignedMessage[],
): Promise<boolean> {
  for (const message of messages) {
    if (await matchAsync(backend, keys, offered, message)) return true;
  }
  return false;
}

/** Verifies any {@link WebhookInput} with prepared options. */
export function verifyPrepared(
  prepared: PreparedVerify,
  input: WebhookInput,
): Promise<VerifiedWebhook> {
  try {
    const proto =
      typeof input === 'object' && input !== null ? (Object.getPrototypeOf(input) as unknown) : 0;
    // A plain `{ body, headers }` skips the Request check.
    if (proto !== Object.prototype && typeof Request === 'function' && input instanceof Request) {
      return readRequestBody(input, prepared.maxBodyBytes, prepared.scheme.name).then((bytes) =>
        verifyMessage(prepared, input.headers, bytes, input.url),
      );
    }
    if (typeof input !== 'object' || input === null) {
      throw new WebhookOptionsError(
        'verifyWebhook: `input` must be a Request or { body, headers, url? }.',
      );
    }
    const message = input as WebhookMessage;
    const verified = verifyMessage(prepared, message.headers ?? {}, message.body, message.url);
    return verified instanceof Promise ? verified : Promise.resolve(verified);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Verifies a webhook: reads the raw body once (from a Fetch `Request`, or the `{ body, headers }`
 * you pass), checks its signature against every configured secret over the exact bytes, checks
 * the replay window, and resolves `{ provider, id?, timestamp?, body }`. Rejects with a
 * {@link WebhookVerificationError} whose `code` says why.
 *
 * @param input - a `Request`, or `{ body, headers, url? }` with the raw body
 * @param options - provider, secret(s), window, limits; see {@link VerifyWebhookOptions}
 * @returns the verified webhook
 *
 * @example
 * ```ts
 * import { verifyWebhook } from '@brace/webhook-verify';
 *
 * export default {
 *   async fetch(request: Request) {
 *     const webhook = await verifyWebhook(request, {
 *       provider: 'standard-webhooks',
 *       secrets: ['whsec_current...', 'whsec_previous...'],
 *       parse: true,
 *     });
 *     await queue.send({ id: webhook.id, payload: webhook.payload });
 *     return new Response(null, { status: 202 });
 *   },
 * };
 * ```
 */
export function verifyWebhook<T = unknown>(
  input: WebhookInput,
  options: VerifyWebhookOptions,
): Promise<VerifiedWebhook<T>> {
  let prepared: PreparedVerify;
  try {
    prepared = preparedFor(options);
  } catch (error) {
    return Promise.reject(error);
  }
  return verifyPrepared(prepared, input) as Promise<VerifiedWebhook<T>>;
}
