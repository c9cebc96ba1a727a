import { type AnyHook, type FetchLike, PER_CALL_FETCH, wrapFetchHook } from '@brace/core';
import { TimeoutError } from 'ky';
import { type BodyWatcher, watchBody } from './body-end.js';
import { armDeadline, type Expiring, endDeadline } from './deadlines.js';
import { DEFAULT_TIMEOUT_MS } from './options.js';

/** ky's largest `timeout` (a timer's limit); past it ky itself throws, so it is left to ky. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** The timeout of an attempt ky did not send itself (a cache revalidation): named as a timeout, without the URL. */
class AttemptTimeout extends Error {
  override readonly name = 'TimeoutError';
  constructor() {
    super('The attempt timed out');
  }
}

type Options = { fetch?: FetchLike | undefined; timeout?: number | false | undefined };

/**
 * One timed attempt: its own controller, linked to the caller's signal (a `handleEvent`
 * listener, no closure), and one deadline in the shared lists of `deadlines.ts` — `ms` for the
 * headers, then again `ms` for the body. Nothing per attempt but this object, its controller
 * and the promise it answers.
 */
class TimedAttempt implements Expiring, BodyWatcher {
  readonly controller = new AbortController();
  settled = false;
  seq = 0;
  slot = -1;
  list: Expiring['list'] = undefined;
  resolve: ((response: Response) => void) | undefined;
  reject: ((error: unknown) => void) | undefined;

  constructor(
    readonly parent: AbortSignal,
    readonly ms: number,
    readonly made: Request | undefined,
  ) {}

  send(next: FetchLike, input: Parameters<FetchLike>[0], init: RequestInit | undefined) {
    const parent = this.parent;
    if (parent.aborted) this.controller.abort(parent.reason);
    else parent.addEventListener('abort', this, { once: true });
    armDeadline(this, this.ms);
    const answer = new Promise<Response>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    next(input, { ...init, signal: this.controller.signal }).then(
      (response) => this.answered(response),
      (error: unknown) => this.failed(error),
    );
    return answer;
  }

  /** The caller's signal aborted: so does the attempt, with the caller's reason. */
  handleEvent(): void {
    this.controller.abort(this.parent.reason);
  }

  private reason(): Error {
    return this.made ? new TimeoutError(this.made) : new AttemptTimeout();
  }

  expire(): void {
    const error = this.reason();
    this.controller.abort(error);
    if (!this.settled) {
      this.settled = true;
      this.reject?.(error);
    }
  }

  private answered(response: Response): void {
    if (this.settled) {
      void response.body?.cancel().catch(() => undefined);
      return;
    }
    this.settled = true;
    // The body gets its own window, as ky's shortcuts gave it, until it is read or cancelled;
    // else the deadline ends. The caller's abort still ends the body read: the listener stays.
    if (response.body !== null) {
      armDeadline(this, this.ms);
      watchBody(response, this);
    } else this.bodyDone();
    this.resolve?.(response);
  }

  /** The body was read or cancelled (or there is none): nothing is left to time or abort. */
  bodyDone(): void {
    endDeadline(this);
    this.parent.removeEventListener('abort', this);
  }

  private failed(error: unknown): void {
    endDeadline(this);
    this.parent.removeEventListener('abort', this);
    if (!this.settled) {
      this.settled = true;
      this.reject?.(error);
    }
  }
}

/**
 * @internal ky's per-attempt `timeout`, started when the attempt is actually sent. ky's own
 * timer wraps its whole `fetch`, so the limiter's queue (and a token refresh) used it up; here
 * `send` (an `init` hook just below the limiter) takes the call's `timeout` over (ky's is set to
 * `false`) and times the send from there: ky's `TimeoutError` if the headers take longer, and
 * again `timeout` ms for the body after them (ky's shortcuts had their own body timeout; the
 * request is aborted either way, so a streamed body is bounded too). `outer` (the outermost
 * `init` hook) hands `send` the request ky made, so the error names it rather than what auth
 * sent (a credential in the query stays out of the message), and turns the timeout of a request
 * ky did not make itself (a cache revalidation) into ky's `TimeoutError` too.
 */
export function kyAttemptTimeout(): { send: AnyHook; outer: AnyHook } {
  const madeBy = new WeakMap<object, Request>();
  const byMs = new Map<number, WeakMap<FetchLike, FetchLike>>();

  const timed =
    (next: FetchLike, ms: number): FetchLike =>
    (input, init) => {
      const parent: AbortSignal = init?.signal ?? (input as Request).signal;
      const attempt = new TimedAttempt(parent, ms, init ? madeBy.get(init) : undefined);
      return attempt.send(next, input, init);
    };

  const send: AnyHook = (options: Options) => {
    const ms = options.timeout === undefined ? DEFAULT_TIMEOUT_MS : options.timeout;
    if (typeof ms !== 'number' || !(ms >= 0 && ms <= MAX_TIMEOUT_MS)) return; // false, or ky's to refuse
    options.timeout = false;
    const next: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    if ((next as { [PER_CALL_FETCH]?: boolean })[PER_CALL_FETCH] === true) {
      const perCall = timed(next, ms) as FetchLike & { [PER_CALL_FETCH]?: boolean };
      perCall[PER_CALL_FETCH] = true; // by assignment, as core's wrapFetchHook marks it
      options.fetch = perCall;
      return;
    }
    let wrapped = byMs.get(ms);
    if (wrapped === undefined) {
      wrapped = new WeakMap();
      byMs.set(ms, wrapped);
    }
    let fetchFn = wrapped.get(next);
    if (fetchFn === undefined) {
      fetchFn = timed(next, ms);
      wrapped.set(next, fetchFn);
    }
    options.fetch = fetchFn;
  };

  const outer = wrapFetchHook((next) => async (input, init) => {
    if (init) madeBy.set(init, input as Request);
    try {
      return await next(input, init);
    } catch (error) {
      if (error instanceof AttemptTimeout) throw new TimeoutError(input as Request);
      throw error;
    }
  });
  return { send, outer };
}
