import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '@brace/core';
import { errorAnswer } from './answers.js';
import type { DriftStep } from './drift.js';
import { SimulatorOptionsError } from './errors.js';
import type { FaultDecision, FaultPlan } from './faults.js';
import { answerFor, type Incoming, type StageResult } from './handler-stage.js';
import type { Answer, IdempotencyKeys } from './idempotency.js';
import type { ProviderLedger } from './ledger.js';
import { headerOf, readBody, splitTarget, toRequest } from './node-io.js';
import { carriesExpiredToken } from './oauth-expiry.js';
import type { OAuthServer } from './oauth-types.js';
import type { Preset } from './preset-types.js';
import { versionAccepted } from './preset-types.js';
import type { RouteContext, RouteHandler } from './provider-types.js';
import type { RateLimiters, RatePolicy } from './rate-window.js';
import { resourceRouteKey } from './resource-routes.js';
import type { ResourceStore } from './resources.js';
import { resetConnection, sendAnswer } from './respond.js';
import { compileRoute, matchRoute, pathSegments, type RoutePattern } from './route-pattern.js';
import type { WebhookSender } from './webhooks.js';

/** Everything one request needs from its provider. */
export interface PipelineState {
  preset: Preset;
  ledger: ProviderLedger;
  clock: Clock;
  signal: AbortSignal;
  limiters: RateLimiters | undefined;
  plan: FaultPlan;
  keys: IdempotencyKeys;
  oauth: OAuthServer | undefined;
  webhooks: WebhookSender | undefined;
  routes: { pattern: RoutePattern; handler: RouteHandler }[];
  resources: ResourceStore | undefined;
  store: ResourceStore;
  drift: readonly DriftStep[];
  routeContext: Omit<RouteContext, 'params' | 'fields'>;
  origin(): string;
}

/** Compiles the routes option. */
export function compileRoutes(
  routes: Record<string, RouteHandler> | undefined,
): PipelineState['routes'] {
  const out: PipelineState['routes'] = [];
  for (const [key, handler] of Object.entries(routes ?? {})) {
    const pattern = compileRoute(key);
    if (pattern === undefined || typeof handler !== 'function') {
      throw new SimulatorOptionsError(
        `routes: "${key.slice(0, 60)}" must be "METHOD /path" with a handler function.`,
      );
    }
    out.push({ pattern, handler });
  }
  return out;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The after-commit fault that applies: `drop` and `slow` only after a fresh 2xx write (something
 * was committed), `slowBody` and `truncate` to any fresh answer; nothing to replays and refusals.
 */
function afterCommit(
  fault: FaultDecision['fault'],
  result: StageResult,
  method: string,
): FaultDecision['fault'] {
  if (!result.fresh) return 'none';
  if (fault === 'drop' || fault === 'slow') {
    const committed =
      WRITES.has(method) && result.answer.status >= 200 && result.answer.status < 300;
    return committed ? fault : 'none';
  }
  return fault;
}

/** A request as the handler stage sees it; the Web `Request` is built on first use only. */
class NodeIncoming implements Incoming {
  routeKey = '';
  routeIndex = -1;
  params: Record<string, string> = {};
  expiredTokenCounted = false;
  #request: Request | undefined;
  readonly method: string;

  constructor(
    readonly req: IncomingMessage,
    readonly body: Buffer,
    readonly state: PipelineState,
    readonly pathname: string,
    readonly segments: string[],
    readonly text: string,
  ) {
    this.method = req.method ?? 'GET';
  }

  header(name: string): string | null {
    return headerOf(this.req, name);
  }

  request(): Request {
    this.#request ??= toRequest(this.req, this.body, this.state.origin());
    return this.#request;
  }
}

/** What answering needs besides the answer. */
interface Sent {
  state: PipelineState;
  req: IncomingMessage;
  res: ServerResponse;
  arrivedAt: number;
  method: string;
  path: string;
  policy: RatePolicy | undefined;
}

/** Adds the provider's headers, applies the after-commit fault, sends, and records the answer. */
async function finish(sent: Sent, answer: Answer, fault: FaultDecision['fault']): Promise<void> {
  const { state, req, res, arrivedAt, policy } = sent;
  const { preset, ledger, clock, plan } = state;
  const headers: Record<string, string> = { date: httpDate(clock.now()), ...answer.headers };
  if (policy !== undefined)
    Object.assign(headers, preset.rateLimitHeaders(policy.state(clock.now())));
  if (preset.version !== undefined) {
    // The version the request asked for when it is accepted, else the current one.
    const asked = req.headers[preset.version.requestHeader];
    headers[preset.version.responseHeader] =
      typeof asked === 'string' && versionAccepted(preset.version, asked)
        ? asked
        : preset.version.current;
  }
  if (fault !== 'none') ledger.fault(arrivedAt, fault);
  const status = await sendAnswer(req, res, { ...answer, headers }, fault, {
    clock,
    signal: state.signal,
    slowMs: plan.slowMs,
    slowBodyMs: plan.slowBodyMs,
  });
  ledger.answered({
    at: arrivedAt - ledger.startedAt,
    method: sent.method,
    path: sent.path,
    status,
    fault,
    body: fault === 'drop' ? '' : answer.body,
  });
}

let dateSecond = Number.NaN;
let dateText = '';

/** The `Date` header for a time (formatted once per second). */
function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/** Whether `pathname` is one of the OAuth server's own endpoints (token, revocation, resource). */
function isOAuthPath(oauth: OAuthServer, pathname: string): boolean {
  const { token, revoke, resource } = oauth.paths;
  return pathname === token || pathname === revoke || pathname === resource;
}

/** Handles one request from arrival to the last byte. */
export async function handleRequest(
  state: PipelineState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { preset, ledger, clock, plan } = state;
  const arrivedAt = clock.now();
  const method = req.method ?? 'GET';
  const { pathname, search } = splitTarget(req.url ?? '/');
  const path = pathname + search;
  const segments = pathSegments(pathname);
  let routeIndex = -1;
  let params: Record<string, string> = {};
  for (let i = 0; i < state.routes.length; i++) {
    const found = matchRoute(
      (state.routes[i] as PipelineState['routes'][number]).pattern,
      method,
      segments,
    );
    if (found !== undefined) {
      routeIndex = i;
      params = found;
      break;
    }
  }
  const routeKey =
    routeIndex >= 0
      ? (state.routes[routeIndex] as PipelineState['routes'][number]).pattern.key
      : resourceRouteKey(method, segments);
  const policy = state.limiters?.policyFor(req.headers);
  const { overLimit, allowed } = policy?.arrive(arrivedAt) ?? {
    overLimit: false,
    allowed: true,
  };
  ledger.arrival(arrivedAt, routeKey, overLimit, allowed);
  // Every request sent with an expired token counts, on arrival: also those the rate limit or an
  // injected fault refuses before the token is checked (the OAuth server's own endpoints aside).
  const expiredToken =
    state.oauth !== undefined &&
    !isOAuthPath(state.oauth, pathname) &&
    carriesExpiredToken(state.oauth, headerOf(req, 'authorization'));
  if (expiredToken) ledger.expiredToken(routeKey);
  const decision: FaultDecision = plan.decide(method, segments);
  const body = await readBody(req);
  const text = body.toString('utf8');
  if (WRITES.has(method))
    ledger.write(
      arrivedAt,
      createHash('sha256').update(`${method} ${pathname}\n${text}`).digest('base64'),
    );

  const sent: Sent = { state, req, res, arrivedAt, method, path, policy };
  if (!allowed) {
    const answer = errorAnswer(
      preset,
      'rate_limited',
      preset.rateLimitStatus,
      'Rate limit exceeded.',
    );
    const wait = policy?.state(arrivedAt).resetMs ?? 1000;
    if (preset.retryAfterOnLimit) answer.headers['retry-after'] = preset.retryAfter(wait);
    return finish(sent, answer, 'none');
  }
  switch (decision.fault) {
    case 'error': {
      const kind = decision.status >= 500 ? 'server_error' : 'bad_request';
      const answer = errorAnswer(
        preset,
        kind,
        decision.status,
        'Injected failure: try again.',
        plan.errorShape,
      );
      if (plan.errorRetryAfterSec !== undefined)
        answer.headers['retry-after'] = String(plan.errorRetryAfterSec);
      return finish(sent, answer, 'error');
    }
    case 'rateLimit':
    case 'rateLimitNoRetryAfter': {
      const answer = errorAnswer(
        preset,
        'rate_limited',
        429,
        'Rate limit exceeded.',
        plan.errorShape,
      );
      if (decision.fault === 'rateLimit')
        answer.headers['retry-after'] = String(plan.retryAfterSec);
      return finish(sent, answer, decision.fault);
    }
    case 'reset':
      ledger.fault(arrivedAt, 'reset');
      resetConnection(req);
      ledger.answered({
        at: arrivedAt - ledger.startedAt,
        method,
        path,
        status: 0,
        fault: 'reset',
        body: '',
      });
      return;
  }
  const incoming = new NodeIncoming(req, body, state, pathname, segments, text);
  incoming.routeKey = routeKey;
  incoming.routeIndex = routeIndex;
  incoming.params = params;
  incoming.expiredTokenCounted = expiredToken;
  let result: StageResult;
  try {
    result = await answerFor(state, incoming);
  } catch {
    result = {
      answer: errorAnswer(preset, 'server_error', 500, 'The route handler failed.'),
      fresh: false,
    };
  }
  // A handler's own idempotent replay (say, @brace/idempotency inside a route) commits nothing.
  if (result.fresh && result.answer.headers['idempotent-replayed'] === 'true') {
    ledger.replayed++;
    result.fresh = false;
  }
  return finish(sent, result.answer, afterCommit(decision.fault, result, method));
}
