import type { Clock } from '@brace/core';
import { bearerRecord, type TokenStore } from './oauth-tokens.js';
import type { OAuthServer } from './oauth-types.js';

/** Whether an `Authorization` header value carries a known access token past its lifetime. */
type ExpiryCheck = (authorization: string) => boolean;

const checks = new WeakMap<OAuthServer, ExpiryCheck>();

/** Internal: `createOAuthServer` registers its token store and clock for {@link carriesExpiredToken}. */
export function registerExpiryCheck(
  server: OAuthServer,
  store: TokenStore,
  clock: Pick<Clock, 'now'>,
): OAuthServer {
  checks.set(server, (authorization) => {
    const record = bearerRecord(store, authorization);
    return typeof record === 'object' && record.expiresAt <= clock.now();
  });
  return server;
}

/**
 * Internal: whether a request's `Authorization` header carries an access token of `server`
 * that is past its lifetime now. Counts nothing (the server's own ledger is not touched), so the
 * provider can record every request sent with an expired token on arrival, before the rate
 * limit or an injected fault refuses it.
 */
export function carriesExpiredToken(server: OAuthServer, authorization: string | null): boolean {
  if (authorization === null) return false;
  return checks.get(server)?.(authorization) ?? false;
}
