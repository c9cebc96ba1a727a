import { BraceError } from '@brace/core';

/**
 * A permanent refusal from the token endpoint (`invalid_grant`, `invalid_client`,
 * `unauthorized_client`, `invalid_scope`, ...) or a grant that cannot run (a rotating
 * refresh token whose last use is in doubt). Never retried: fix the credential.
 *
 * The message names the credential (`client credentials for client "app" at https://...`)
 * and the OAuth error code, never a secret or a token.
 *
 * @example
 * ```ts
 * import { AuthGrantError, clientCredentials, createTokenManager } from '@brace/auth';
 *
 * const auth = createTokenManager({
 *   grant: clientCredentials({ tokenUrl: 'https://id.example.com/token', clientId: 'app', clientSecret: 's3cret' }),
 * });
 * try {
 *   await auth.validate();
 * } catch (error) {
 *   if (error instanceof AuthGrantError) console.error(error.credential, error.oauthError);
 * }
 * ```
 */
export class AuthGrantError extends BraceError {
  /** Which credential was refused, e.g. `client credentials for client "app" at https://id.example.com/token`. */
  readonly credential: string;
  /** The RFC 6749 §5.2 error code (`invalid_grant`, `invalid_client`, ...) or `refresh_token_in_doubt`. */
  readonly oauthError: string;
  /** The token endpoint's HTTP status, when it answered. */
  readonly status: number | undefined;

  /**
   * @param credential - which credential was refused
   * @param oauthError - the OAuth error code
   * @param status - the HTTP status, if any
   * @param hint - what to do about it
   */
  constructor(credential: string, oauthError: string, status: number | undefined, hint: string) {
    super(
      'AUTH_GRANT_REJECTED',
      `Cannot use ${credential}: ${oauthError}${status === undefined ? '' : ` (HTTP ${status})`}. ${hint}`,
    );
    this.credential = credential;
    this.oauthError = oauthError;
    this.status = status;
  }
}

/** Why a token request failed without a verdict from the server. */
export type AuthFailureReason = 'network' | 'timeout' | 'status' | 'invalid-response';

/**
 * A token request failed for a transient reason (network, timeout, 5xx, 429, a malformed
 * response) and every retry failed too, with no still-valid token left to serve.
 *
 * @example
 * ```ts
 * import { AuthRefreshError } from '@brace/auth';
 *
 * function describe(error: unknown) {
 *   if (error instanceof AuthRefreshError) return `${error.reason} after ${error.attempts} attempts`;
 *   return 'other';
 * }
 * ```
 */
export class AuthRefreshError extends BraceError {
  /** Which credential could not be exchanged. */
  readonly credential: string;
  /** What went wrong on the last attempt. */
  readonly reason: AuthFailureReason;
  /** The HTTP status of the last attempt, when there was one. */
  readonly status: number | undefined;
  /** How many token requests were made. */
  readonly attempts: number;

  /**
   * @param credential - which credential
   * @param reason - what went wrong last
   * @param status - the last HTTP status, if any
   * @param attempts - how many requests were made
   */
  constructor(
    credential: string,
    reason: AuthFailureReason,
    status: number | undefined,
    attempts: number,
  ) {
    super(
      'AUTH_REFRESH_FAILED',
      `Could not obtain a token with ${credential} after ${attempts} attempt(s): ${reason}${status === undefined ? '' : ` (HTTP ${status})`}. The token endpoint may be down; the request was not sent with an expired token.`,
    );
    this.credential = credential;
    this.reason = reason;
    this.status = status;
    this.attempts = attempts;
  }
}

/**
 * Another process held the refresh lock longer than `lockWaitMs` and no usable token
 * appeared in the store meanwhile.
 *
 * @example
 * ```ts
 * import { isBraceError } from '@brace/core';
 *
 * const timedOut = (error: unknown) => isBraceError(error, 'AUTH_LOCK_TIMEOUT');
 * ```
 */
export class AuthLockTimeoutError extends BraceError {
  /** How long this process waited, in milliseconds. */
  readonly waitedMs: number;

  /** @param waitedMs - how long this process waited */
  constructor(waitedMs: number) {
    super(
      'AUTH_LOCK_TIMEOUT',
      `Another process held the token refresh lock for ${waitedMs} ms without storing a token. Check that process, or raise lockWaitMs.`,
    );
    this.waitedMs = waitedMs;
  }
}

/**
 * A call to the token store (`load`, `lock`, `claim`, `save`, `unlock`, `renew`) did not
 * answer within `storeTimeoutMs`: the store's server or connection hangs. Not retried by the
 * manager; a still-valid cached token keeps being served meanwhile.
 *
 * @example
 * ```ts
 * import { AuthStoreTimeoutError } from '@brace/auth';
 *
 * const hung = (error: unknown) => error instanceof AuthStoreTimeoutError && error.operation;
 * ```
 */
export class AuthStoreTimeoutError extends BraceError {
  /** The store call that hung. */
  readonly operation: string;
  /** The bound it exceeded, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * @param operation - the store call that hung
   * @param timeoutMs - the bound it exceeded
   */
  constructor(operation: string, timeoutMs: number) {
    super(
      'AUTH_STORE_TIMEOUT',
      `The token store did not answer "${operation}" within ${timeoutMs} ms. Check the store's server and connection, or raise storeTimeoutMs.`,
    );
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The server answered 401 again after the credential was refreshed (or the previous API key
 * was tried): the request is not retried a third time.
 *
 * @example
 * ```ts
 * import { AuthRejectedError } from '@brace/auth';
 *
 * const rejected = (error: unknown) => error instanceof AuthRejectedError;
 * ```
 */
export class AuthRejectedError extends BraceError {
  /** The status of the last response (401). */
  readonly status: number;

  /** @param status - the last response's status */
  constructor(status: number) {
    super(
      'AUTH_REJECTED',
      `The server rejected the request with HTTP ${status} even with a freshly obtained credential. Check the credential's permissions or the API key.`,
    );
    this.status = status;
  }
}

/**
 * An option is missing or out of range; thrown at construction.
 *
 * @example
 * ```ts
 * import { AuthOptionError, apiKey } from '@brace/auth';
 *
 * try {
 *   apiKey({ header: 'x-api-key', keys: [] as unknown as [string] });
 * } catch (error) {
 *   if (error instanceof AuthOptionError) console.error(error.option);
 * }
 * ```
 */
export class AuthOptionError extends BraceError {
  /** The option at fault. */
  readonly option: string;

  /**
   * @param option - the option at fault
   * @param expected - what it accepts
   */
  constructor(option: string, expected: string) {
    super('AUTH_INVALID_OPTION', `Invalid option "${option}": expected ${expected}.`);
    this.option = option;
  }
}

/**
 * The token manager was closed; no more tokens are handed out.
 *
 * @example
 * ```ts
 * import { isBraceError } from '@brace/core';
 *
 * const closed = (error: unknown) => isBraceError(error, 'AUTH_CLOSED');
 * ```
 */
export class AuthClosedError extends BraceError {
  constructor() {
    super('AUTH_CLOSED', 'The token manager was closed; create a new one.');
  }
}
