import { type WebhookErrorCode, WebhookOptionsError, WebhookVerificationError } from './errors.js';
import type { EventContext, WebhookEventInfo } from './events.js';

/** A secret as configured: a string (its meaning depends on the scheme) or raw key bytes. */
export type SecretInput = string | Uint8Array;

/** The signature algorithms a scheme can ask for. */
export type SignatureAlgorithm = 'hmac-sha1' | 'hmac-sha256' | 'hmac-sha512' | 'ed25519';

/**
 * Key bytes derived from a secret: an HMAC key, or an Ed25519 public key (32 bytes) for
 * verifying, or an Ed25519 seed (32 bytes) for signing.
 */
export interface KeyMaterial {
  /** What the bytes are. */
  type: 'hmac' | 'ed25519-public' | 'ed25519-seed';
  /** The key bytes. */
  bytes: Uint8Array;
}

/** One signature found in the request, decoded to bytes. */
export interface OfferedSignature {
  /** How it was made. */
  algorithm: SignatureAlgorithm;
  /** The decoded signature bytes. */
  signature: Uint8Array;
}

/** The request as a scheme sees it while extracting what to verify. */
export interface WebhookRequestView {
  /** Reads a header (pass the name in lower case); `undefined` when absent. */
  header(name: string): string | undefined;
  /** The full request URL when known (Twilio and Square sign it). */
  readonly url: string | undefined;
  /** The raw body as received. */
  readonly body: string | Uint8Array;
  /** The body as UTF-8 text (decoded once, only when asked). */
  text(): string;
}

/**
 * What a scheme extracted from a request: which bytes are signed (`prefix` + raw body when
 * `includeBody` + `suffix`), the offered signatures, and the delivery id and timestamp.
 */
export interface ExtractedSignature {
  /** The delivery id, when the provider sends one (used for dedupe). */
  id?: string;
  /** The signed timestamp in Unix seconds, checked against the replay window. */
  timestamp?: number;
  /** Text signed before the body. */
  prefix: string;
  /** Whether the raw body is part of the signed content. */
  includeBody: boolean;
  /** Text signed after the body. */
  suffix?: string;
  /** Every signature offered; any one that matches any secret passes. */
  signatures: OfferedSignature[];
  /**
   * Other texts to try in place of `prefix` (at most 4): a signature matching the message
   * built with any of them passes. Twilio uses it for the URL with and without the default
   * port, as Twilio's own libraries try both.
   */
  alternatePrefixes?: readonly string[];
}

/** What {@link WebhookScheme.afterMatch} receives. */
export interface AfterMatchContext {
  /** The request. */
  request: WebhookRequestView;
  /** The current time in milliseconds since the epoch. */
  nowMs: number;
  /** The replay window in effect, in seconds. */
  toleranceSec: number;
  /** The signed timestamp the scheme extracted (Unix seconds), when it has one. */
  timestamp?: number;
  /** SHA-256 of some data (synchronous on Node). */
  sha256(data: string | Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** What {@link WebhookScheme.prepareSigning} receives. */
export interface SigningContext {
  /** The body to sign. */
  body: string | Uint8Array;
  /** The delivery id (a random one when the caller gave none). */
  id: string;
  /** The timestamp in Unix seconds. */
  timestamp: number;
  /** The URL, for schemes that sign it. */
  url: string | undefined;
  /** The body as UTF-8 text. */
  text(): string;
}

/** How to sign one message: the content and how to turn a signature into headers. */
export interface SigningPlan {
  /** The algorithm used with HMAC secrets (Ed25519 seeds always sign with `ed25519`). */
  algorithm: SignatureAlgorithm;
  /** Text signed before the body. */
  prefix: string;
  /** Whether the body is signed. */
  includeBody: boolean;
  /** Text signed after the body. */
  suffix?: string;
  /** The headers to send, given the encoded signatures (one per signing secret). */
  headers(signatures: Uint8Array[], algorithms: SignatureAlgorithm[]): Record<string, string>;
  /** The URL to send to, when the scheme changed it (Twilio's bodySHA256). */
  url?: string;
}

/**
 * A signature scheme: how a provider signs webhooks. Built-in ones are picked by name; make your
 * own with {@link defineScheme} (or {@link hmacScheme} for the common HMAC-in-a-header case).
 */
export interface WebhookScheme {
  /** The provider name, reported in results and errors. */
  readonly name: string;
  /** The default replay window in seconds (`Infinity`: no window). */
  readonly toleranceSec: number;
  /** Names the secret format, so that derived keys are cached per format. */
  readonly secretFormat: string;
  /** Turns one configured verification secret into key bytes; throws `WebhookOptionsError` on a bad one. */
  key(secret: SecretInput): KeyMaterial;
  /** Turns one signing secret into key bytes (defaults to {@link WebhookScheme.key}). */
  signingKey?(secret: SecretInput): KeyMaterial;
  /** Reads the signature headers; throws `WebhookVerificationError` when they are missing or malformed. */
  extract(request: WebhookRequestView): ExtractedSignature;
  /** Extra checks once a signature matched (a body timestamp, a body hash). */
  afterMatch?(context: AfterMatchContext): void | Promise<void>;
  /**
   * The provider's event id, type and action, read once the webhook is verified (from
   * headers, or from the JSON body through `context.json()`). Never throws: a field the
   * provider did not send is left out. With `parse` off it is called once without the body
   * (`json()` gives `undefined`) and, if it asked for the body, again on the first read of a
   * body-derived field, so keep it free of side effects.
   */
  event?(context: EventContext): WebhookEventInfo;
  /** How to sign a message with this scheme (for tests and senders). */
  prepareSigning(context: SigningContext): SigningPlan;
}

/**
 * Checks a scheme definition and returns it frozen, ready for `provider:`.
 *
 * @param scheme - the scheme; see {@link WebhookScheme}
 * @returns the same scheme, frozen
 *
 * @example
 * ```ts
 * import { defineScheme, rejectWebhook, utf8Key, verifyWebhook } from '@brace/webhook-verify';
 *
 * const acme = defineScheme({
 *   name: 'acme',
 *   toleranceSec: Infinity,
 *   secretFormat: 'utf8',
 *   key: utf8Key,
 *   extract(request) {
 *     const header = request.header('x-acme-signature');
 *     if (header === undefined) rejectWebhook('acme', 'MISSING_HEADER', 'x-acme-signature is absent.');
 *     return { prefix: '', includeBody: true, signatures: [] };
 *   },
 *   prepareSigning: () => ({
 *     algorithm: 'hmac-sha256',
 *     prefix: '',
 *     includeBody: true,
 *     headers: () => ({}),
 *   }),
 * });
 * await verifyWebhook({ body: '{}', headers: {} }, { provider: acme, secret: 's' }).catch(() => {});
 * ```
 */
export function defineScheme<S extends WebhookScheme>(scheme: S): Readonly<S> {
  if (typeof scheme?.name !== 'string' || scheme.name.length === 0) {
    throw new WebhookOptionsError('defineScheme: `name` must be a non-empty string.');
  }
  if (typeof scheme.toleranceSec !== 'number' || !(scheme.toleranceSec >= 0)) {
    throw new WebhookOptionsError(
      'defineScheme: `toleranceSec` must be a number >= 0 (Infinity for no replay window).',
    );
  }
  for (const method of ['key', 'extract', 'prepareSigning'] as const) {
    if (typeof scheme[method] !== 'function') {
      throw new WebhookOptionsError(`defineScheme: \`${method}\` must be a function.`);
    }
  }
  if (typeof scheme.secretFormat !== 'string') {
    throw new WebhookOptionsError('defineScheme: `secretFormat` must be a string.');
  }
  return Object.freeze(scheme);
}

/**
 * Throws a {@link WebhookVerificationError}; for use inside a scheme's `extract`.
 *
 * @param provider - the scheme name
 * @param code - why
 * @param message - what happened and what to do; never a secret, a signature or the body
 *
 * @example
 * ```ts
 * import { rejectWebhook } from '@brace/webhook-verify';
 *
 * function need(value: string | undefined): string {
 *   if (value === undefined) rejectWebhook('acme', 'MISSING_HEADER', 'x-acme-signature is absent.');
 *   return value;
 * }
 * ```
 */
export function rejectWebhook(provider: string, code: WebhookErrorCode, message: string): never {
  throw new WebhookVerificationError(code, message, provider);
}

const textEncoder = new TextEncoder();

/**
 * The usual secret format: the secret string's UTF-8 bytes (or the bytes given) are the HMAC key.
 *
 * @param secret - the configured secret
 * @returns the HMAC key material
 *
 * @example
 * ```ts
 * import { utf8Key } from '@brace/webhook-verify';
 *
 * utf8Key('It\'s a Secret to Everybody').bytes.length; // 26
 * ```
 */
export function utf8Key(secret: SecretInput): KeyMaterial {
  const bytes = typeof secret === 'string' ? textEncoder.encode(secret) : secret;
  if (bytes.length === 0) throw new WebhookOptionsError('`secret` must not be empty.');
  return { type: 'hmac', bytes };
}

/** Longest header value we parse; longer ones are refused before any parsing. */
export const MAX_HEADER_LENGTH = 8192;

/** Reads a required header, bounded in length. */
export function requireHeader(
  request: WebhookRequestView,
  provider: string,
  names: readonly string[],
): string {
  // An empty header counts as a missing one (like the reference libraries).
  let value: string | undefined;
  for (let i = 0; i < names.length && !value; i++) value = request.header(names[i]!);
  return checkHeader(value, provider, names);
}

/** The checks of {@link requireHeader} on a value already read from the first of `names`. */
export function checkHeader(
  value: string | undefined,
  provider: string,
  names: readonly string[],
): string {
  if (!value) {
    rejectWebhook(
      provider,
      'MISSING_HEADER',
      `The ${names.join(' / ')} header is missing; is this request really from ${provider}, and does your proxy forward all headers?`,
    );
  }
  if (value.length > MAX_HEADER_LENGTH) {
    rejectWebhook(
      provider,
      'MALFORMED_HEADER',
      `The ${names[0]} header is longer than ${MAX_HEADER_LENGTH} characters.`,
    );
  }
  return value;
}

/** Parses a Unix-seconds timestamp strictly: 1 to 12 decimal digits, no leading zero. */
export function parseSeconds(text: string | undefined, provider: string, what: string): number {
  const length = text?.length ?? 0;
  let value = 0;
  let ok = length > 0 && length <= 12 && (length === 1 || text!.charCodeAt(0) !== 48);
  for (let i = 0; ok && i < length; i++) {
    const digit = text!.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) ok = false;
    else value = value * 10 + digit;
  }
  if (!ok)
    rejectWebhook(provider, 'MALFORMED_HEADER', `The ${what} is not a Unix time in seconds.`);
  return value;
}
