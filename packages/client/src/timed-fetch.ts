import type { FetchLike } from '@brace/core';
import { type BodyWatcher, watchBody } from './body-end.js';
import { armDeadline, type Expiring, endDeadline } from './deadlines.js';

/** One attempt's controller, linked to the caller's signal and to one shared deadline. */
class AttemptLink implements Expiring, BodyWatcher {
  readonly controller = new AbortController();
  seq = 0;
  slot = -1;
  list: Expiring['list'] = undefined;

  constructor(readonly parent: AbortSignal) {}

  /** The caller's signal aborted: so does the attempt, with the caller's reason. */
  handleEvent(): void {
    this.controller.abort(this.parent.reason);
  }

  /** The attempt is over (its body read or cancelled, or it failed): its deadline ends. */
  bodyDone(): void {
    endDeadline(this);
    this.parent.removeEventListener('abort', this);
  }

  /** The attempt answered: the deadline ends with the body (at once if there is none). */
  answered(response: Response): Response {
    if (response.body === null) this.bodyDone();
    else watchBody(response, this);
    return response;
  }

  expire(): void {
    this.controller.abort(
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    );
  }
}

/**
 * One attempt's link: aborts with the caller's reason when `parent` aborts, or with a
 * `TimeoutError` `DOMException` after `ms` (body reads included), as
 * `AbortSignal.any([parent, AbortSignal.timeout(ms)])` does, at a fraction of its cost per call:
 * one controller, one listener object (no closure) and one entry in a shared deadline list
 * (`deadlines.ts`: one unreferenced timer per duration, not one per attempt), no weak
 * references to track.
 */
function attemptLink(parent: AbortSignal, ms: number): AttemptLink {
  const link = new AttemptLink(parent);
  if (parent.aborted) {
    link.controller.abort(parent.reason);
    return link;
  }
  parent.addEventListener('abort', link, { once: true });
  armDeadline(link, ms);
  return link;
}

/**
 * @internal `next` with each attempt under its own signal (see `attemptLink`), whose deadline (and
 * the listener on the caller's signal) ends once the attempt fails, answers without a body, or
 * its body has been read or cancelled — no deadline outlives the call.
 */
export function timedFetch(next: FetchLike, ms: number): FetchLike {
  return async (input, init) => {
    const link = attemptLink((input as Request).signal, ms);
    let response: Response;
    try {
      response = await next(input, { ...init, signal: link.controller.signal });
    } catch (error) {
      link.bodyDone();
      throw error;
    }
    return link.answered(response);
  };
}
