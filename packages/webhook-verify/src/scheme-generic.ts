import { WebhookOptionsError } from './errors.js';
import { headerEvent } from './events.js';
import {
  defineScheme,
  type OfferedSignature,
  parseSeconds,
  rejectWebhook,
  requireHeader,
  type SignatureAlgorithm,
  utf8Key,
  type WebhookScheme,
} from './scheme.js';
import {
  decodeSignature,
  encodeSignature,
  MAX_SIGNATURES_PER_HEADER,
  readId,
} from './schemes-util.js';

/** Options of {@link hmacScheme}. */
export interface HmacSchemeOptions {
  /** The provider name used in results and errors. Default `'hmac'`. */
  name?: string;
  /** The signature header, e.g. `'x-acme-signature'`. */
  header: string;
  /** The hash. */
  algorithm: 'sha1' | 'sha256' | 'sha512';
  /** How the signature is encoded. */
  encoding: 'hex' | 'base64';
  /** Text before each signature in the header, e.g. `'sha256='`. Default none. */
  prefix?: string;
  /** Separator between several signatures in the header. Default `','`. */
  separator?: string;
  /** A timestamp header (Unix seconds); when set, `{ts}{timestampSeparator}{body}` is signed. */
  timestampHeader?: string;
  /** Between the timestamp and the body. Default `'.'`. */
  timestampSeparator?: string;
  /** Replay window in seconds when `timestampHeader` is set. Default 300. */
  toleranceSec?: number;
  /** A delivery id header, reported as `id` (for dedupe). */
  idHeader?: string;
  /** An event type header, reported as `type` (e.g. `'x-acme-event'`). */
  typeHeader?: string;
}

/** Default replay window of {@link hmacScheme}, in seconds. */
export const HMAC_SCHEME_TOLERANCE_SEC = 300;

/**
 * A generic HMAC scheme for providers without a built-in one: a header holding one or more
 * `<prefix><hex|base64 signature>` values over the raw body, optionally with a signed timestamp.
 *
 * @param options - see {@link HmacSchemeOptions}
 * @returns the scheme, for `provider:`
 *
 * @example
 * ```ts
 * import { hmacScheme, verifyWebhook } from '@brace/webhook-verify';
 *
 * const acme = hmacScheme({ name: 'acme', header: 'x-acme-signature', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=' });
 * await verifyWebhook(request, { provider: acme, secret: process.env.ACME_SECRET! });
 * ```
 */
export function hmacScheme(options: HmacSchemeOptions): Readonly<WebhookScheme> {
  const name = options.name ?? 'hmac';
  if (typeof options.header !== 'string' || options.header.length === 0) {
    throw new WebhookOptionsError('hmacScheme: `header` must be a header name.');
  }
  if (!['sha1', 'sha256', 'sha512'].includes(options.algorithm)) {
    throw new WebhookOptionsError("hmacScheme: `algorithm` must be 'sha1', 'sha256' or 'sha512'.");
  }
  if (options.encoding !== 'hex' && options.encoding !== 'base64') {
    throw new WebhookOptionsError("hmacScheme: `encoding` must be 'hex' or 'base64'.");
  }
  const header = options.header.toLowerCase();
  const algorithm = `hmac-${options.algorithm}` as SignatureAlgorithm;
  const { encoding } = options;
  const prefix = options.prefix ?? '';
  const separator = options.separator ?? ',';
  const tsHeader = options.timestampHeader?.toLowerCase();
  const tsSeparator = options.timestampSeparator ?? '.';
  const idHeader = options.idHeader?.toLowerCase();
  const typeHeader = options.typeHeader?.toLowerCase();
  return defineScheme({
    event: headerEvent(
      idHeader === undefined ? [] : [idHeader],
      typeHeader === undefined ? [] : [typeHeader],
    ),
    name,
    toleranceSec: options.toleranceSec ?? HMAC_SCHEME_TOLERANCE_SEC,
    secretFormat: 'utf8',
    key: utf8Key,
    extract(request) {
      const value = requireHeader(request, name, [header]);
      const signatures: OfferedSignature[] = [];
      const parts = value.split(separator, MAX_SIGNATURES_PER_HEADER);
      for (const raw of parts) {
        const part = raw.trim();
        if (!part.startsWith(prefix)) continue;
        const decoded = decodeSignature(part.slice(prefix.length), encoding, algorithm);
        if (decoded !== undefined) signatures.push(decoded);
      }
      if (signatures.length === 0) {
        rejectWebhook(
          name,
          'MALFORMED_HEADER',
          `The ${header} header holds no "${prefix}<${encoding}>" ${options.algorithm} signature.`,
        );
      }
      const id = idHeader === undefined ? undefined : readId(request, [idHeader]);
      if (tsHeader === undefined) return { id, prefix: '', includeBody: true, signatures };
      const ts = requireHeader(request, name, [tsHeader]);
      return {
        id,
        timestamp: parseSeconds(ts, name, `${tsHeader} header`),
        prefix: `${ts}${tsSeparator}`,
        includeBody: true,
        signatures,
      };
    },
    prepareSigning: ({ id, timestamp }) => ({
      algorithm,
      prefix: tsHeader === undefined ? '' : `${timestamp}${tsSeparator}`,
      includeBody: true,
      headers(sigs) {
        const out: Record<string, string> = {
          [header]: sigs.map((s) => prefix + encodeSignature(s, encoding)).join(separator),
        };
        if (tsHeader !== undefined) out[tsHeader] = String(timestamp);
        if (idHeader !== undefined) out[idHeader] = id;
        return out;
      },
    }),
  });
}
