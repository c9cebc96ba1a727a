import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '@brace/core';
import { bodyText, errorAnswer, fromResponse, jsonAnswer } from './answers.js';
import { applyDrift, type DriftStep, isDue } from './drift.js';
import { SimulatorOptionsError } from './errors.js';
import type { FaultDecision, FaultPlan } from './faults.js';
import type { Answer, IdempotencyKeys } from './idempotency.js';
import type { ProviderLedger } from './ledger.js';
import { readBody, toRequest } from './node-io.js';
import type { OAuthServer } from './oauth-types.js';
import type { Preset } from './preset-types.js';
import type { RouteContext, RouteHandler } from './provider-types.js';
import type { RateLimiters } from './rate-window.js';
import { resourceRoute, resourceRouteKey } from './resource-routes.js';
import { parseFields, type ResourceStore } from './resources.js';
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

async function runHandler(
  state: PipelineState,
  request: Request,
  segments: string[],
  routeIndex: number,
  params: Record<string, string>,
  fields: Record<string, unknown> | undefined,
): Promise<Answer> {
  const route = state.routes[routeIndex];
  if (route !== undefined) {
    const result = await route.handler(request, { ...state.routeContext, params, fields });
    if (result instanceof Response) return fromResponse(result);
    const headers = { ...(result.headers ?? {}) };
    const body = result.body;
    if (typeof body === 'string' || body instanceof Uint8Array) {
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      return {
        status: result.status ?? 200,
        headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
        body: bytes,
      };
    }
    if (body === undefined)
      return { status: result.status ?? 204, headers, body: new Uint8Array(0) };
    return jsonAnswer(result.status ?? 200, body, headers);
  }
  const resources = state.resources;
  if (resources === undefined) return errorAnswer(state.preset, 'not_found', 404, 'No such route.');
  return resourceRoute(state.preset, resources, request.method, segments, fields);
}

/** Applies the drift steps due to a JSON answer. */
function drifted(state: PipelineState, answer: Answer): Answer {
  const elapsed = state.clock.now() - state.ledger.startedAt;
  const due = state.drift.filter((s) => isDue(s, state.ledger.requests, elapsed));
  if (
    due.length === 0 ||
    !(answer.headers['content-type'] ?? '').includes('json') ||
    answer.body.length === 0
  )
    return answer;
  try {
    const value = applyDrift(JSON.parse(bodyText(answer)), due);
    return { ...answer, body: new TextEncoder().encode(JSON.stringify(value)) };
  } catch {
    return answer;
  }
}

/** The answer to a request that passed the rate limit and the before-handler faults. */
async function answerFor(
  state: PipelineState,
  request: Request,
  text: string,
  segments: string[],
  routeKey: string,
  routeIndex: number,
  params: Record<string, string>,
): Promise<{ answer: Answer; fresh: boolean }> {
  const { preset, ledger } = state;
  if (state.oauth !== undefined) {
    const own = await state.oauth.handle(request);
    if (own !== undefined) return { answer: await fromResponse(own), fresh: true };
    const auth = state.oauth.authenticate(request);
    if (!auth.ok) {
      if (auth.reason === 'expired') ledger.expiredToken(routeKey);
      return { answer: await fromResponse(auth.response), fresh: false };
    }
  }
  const version = preset.version;
  const asked = version === undefined ? null : request.headers.get(version.requestHeader);
  if (version !== undefined && asked !== null && !version.supported.includes(asked)) {
    return {
      answer: errorAnswer(
        preset,
        'unsupported_version',
        400,
        `API version ${asked.slice(0, 40)} is not supported.`,
      ),
      fresh: false,
    };
  }
  const fields = parseFields(request.headers.get('content-type') ?? '', text);
  const idem = preset.idempotency;
  const key =
    idem.mode === 'none' || (request.method !== 'POST' && request.method !== 'PATCH')
      ? null
      : request.headers.get(idem.header);
  if (
    idem.mode === 'required' &&
    key === null &&
    (request.method === 'POST' || request.method === 'PATCH')
  ) {
    return {
      answer: errorAnswer(
        preset,
        'idempotency_missing',
        400,
        `This request needs an ${idem.header} header.`,
      ),
      fresh: false,
    };
  }
  if (idem.mode !== 'none' && key !== null) {
    const fingerprint = createHash('sha256')
      .update(`${request.method} ${new URL(request.url).pathname}\n${text}`)
      .digest('base64');
    const claim = state.keys.claim(key, fingerprint, state.clock.now(), idem.ttlMs);
    if (claim.kind === 'mismatch') {
      return {
        answer: errorAnswer(
          preset,
          'idempotency_mismatch',
          idem.mismatchStatus,
          'This idempotency key was used with another request.',
        ),
        fresh: false,
      };
    }
    if (claim.kind === 'in-flight') {
      return {
        answer: errorAnswer(
          preset,
          'idempotency_in_flight',
          idem.inFlightStatus,
          'A request with this idempotency key is still running.',
        ),
        fresh: false,
      };
    }
    if (claim.kind === 'replay') {
      ledger.replayed++;
      const headers = { ...claim.answer.headers };
      if (idem.replayHeader !== undefined) headers[idem.replayHeader[0]] = idem.replayHeader[1];
      return { answer: { ...claim.answer, headers }, fresh: false };
    }
    try {
      const answer = drifted(
        state,
        await runHandler(state, request, segments, routeIndex, params, fields),
      );
      state.keys.finish(key, answer);
      return { answer, fresh: true };
    } catch (error) {
      state.keys.release(key);
      throw error;
    }
  }
  return {
    answer: drifted(state, await runHandler(state, request, segments, routeIndex, params, fields)),
    fresh: true,
  };
}

/**
 * The after-commit fault that applies: `drop` and `slow` only after a fresh 2xx write (something
 * was committed), `slowBody` and `truncate` to any fresh answer; nothing to replays and refusals.
 */
function afterCommit(
  fault: FaultDecision['fault'],
  result: { answer: Answer; fresh: boolean },
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

/** Handles one request from arrival to the last byte. */
export async function handleRequest(
  state: PipelineState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { preset, ledger, clock, plan } = state;
  const arrivedAt = clock.now();
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://sim');
  const segments = pathSegments(url.pathname);
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
  const decision: FaultDecision = plan.decide(method, segments);
  const body = await readBody(req);
  const text = body.toString('utf8');
  if (WRITES.has(method))
    ledger.write(
      arrivedAt,
      createHash('sha256').update(`${method} ${url.pathname}\n${text}`).digest('base64'),
    );

  const finish = async (answer: Answer, fault: FaultDecision['fault']) => {
    const headers: Record<string, string> = {
      date: new Date(clock.now()).toUTCString(),
      ...answer.headers,
    };
    if (policy !== undefined)
      Object.assign(headers, preset.rateLimitHeaders(policy.state(clock.now())));
    if (preset.version !== undefined) {
      // The version the request asked for when it is supported, else the current one.
      const asked = req.headers[preset.version.requestHeader];
      headers[preset.version.responseHeader] =
        typeof asked === 'string' && preset.version.supported.includes(asked)
          ? asked
          : preset.version.current;
    }
    const withHeaders = { ...answer, headers };
    if (fault !== 'none') ledger.fault(arrivedAt, fault);
    const status = await sendAnswer(req, res, withHeaders, fault, {
      clock,
      signal: state.signal,
      slowMs: plan.slowMs,
      slowBodyMs: plan.slowBodyMs,
    });
    ledger.answered({
      at: arrivedAt - ledger.startedAt,
      method,
      path: url.pathname + url.search,
      status,
      fault,
      body: fault === 'drop' ? '' : () => bodyText(answer),
    });
  };

  if (!allowed) {
    const answer = errorAnswer(
      preset,
      'rate_limited',
      preset.rateLimitStatus,
      'Rate limit exceeded.',
    );
    const wait = policy?.state(arrivedAt).resetMs ?? 1000;
    if (preset.retryAfterOnLimit) answer.headers['retry-after'] = preset.retryAfter(wait);
    return finish(answer, 'none');
  }
  switch (decision.fault) {
    case 'error': {
      const kind = decision.status >= 500 ? 'server_error' : 'bad_request';
      return finish(
        errorAnswer(preset, kind, decision.status, 'Injected failure: try again.', plan.errorShape),
        'error',
      );
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
      return finish(answer, decision.fault);
    }
    case 'reset':
      ledger.fault(arrivedAt, 'reset');
      resetConnection(req);
      ledger.answered({
        at: arrivedAt - ledger.startedAt,
        method,
        path: url.pathname + url.search,
        status: 0,
        fault: 'reset',
        body: '',
      });
      return;
  }
  const request = toRequest(req, body, state.origin());
  let result: { answer: Answer; fresh: boolean };
  try {
    result = await answerFor(state, request, text, segments, routeKey, routeIndex, params);
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
  return finish(result.answer, afterCommit(decision.fault, result, method));
}
