import { systemClock } from '@brace/core';
import { SimulatorOptionsError } from './errors.js';
import { registerExpiryCheck } from './oauth-expiry.js';
import { checkSeconds, json, NO_STORE, sameSecret } from './oauth-http.js';
import { emptyOAuthLedger } from './oauth-ledger.js';
import { clientCredentials, type OAuthFailure, readForm, scopeSet } from './oauth-request.js';
import { bearerRecord, TokenStore } from './oauth-tokens.js';
import {
  type AuthenticateResult,
  DEFAULT_ACCESS_TOKEN_TTL_SEC,
  DEFAULT_MAX_TOKENS,
  DEFAULT_OAUTH_CLIENT,
  DEFAULT_REFRESH_TOKEN_TTL_SEC,
  type OAuthClientConfig,
  type OAuthServer,
  type OAuthServerOptions,
  type TokenResponse,
} from './oauth-types.js';
import { seededRandom } from './random.js';

/**
 * Creates a simulated OAuth 2.0 authorization server: client-credentials (RFC 6749 §4.4) and
 * refresh-token (§6) grants on a form-encoded token endpoint, client authentication by HTTP
 * Basic or the body (§2.3.1), refresh-token rotation with reuse detection that revokes the whole
 * grant (RFC 9700 §4.14.2), token revocation (RFC 7009), and a protected resource that answers
 * 401 `WWW-Authenticate: Bearer error="invalid_token"` for expired tokens (RFC 6750 §3.1).
 * Web-standard (Request in, Response out), so it runs in-process or behind any server;
 * `createProvider({ oauth })` serves it on loopback.
 *
 * @param options - clients, lifetimes, rotation, clock, seed
 * @returns the server: `handle`, `fetch`, `authenticate`, `issue` and its `ledger`
 *
 * @example
 * ```ts
 * import { manualClock } from '@brace/core';
 * import { createOAuthServer } from '@brace/simulator/oauth';
 *
 * const clock = manualClock({ now: 0 });
 * const oauth = createOAuthServer({ clock, accessTokenTtlSec: 60 });
 * const response = await oauth.fetch(
 *   new Request('http://sim/oauth/token', {
 *     method: 'POST',
 *     headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa('sim-client:sim-secret')}` },
 *     body: 'grant_type=client_credentials',
 *   }),
 * );
 * const { access_token } = (await response.json()) as { access_token: string };
 * await clock.advance(61_000);
 * const resource = await oauth.fetch(
 *   new Request('http://sim/oauth/resource', { headers: { authorization: `Bearer ${access_token}` } }),
 * );
 * resource.status; // 401, error="invalid_token"
 * oauth.ledger.expiredTokenRequests; // 1
 * ```
 */
export function createOAuthServer(options: OAuthServerOptions = {}): OAuthServer {
  const accessTtl = checkSeconds(
    'accessTokenTtlSec',
    options.accessTokenTtlSec,
    DEFAULT_ACCESS_TOKEN_TTL_SEC,
  );
  const refreshTtl = checkSeconds(
    'refreshTokenTtlSec',
    options.refreshTokenTtlSec,
    DEFAULT_REFRESH_TOKEN_TTL_SEC,
  );
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (!Number.isInteger(maxTokens) || maxTokens < 2) {
    throw new SimulatorOptionsError('createOAuthServer: `maxTokens` must be an integer >= 2.');
  }
  const clients = new Map<string, OAuthClientConfig>();
  for (const client of options.clients ?? [DEFAULT_OAUTH_CLIENT]) {
    if (
      typeof client?.clientId !== 'string' ||
      typeof client.clientSecret !== 'string' ||
      client.clientId === ''
    ) {
      throw new SimulatorOptionsError(
        'createOAuthServer: each client needs a non-empty `clientId` and a `clientSecret` string.',
      );
    }
    clients.set(client.clientId, client);
  }
  const rotate = options.rotateRefreshTokens ?? true;
  const clock = options.clock ?? systemClock;
  const realm = (options.realm ?? 'brace-simulator').replaceAll('"', '');
  const paths = {
    token: options.paths?.token ?? '/oauth/token',
    revoke: options.paths?.revoke ?? '/oauth/revoke',
    resource: options.paths?.resource ?? '/oauth/resource',
  };
  const ledger = emptyOAuthLedger();
  const store = new TokenStore(seededRandom(options.seed ?? 0, 'oauth'), maxTokens);

  const fail = (failure: OAuthFailure): Response => {
    ledger.errors[failure.error] = (ledger.errors[failure.error] ?? 0) + 1;
    const status = failure.error === 'invalid_client' ? 401 : 400;
    const headers: Record<string, string> =
      failure.error === 'invalid_client' && failure.basic
        ? { 'www-authenticate': `Basic realm="${realm}"` }
        : {};
    return json(status, { error: failure.error, error_description: failure.description }, headers);
  };

  const grant = (
    clientId: string,
    scope: string,
    family: string,
    withRefresh: boolean,
  ): TokenResponse => {
    const now = clock.now();
    ledger.accessTokensIssued++;
    const access = store.mint({
      kind: 'access',
      clientId,
      scope,
      family,
      expiresAt: now + accessTtl * 1000,
    });
    const out: TokenResponse = {
      access_token: access,
      token_type: 'Bearer',
      expires_in: Math.round(accessTtl),
    };
    if (withRefresh) {
      out.refresh_token = store.mint({
        kind: 'refresh',
        clientId,
        scope,
        family,
        expiresAt: now + refreshTtl * 1000,
      });
    }
    if (scope !== '') out.scope = scope;
    return out;
  };

  const allowedScope = (
    client: OAuthClientConfig,
    requested: string | undefined,
  ): string | OAuthFailure => {
    const wanted = scopeSet(requested);
    if (client.scopes !== undefined) {
      for (const s of wanted) {
        if (!client.scopes.includes(s)) {
          return {
            error: 'invalid_scope',
            description: `The client may not ask for the scope ${s.slice(0, 40)}.`,
          };
        }
      }
    }
    return [...wanted].join(' ');
  };

  const authenticateClient = (
    request: Request,
    form: Record<string, string>,
  ): OAuthClientConfig | OAuthFailure => {
    const claimed = clientCredentials(request, form);
    if ('error' in claimed) return claimed;
    const client = clients.get(claimed.id);
    if (
      client === undefined ||
      claimed.secret === undefined ||
      !sameSecret(claimed.secret, client.clientSecret)
    ) {
      return {
        error: 'invalid_client',
        description: 'Client authentication failed.',
        basic: claimed.basic,
      };
    }
    return client;
  };

  const refresh = (
    client: OAuthClientConfig,
    form: Record<string, string>,
  ): TokenResponse | OAuthFailure => {
    const presented = form.refresh_token;
    if (presented === undefined || presented === '') {
      return { error: 'invalid_request', description: 'The refresh_token parameter is missing.' };
    }
    const record = store.get(presented);
    if (record === undefined || record.kind !== 'refresh' || record.clientId !== client.clientId) {
      return { error: 'invalid_grant', description: 'The refresh token is invalid.' };
    }
    if (store.isRevoked(record.family)) {
      return { error: 'invalid_grant', description: 'The refresh token was revoked.' };
    }
    if (record.used) {
      ledger.reuseDetections++;
      if (store.revokeFamily(record.family)) ledger.revocations++;
      return {
        error: 'invalid_grant',
        description:
          'The refresh token was already used; the whole grant is revoked (reuse detection).',
      };
    }
    if (record.expiresAt <= clock.now()) {
      return { error: 'invalid_grant', description: 'The refresh token expired.' };
    }
    const original = scopeSet(record.scope);
    let scope = record.scope;
    if (form.scope !== undefined) {
      const wanted = scopeSet(form.scope);
      for (const s of wanted) {
        if (!original.has(s)) {
          return {
            error: 'invalid_scope',
            description: `The scope ${s.slice(0, 40)} was not granted originally.`,
          };
        }
      }
      scope = [...wanted].join(' ');
    }
    if (rotate) record.used = true;
    ledger.refreshes++;
    return grant(client.clientId, scope, record.family, rotate);
  };

  const token = async (request: Request): Promise<Response> => {
    ledger.tokenRequests++;
    if (request.method !== 'POST') {
      return json(
        405,
        { error: 'invalid_request', error_description: 'Use POST.' },
        { allow: 'POST' },
      );
    }
    const form = await readForm(request);
    if ('error' in form) return fail(form as OAuthFailure);
    const client = authenticateClient(request, form);
    if ('error' in client) return fail(client as OAuthFailure);
    const type = form.grant_type;
    if (type === undefined)
      return fail({
        error: 'invalid_request',
        description: 'The grant_type parameter is missing.',
      });
    if (type === 'client_credentials') {
      const scope = allowedScope(client, form.scope);
      if (typeof scope !== 'string') return fail(scope);
      ledger.clientCredentialsGrants++;
      const family = store.newFamily();
      return json(
        200,
        grant(client.clientId, scope, family, options.refreshTokenOnClientCredentials === true),
      );
    }
    if (type === 'refresh_token') {
      const result = refresh(client, form);
      return 'error' in result ? fail(result) : json(200, result);
    }
    return fail({
      error: 'unsupported_grant_type',
      description: `The grant type ${type.slice(0, 40)} is not supported.`,
    });
  };

  const revoke = async (request: Request): Promise<Response> => {
    if (request.method !== 'POST') {
      return json(
        405,
        { error: 'invalid_request', error_description: 'Use POST.' },
        { allow: 'POST' },
      );
    }
    const form = await readForm(request);
    if ('error' in form) return fail(form as OAuthFailure);
    const client = authenticateClient(request, form);
    if ('error' in client) return fail(client as OAuthFailure);
    if (form.token === undefined)
      return fail({ error: 'invalid_request', description: 'The token parameter is missing.' });
    const record = store.get(form.token);
    // RFC 7009 §2.2: unknown tokens (and other clients' tokens) still get 200.
    if (
      record !== undefined &&
      record.clientId === client.clientId &&
      store.revokeFamily(record.family)
    ) {
      ledger.revocations++;
    }
    return new Response(null, { status: 200, headers: NO_STORE });
  };

  const challenge = (
    status: 401 | 403,
    error?: string,
    description?: string,
    scope?: string,
  ): Response => {
    const parts = [`realm="${realm}"`];
    if (error !== undefined) parts.push(`error="${error}"`);
    if (description !== undefined) parts.push(`error_description="${description}"`);
    if (scope !== undefined) parts.push(`scope="${scope}"`);
    const body =
      error === undefined
        ? { error: 'invalid_request' }
        : { error, error_description: description };
    return json(status, body, { 'www-authenticate': `Bearer ${parts.join(', ')}` });
  };

  const authenticate = (
    request: Request,
    required: { scope?: string } = {},
  ): AuthenticateResult => {
    const record = bearerRecord(store, request.headers.get('authorization') ?? '');
    if (record === 'missing') {
      ledger.missingTokenRequests++;
      return { ok: false, reason: 'missing', response: challenge(401) };
    }
    if (record === 'invalid') {
      ledger.invalidTokenRequests++;
      return {
        ok: false,
        reason: 'invalid',
        response: challenge(401, 'invalid_token', 'The access token is invalid or revoked.'),
      };
    }
    if (record.expiresAt <= clock.now()) {
      ledger.expiredTokenRequests++;
      return {
        ok: false,
        reason: 'expired',
        response: challenge(401, 'invalid_token', 'The access token expired.'),
      };
    }
    if (required.scope !== undefined) {
      const granted = scopeSet(record.scope);
      const missing = [...scopeSet(required.scope)].filter((s) => !granted.has(s));
      if (missing.length > 0) {
        return {
          ok: false,
          reason: 'insufficient_scope',
          response: challenge(
            403,
            'insufficient_scope',
            'The access token lacks a required scope.',
            required.scope,
          ),
        };
      }
    }
    return {
      ok: true,
      clientId: record.clientId,
      scope: record.scope,
      expiresAt: record.expiresAt,
    };
  };

  const resource = (request: Request): Response => {
    const result = authenticate(request);
    if (!result.ok) return result.response;
    return json(200, {
      client_id: result.clientId,
      scope: result.scope,
      expires_in: Math.max(0, Math.floor((result.expiresAt - clock.now()) / 1000)),
    });
  };

  const handle = async (request: Request): Promise<Response | undefined> => {
    const { pathname } = new URL(request.url);
    if (pathname === paths.token) return token(request);
    if (pathname === paths.revoke) return revoke(request);
    if (pathname === paths.resource) return resource(request);
    return undefined;
  };

  const server: OAuthServer = {
    ledger,
    paths,
    handle,
    async fetch(request) {
      return (await handle(request)) ?? json(404, { error: 'not_found' });
    },
    authenticate,
    issue(clientId, issueOptions = {}) {
      const client = clients.get(clientId);
      if (client === undefined)
        throw new SimulatorOptionsError('issue: `clientId` is not a registered client.');
      const scope = allowedScope(client, issueOptions.scope);
      if (typeof scope !== 'string')
        throw new SimulatorOptionsError('issue: `scope` is not allowed for this client.');
      return grant(clientId, scope, store.newFamily(), issueOptions.refreshToken ?? true);
    },
  };
  return registerExpiryCheck(server, store, clock);
}
