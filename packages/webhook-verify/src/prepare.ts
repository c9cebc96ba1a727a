// Options of verifyWebhook and the receivers, validated once: per options object for
// verifyWebhook (a WeakMap, so entries live as long as the caller's object), once at
// construction for the receivers.
import { backend } from '#crypto';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import { WebhookOptionsError } from './errors.js';
import { type ResolvedKey, resolveKey } from './keys.js';
import { resolveScheme } from './providers.js';
import type { SecretInput, WebhookScheme } from './scheme.js';
import type { VerifyWebhookOptions } from './verify.js';

/** Normalised options, reused by the receivers. */
export interface PreparedVerify {
  scheme: WebhookScheme;
  secrets: readonly SecretInput[];
  toleranceSec: number | undefined;
  maxBodyBytes: number;
  now: VerifyWebhookOptions['now'];
  parse: boolean;
  url: string | undefined;
  /** The secrets' keys, resolved on first use (errors surface at verification, as before). */
  keys: ResolvedKey[] | undefined;
}

/** Why a `now` option was refused: NaN would silently switch the replay window off. */
export const BAD_NOW_MESSAGE =
  '`now` must give the current time in ms since the epoch: a finite number, a valid Date, or a function returning one.';

/** Checks options once; throws `WebhookOptionsError` naming the bad one. */
export function prepareVerify(options: VerifyWebhookOptions): PreparedVerify {
  if (typeof options !== 'object' || options === null) {
    throw new WebhookOptionsError('verifyWebhook needs options: { provider, secret | secrets }.');
  }
  const scheme = resolveScheme(options.provider);
  const { secret, secrets, toleranceSec, maxBodyBytes } = options;
  let list: readonly SecretInput[];
  if (secrets !== undefined) {
    if (!Array.isArray(secrets) || secrets.length === 0) {
      throw new WebhookOptionsError('`secrets` must be a non-empty array of secrets.');
    }
    list = secret === undefined ? secrets : [secret, ...secrets];
  } else if (secret !== undefined) list = [secret];
  else throw new WebhookOptionsError('Pass `secret` (or `secrets` for rotation).');
  if (toleranceSec !== undefined && !(toleranceSec >= 0)) {
    throw new WebhookOptionsError(
      '`toleranceSec` must be a number >= 0 (Infinity turns the window off).',
    );
  }
  if (maxBodyBytes !== undefined && !(Number.isSafeInteger(maxBodyBytes) && maxBodyBytes >= 0)) {
    throw new WebhookOptionsError('`maxBodyBytes` must be an integer >= 0.');
  }
  const { now } = options;
  if (now !== undefined && typeof now !== 'function') {
    const ms = typeof now === 'number' ? now : (now as Partial<Date> | null)?.getTime?.();
    if (!Number.isFinite(ms)) throw new WebhookOptionsError(BAD_NOW_MESSAGE);
  }
  return {
    scheme,
    secrets: list,
    toleranceSec,
    maxBodyBytes: maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    now,
    parse: options.parse === true,
    url: options.url,
    keys: undefined,
  };
}

/** The options a prepared entry was made from, compared by identity on every reuse. */
interface PreparedEntry {
  provider: unknown;
  secret: unknown;
  secrets: unknown;
  /** A copy of `secrets`' elements: a mutated array is noticed. */
  secretsCopy: readonly unknown[] | undefined;
  toleranceSec: unknown;
  maxBodyBytes: unknown;
  now: unknown;
  parse: unknown;
  url: unknown;
  prepared: PreparedVerify;
}

// Keyed by the caller's options object, so entries live exactly as long as it does.
const preparedByOptions = new WeakMap<object, PreparedEntry>();

function unchanged(entry: PreparedEntry, options: VerifyWebhookOptions): boolean {
  if (
    entry.provider !== options.provider ||
    entry.secret !== options.secret ||
    entry.secrets !== options.secrets ||
    entry.toleranceSec !== options.toleranceSec ||
    entry.maxBodyBytes !== options.maxBodyBytes ||
    entry.now !== options.now ||
    entry.parse !== options.parse ||
    entry.url !== options.url
  ) {
    return false;
  }
  const copy = entry.secretsCopy;
  if (copy === undefined) return true;
  const secrets = options.secrets!;
  if (secrets.length !== copy.length) return false;
  for (let i = 0; i < copy.length; i++) if (secrets[i] !== copy[i]) return false;
  return true;
}

/**
 * {@link prepareVerify}, cached per options object: a caller passing the same (unchanged)
 * options on every call validates and resolves them once. Any changed option is re-prepared.
 */
export function preparedFor(options: VerifyWebhookOptions): PreparedVerify {
  if (typeof options === 'object' && options !== null) {
    const entry = preparedByOptions.get(options);
    if (entry !== undefined && unchanged(entry, options)) return entry.prepared;
  }
  const prepared = prepareVerify(options);
  const { secrets } = options;
  preparedByOptions.set(options, {
    provider: options.provider,
    secret: options.secret,
    secrets,
    secretsCopy: secrets === undefined ? undefined : [...secrets],
    toleranceSec: options.toleranceSec,
    maxBodyBytes: options.maxBodyBytes,
    now: options.now,
    parse: options.parse,
    url: options.url,
    prepared,
  });
  return prepared;
}

export function keysOf(prepared: PreparedVerify): ResolvedKey[] {
  let keys = prepared.keys;
  if (keys === undefined) {
    keys = [];
    for (const secret of prepared.secrets) keys.push(resolveKey(prepared.scheme, secret, backend));
    prepared.keys = keys;
  }
  return keys;
}
