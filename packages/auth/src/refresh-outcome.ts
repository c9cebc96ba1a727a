import {
  type AuthFailureReason,
  AuthGrantError,
  AuthLockTimeoutError,
  AuthOptionError,
  AuthStoreTimeoutError,
} from './errors.js';
import { GrantFailure } from './grant.js';

/** Races `promise` with `signal`. */
export function withSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * This package's verdicts, never retried: a refusal, a bad option, a lock or store timeout. Any other
 * error (a `BraceError` from the user's grant code included) is transient and not passed on.
 */
export function isFinal(error: unknown): boolean {
  return (
    error instanceof AuthGrantError ||
    error instanceof AuthOptionError ||
    error instanceof AuthLockTimeoutError ||
    error instanceof AuthStoreTimeoutError
  );
}

/** The failure reason and status of a transient error. */
export function failureOf(error: unknown): {
  reason: AuthFailureReason;
  status: number | undefined;
} {
  if (error instanceof GrantFailure) return { reason: error.reason, status: error.status };
  return { reason: 'network', status: undefined };
}
