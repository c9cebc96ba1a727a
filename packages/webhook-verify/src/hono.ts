/**
 * Hono middleware that verifies webhooks before your handler runs.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from 'hono';
import { readRequestBody } from './body.js';
import { WebhookVerificationError } from './errors.js';
import { claim, rejection, resolveDedupe, type WebhookReceiverOptions } from './receiver.js';
import { prepareVerify, type VerifiedWebhook, verifyMessage } from './verify.js';

export {
  DEDUPE_STORE_RETRY_AFTER_SECONDS,
  DEFAULT_DEDUPE_LOCK_TTL_MS,
  DEFAULT_DEDUPE_MAX_RETRY_AFTER_SECONDS,
  DEFAULT_DEDUPE_TTL_MS,
  type DedupeOptions,
  type DedupeStore,
  type DedupeStoreErrorEvent,
  isDeliveryDone,
  type RejectEvent,
  type WebhookReceiverOptions,
} from './receiver.js';

/** The Hono environment of the middleware: `MiddlewareHandler<WebhookEnv>`. */
export interface WebhookEnv {
  /** The context variables it sets (`c.get('webhook')`). */
  Variables: WebhookVariables;
}

/** The Hono context variables the middleware sets. */
export interface WebhookVariables {
  /** The verified delivery. */
  webhook: VerifiedWebhook;
}

async function rawBody(c: Context, maxBytes: number, provider: string): Promise<Uint8Array> {
  const cache = c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> };
  if (cache.arrayBuffer !== undefined) return new Uint8Array(await cache.arrayBuffer);
  if (c.req.raw.bodyUsed) {
    throw new WebhookVerificationError(
      'BODY_ALREADY_PARSED',
      'Another middleware already parsed the body (c.req.json()/parseBody()), so the raw bytes are gone. Put webhookMiddleware() first on this route.',
      provider,
    );
  }
  const bytes = await readRequestBody(c.req.raw, maxBytes, provider);
  // Handlers may still call c.req.json() / c.req.text(): Hono answers them from this cache.
  cache.arrayBuffer = Promise.resolve(bytes.slice().buffer as ArrayBuffer);
  return bytes;
}

/**
 * Hono middleware: verifies the delivery before the handler runs, answers 400/401/413 with an
 * `application/problem+json` body naming the code, and sets `c.get('webhook')`. With `dedupe`, a
 * repeated delivery id answers 200 without running the handler; a handler error, or a status
 * that `isDeliveryDone` does not record (5xx, 408, 409, 425, 429, 1xx, 3xx), releases the id so
 * the provider's retry is processed. A delivery is acknowledged only once its outcome is
 * recorded: when the store fails the answer is 503 + `Retry-After` instead.
 *
 * @param options - `verifyWebhook` options plus `dedupe` and `onReject`
 * @returns the middleware
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { webhookMiddleware, type WebhookVariables } from '@brace/webhook-verify/hono';
 *
 * const app = new Hono<{ Variables: WebhookVariables }>();
 * app.post('/webhooks/stripe', webhookMiddleware({ provider: 'stripe', secret: process.env.STRIPE_WEBHOOK_SECRET! }), async (c) => {
 *   await queue.add('stripe', c.get('webhook').body);
 *   return c.body(null, 202);
 * });
 * ```
 */
export function webhookMiddleware(options: WebhookReceiverOptions): MiddlewareHandler<WebhookEnv> {
  const prepared = prepareVerify(options);
  const dedupe = resolveDedupe(options.dedupe);
  return async (c, next) => {
    let webhook: VerifiedWebhook;
    try {
      const bytes = await rawBody(c, prepared.maxBodyBytes, prepared.scheme.name);
      webhook = await verifyMessage(prepared, c.req.raw.headers, bytes, c.req.url);
    } catch (error) {
      const answer = rejection(error, options.onReject);
      if (answer === undefined) throw error;
      return c.body(answer.body, answer.status as 400, answer.headers);
    }
    const claimed = await claim(dedupe, webhook);
    if (claimed.kind === 'duplicate') return c.body(null, 200);
    if (claimed.kind === 'answer') {
      const { answer } = claimed;
      return c.body(answer.body, answer.status as 409, answer.headers);
    }
    c.set('webhook', webhook);
    try {
      await next();
    } catch (error) {
      await claimed.finish(undefined);
      throw error;
    }
    const replaced = await claimed.finish(c.error === undefined ? c.res.status : undefined);
    if (replaced !== undefined) {
      await c.res.body?.cancel();
      c.res = undefined;
      c.res = new Response(replaced.body, { status: replaced.status, headers: replaced.headers });
    }
  };
}
