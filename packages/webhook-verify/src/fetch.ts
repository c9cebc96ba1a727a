/**
 * Web-standard webhook receiver (`Request` → `Response`): verify, deduplicate, then call your handler.
 *
 * @module
 */
import {
  claim,
  type ProblemAnswer,
  rejection,
  resolveDedupe,
  type WebhookReceiverOptions,
} from './receiver.js';
import { prepareVerify, type VerifiedWebhook, verifyPrepared } from './verify.js';

export {
  DEDUPE_STORE_RETRY_AFTER_SECONDS,
  DEFAULT_DEDUPE_LOCK_TTL_MS,
  DEFAULT_DEDUPE_MAX_RETRY_AFTER_SECONDS,
  DEFAULT_DEDUPE_TTL_MS,
  type DedupeBeginResult,
  type DedupeKey,
  type DedupeOptions,
  type DedupeStore,
  type DedupeStoreErrorEvent,
  isDeliveryDone,
  type RejectEvent,
  type WebhookReceiverOptions,
} from './receiver.js';

function toResponse(answer: ProblemAnswer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/** A handler for verified deliveries: answer fast (enqueue, then 200/202). */
export type WebhookHandler = (
  webhook: VerifiedWebhook,
  request: Request,
) => Response | undefined | Promise<Response | undefined>;

/**
 * A Fetch-API receiver (Workers, Deno, Bun, Next.js route handlers, Hono's `app.fetch`...):
 * verifies each request before `handler` runs and answers 400/401/413 with an
 * `application/problem+json` body naming the code. With `dedupe`, a repeated delivery id answers
 * 200 without calling `handler`; a handler that throws, or answers a status that
 * `isDeliveryDone` does not record (5xx, 408, 409, 425, 429, 1xx, 3xx), releases the id so the
 * provider's retry is processed. A delivery is acknowledged only once its outcome is
 * recorded: when the store fails (on `begin`, or on recording the handler's success) the
 * answer is 503 + `Retry-After` instead, and the provider delivers it again.
 * `handler` returning nothing answers 200.
 *
 * @param options - `verifyWebhook` options plus `dedupe` and `onReject`
 * @param handler - runs only for authentic, fresh, first deliveries
 * @returns `(request) => Promise<Response>`
 *
 * @example
 * ```ts
 * import { webhookReceiver } from '@brace/webhook-verify/fetch';
 *
 * export default {
 *   fetch: webhookReceiver({ provider: 'github', secret: env.GITHUB_WEBHOOK_SECRET }, async (webhook) => {
 *     await queue.send(webhook.body); // ack fast: the real work happens off the request
 *     return new Response(null, { status: 202 });
 *   }),
 * };
 * ```
 */
export function webhookReceiver(
  options: WebhookReceiverOptions,
  handler: WebhookHandler,
): (request: Request) => Promise<Response> {
  const prepared = prepareVerify(options);
  const dedupe = resolveDedupe(options.dedupe);
  return async (request) => {
    let webhook: VerifiedWebhook;
    try {
      webhook = await verifyPrepared(prepared, request);
    } catch (error) {
      const answer = rejection(error, options.onReject);
      if (answer === undefined) throw error;
      return toResponse(answer);
    }
    const claimed = await claim(dedupe, webhook);
    if (claimed.kind === 'duplicate') return new Response(null, { status: 200 });
    if (claimed.kind === 'answer') return toResponse(claimed.answer);
    let response: Response;
    try {
      response = (await handler(webhook, request)) ?? new Response(null, { status: 200 });
    } catch (error) {
      await claimed.finish(undefined);
      throw error;
    }
    const replaced = await claimed.finish(response.status);
    if (replaced !== undefined) {
      await response.body?.cancel();
      return toResponse(replaced);
    }
    return response;
  };
}
