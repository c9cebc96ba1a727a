import { BraceError } from '@brace/core';

/**
 * Why a webhook was refused:
 * - `MISSING_HEADER`: a signature, timestamp or id header (or the URL a scheme signs) is absent.
 * - `MALFORMED_HEADER`: a header is present but cannot be parsed.
 * - `NO_MATCHING_SIGNATURE`: no offered signature matches any configured secret.
 * - `TIMESTAMP_TOO_OLD` / `TIMESTAMP_IN_FUTURE`: outside the replay window.
 * - `BODY_ALREADY_PARSED`: the body is an object, not the raw bytes the signature covers.
 * - `BODY_TOO_LARGE`: the body exceeds `maxBodyBytes`.
 * - `UNSUPPORTED_ALGORITHM`: the header only offers schemes or versions this package does not verify.
 *
 * @example
 * ```ts
 * import type { WebhookErrorCode } from '@brace/webhook-verify';
 *
 * const retryable = (code: WebhookErrorCode) => code === 'BODY_TOO_LARGE';
 * ```
 */
export type WebhookErrorCode =
  | 'MISSING_HEADER'
  | 'MALFORMED_HEADER'
  | 'NO_MATCHING_SIGNATURE'
  | 'TIMESTAMP_TOO_OLD'
  | 'TIMESTAMP_IN_FUTURE'
  | 'BODY_ALREADY_PARSED'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_ALGORITHM';

/**
 * A webhook failed verification. Switch on `code`; the message says what to do. Neither the
 * message nor any property ever holds a secret, an expected signature or the body.
 *
 * @example
 * ```ts
 * import { verifyWebhook, WebhookVerificationError } from '@brace/webhook-verify';
 *
 * try {
 *   await verifyWebhook(request, { provider: 'stripe', secret: process.env.STRIPE_WEBHOOK_SECRET! });
 * } catch (error) {
 *   if (error instanceof WebhookVerificationError) console.log(error.code, error.status);
 * }
 * ```
 */
export class WebhookVerificationError extends BraceError {
  /** Why verification failed. */
  declare readonly code: WebhookErrorCode;
  /** The HTTP status a receiver should answer with: 401 for a bad signature or window, 413 for a large body, else 400. */
  readonly status: 400 | 401 | 413;
  /** The provider (scheme name) being verified. */
  readonly provider: string;

  /**
   * @param code - why verification failed
   * @param message - what happened and what to do; never a secret, signature or body
   * @param provider - the scheme name
   */
  constructor(code: WebhookErrorCode, message: string, provider: string) {
    super(code, message);
    this.provider = provider;
    this.status =
      code === 'BODY_TOO_LARGE'
        ? 413
        : code === 'NO_MATCHING_SIGNATURE' ||
            code === 'TIMESTAMP_TOO_OLD' ||
            code === 'TIMESTAMP_IN_FUTURE'
          ? 401
          : 400;
  }
}

/**
 * Bad options (an unknown provider, no secret, a secret in the wrong format, a negative
 * tolerance ...). Thrown before anything is verified; `code` is `INVALID_WEBHOOK_OPTIONS` and the
 * message names the option and what it accepts (never its value).
 *
 * @example
 * ```ts
 * import { verifyWebhook, WebhookOptionsError } from '@brace/webhook-verify';
 *
 * await verifyWebhook({ body: '{}', headers: {} }, { provider: 'stripe', secrets: [] }).catch(
 *   (error) => error instanceof WebhookOptionsError, // true: `secrets` is empty
 * );
 * ```
 */
export class WebhookOptionsError extends BraceError {
  /** Always `INVALID_WEBHOOK_OPTIONS`. */
  declare readonly code: 'INVALID_WEBHOOK_OPTIONS';

  /** @param message - names the option and the accepted values */
  constructor(message: string) {
    super('INVALID_WEBHOOK_OPTIONS', message);
  }
}

/**
 * The signature was valid but `parse: true` found no JSON in the body. `code` is
 * `WEBHOOK_BODY_NOT_JSON`; `cause` is a `SyntaxError` that withholds the JSON parser's own
 * message, because that message quotes part of the body. Neither ever quotes the body.
 *
 * @example
 * ```ts
 * import { verifyWebhook, WebhookPayloadError } from '@brace/webhook-verify';
 *
 * const secret = process.env.GITHUB_WEBHOOK_SECRET!;
 * await verifyWebhook(request, { provider: 'github', secret, parse: true }).catch((error) => {
 *   if (error instanceof WebhookPayloadError) return new Response(null, { status: 400 });
 *   throw error;
 * });
 * ```
 */
export class WebhookPayloadError extends BraceError {
  /** Always `WEBHOOK_BODY_NOT_JSON`. */
  declare readonly code: 'WEBHOOK_BODY_NOT_JSON';
  /** Always 400. */
  readonly status = 400;
  /** The provider (scheme name). */
  readonly provider: string;

  /**
   * @param provider - the scheme name
   * @param _cause - the JSON parser's error; not kept, since its message quotes the body
   */
  constructor(provider: string, _cause?: unknown) {
    super(
      'WEBHOOK_BODY_NOT_JSON',
      'The webhook is authentic but its body is not JSON; drop `parse: true` for this provider or parse the body yourself.',
      // V8's message reads like `Unexpected token '}', ..."42","cvc":}" is not valid JSON`.
      { cause: new SyntaxError('The body is not valid JSON (the parser message is withheld).') },
    );
    this.provider = provider;
  }
}

/**
 * A verified webhook's payload failed the Standard Schema its router route declares. `code` is
 * `WEBHOOK_PAYLOAD_INVALID`. The message names the event type and the number of issues; the
 * issues' paths are on `paths`. Neither the message nor `paths` quotes a payload value (issue
 * messages can, so they are not kept).
 *
 * @example
 * ```ts
 * import { WebhookSchemaError } from '@brace/webhook-verify';
 *
 * try {
 *   await router.dispatch(webhook);
 * } catch (error) {
 *   if (error instanceof WebhookSchemaError) console.warn(error.type, error.paths);
 * }
 * ```
 */
export class WebhookSchemaError extends BraceError {
  /** Always `WEBHOOK_PAYLOAD_INVALID`. */
  declare readonly code: 'WEBHOOK_PAYLOAD_INVALID';
  /** Always 422: the delivery is authentic but not what this route expects. */
  readonly status = 422;
  /** The provider (scheme name). */
  readonly provider: string;
  /** The route's event type. */
  readonly type: string;
  /** Each issue's path, dot-joined (`''` for the root), at most 20. */
  readonly paths: readonly string[];

  /**
   * @param provider - the scheme name
   * @param type - the route's event type
   * @param paths - the failing paths, dot-joined
   */
  constructor(provider: string, type: string, paths: readonly string[]) {
    super(
      'WEBHOOK_PAYLOAD_INVALID',
      `The ${provider} webhook is authentic but its "${type.slice(0, 100)}" payload does not match the route's schema (${paths.length} issue${paths.length === 1 ? '' : 's'}); check the schema against the provider's current payload.`,
    );
    this.provider = provider;
    this.type = type;
    this.paths = paths.slice(0, 20);
  }
}
