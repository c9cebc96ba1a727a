import { createHash } from 'node:crypto';
import { bodyText, errorAnswer, fromResponse, jsonAnswer } from './answers.js';
import { applyDrift, isDue } from './drift.js';
import type { Answer } from './idempotency.js';
import type { PipelineState } from './pipeline.js';
import { versionAccepted } from './preset-types.js';
import type { RouteAnswer } from './provider-types.js';
import { resourceRoute } from './resource-routes.js';
import { parseFields } from './resources.js';

/** One request as the handler stage sees it (the Web `Request` is built only when needed). */
export interface Incoming {
  method: string;
  pathname: string;
  segments: string[];
  text: string;
  routeKey: string;
  routeIndex: number;
  params: Record<string, string>;
  /** The request's expired token was already recorded on arrival. */
  expiredTokenCounted: boolean;
  header(name: string): string | null;
  request(): Request;
}

/** An answer and whether something ran to produce it (`fresh`: replays and refusals are not). */
export interface StageResult {
  answer: Answer;
  fresh: boolean;
}

function routeAnswer(result: RouteAnswer): Answer {
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
  if (body === undefined) return { status: result.status ?? 204, headers, body: new Uint8Array(0) };
  return jsonAnswer(result.status ?? 200, body, headers);
}

async function runHandler(
  state: PipelineState,
  incoming: Incoming,
  fields: Record<string, unknown> | undefined,
): Promise<Answer> {
  const route = state.routes[incoming.routeIndex];
  if (route !== undefined) {
    const context = { ...state.routeContext, params: incoming.params, fields };
    const result = await route.handler(incoming.request(), context);
    if (result instanceof Response) return fromResponse(result);
    const answer = routeAnswer(result);
    return result.rejected === true ? { ...answer, rejected: true } : answer;
  }
  const resources = state.resources;
  if (resources === undefined) {
    // No endpoint began executing: like a validation failure, not saved under a key.
    return { ...errorAnswer(state.preset, 'not_found', 404, 'No such route.'), rejected: true };
  }
  return resourceRoute(state.preset, resources, incoming.method, incoming.segments, fields);
}

/** Applies the drift steps due to a JSON answer. */
function drifted(state: PipelineState, answer: Answer): Answer {
  if (state.drift.length === 0) return answer;
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

const refused = (answer: Answer): StageResult => ({ answer, fresh: false });

/**
 * The answer to a request that passed the rate limit and the before-handler faults: OAuth, the
 * version header, the idempotency key (an answer is saved under its key only when an endpoint
 * began executing: validation failures and conflicts are not, as Stripe documents), the handler.
 */
export async function answerFor(state: PipelineState, incoming: Incoming): Promise<StageResult> {
  const { preset, ledger } = state;
  if (state.oauth !== undefined) {
    const request = incoming.request();
    const own = await state.oauth.handle(request);
    if (own !== undefined) return { answer: await fromResponse(own), fresh: true };
    const auth = state.oauth.authenticate(request);
    if (!auth.ok) {
      // Counted once: on arrival, or here when the token expired while the body was read.
      if (auth.reason === 'expired' && !incoming.expiredTokenCounted)
        ledger.expiredToken(incoming.routeKey);
      return refused(await fromResponse(auth.response));
    }
  }
  const version = preset.version;
  const asked = version === undefined ? null : incoming.header(version.requestHeader);
  if (version !== undefined && asked !== null && !versionAccepted(version, asked)) {
    const shown = asked.slice(0, 40);
    const message = version.rejectMessage?.(shown) ?? `API version ${shown} is not supported.`;
    return refused(errorAnswer(preset, 'unsupported_version', 400, message));
  }
  const fields = parseFields(incoming.header('content-type') ?? '', incoming.text);
  const idem = preset.idempotency;
  const { method } = incoming;
  const writes = method === 'POST' || method === 'PATCH';
  const key = idem.mode === 'none' || !writes ? null : incoming.header(idem.header);
  if (idem.mode === 'required' && key === null && writes) {
    return refused(
      errorAnswer(
        preset,
        'idempotency_missing',
        400,
        `This request needs an ${idem.header} header.`,
      ),
    );
  }
  if (idem.mode === 'none' || key === null) {
    return { answer: drifted(state, await runHandler(state, incoming, fields)), fresh: true };
  }
  const fingerprint = createHash('sha256')
    .update(`${method} ${incoming.pathname}\n${incoming.text}`)
    .digest('base64');
  const claim = state.keys.claim(key, fingerprint, state.clock.now(), idem.ttlMs);
  if (claim.kind === 'mismatch') {
    const text = 'This idempotency key was used with another request.';
    return refused(errorAnswer(preset, 'idempotency_mismatch', idem.mismatchStatus, text));
  }
  if (claim.kind === 'in-flight') {
    const text = 'A request with this idempotency key is still running.';
    return refused(errorAnswer(preset, 'idempotency_in_flight', idem.inFlightStatus, text));
  }
  if (claim.kind === 'replay') {
    ledger.replayed++;
    const headers = { ...claim.answer.headers };
    if (idem.replayHeader !== undefined) headers[idem.replayHeader[0]] = idem.replayHeader[1];
    return refused({ ...claim.answer, headers });
  }
  let answer: Answer;
  try {
    answer = drifted(state, await runHandler(state, incoming, fields));
  } catch (error) {
    state.keys.release(key);
    throw error;
  }
  if (answer.rejected === true) state.keys.release(key);
  else state.keys.finish(key, answer);
  return { answer, fresh: true };
}
