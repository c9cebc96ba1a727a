// The Node build's synchronous entry point. Node's crypto answers synchronously, so a message
// whose raw body is already in memory can be verified without awaiting (as Stripe's
// `constructEvent` does). This subpath only exists under the `node` export condition.

import { backend } from '#crypto';
import type { WebhookMessage } from './body.js';
import { WebhookOptionsError } from './errors.js';
import { preparedFor } from './prepare.js';
import { type VerifiedWebhook, type VerifyWebhookOptions, verifyMessage } from './verify.js';

export type { WebhookMessage } from './body.js';
export type { VerifiedWebhook, VerifyWebhookOptions } from './verify.js';

const REQUEST_MESSAGE =
  'verifyWebhookSync needs the raw body in memory: pass { body, headers, url? } (a Request body can only be read asynchronously; use verifyWebhook for a Request).';

/**
 * Verifies a webhook synchronously, with exactly the checks of `verifyWebhook`: every
 * configured secret over the exact raw bytes, the replay window, the provider's extra checks
 * (Linear's body timestamp, Twilio's `bodySHA256`), and the same result (`id`, `type`,
 * `action`, `timestamp`, `body`, `payload` with `parse: true`). Only in the Node build
 * (`@brace/webhook-verify/node`, the `node` export condition: Node, Bun, Deno); the Web build
 * has no synchronous HMAC, so it has no such function.
 *
 * @param message - `{ body, headers, url? }` with the raw body (string, Uint8Array or ArrayBuffer)
 * @param options - the same options as `verifyWebhook`
 * @returns the verified webhook
 * @throws `WebhookVerificationError` (with its `code`) when verification fails,
 * `WebhookPayloadError` for a non-JSON body with `parse: true`, `WebhookOptionsError` for bad
 * options, a `Request`, or a custom scheme whose `afterMatch` is asynchronous
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { verifyWebhookSync } from '@brace/webhook-verify/node';
 *
 * const app = express();
 * app.post('/stripe', express.raw({ type: 'application/json' }), (req, res) => {
 *   const event = verifyWebhookSync(
 *     { body: req.body, headers: req.headers },
 *     { provider: 'stripe', secret: process.env.STRIPE_WEBHOOK_SECRET!, parse: true },
 *   );
 *   console.info(event.id, event.type);
 *   res.sendStatus(200);
 * });
 * ```
 */
export function verifyWebhookSync<T = unknown>(
  message: WebhookMessage,
  options: VerifyWebhookOptions,
): VerifiedWebhook<T> {
  const prepared = preparedFor(options);
  if (typeof message !== 'object' || message === null) {
    throw new WebhookOptionsError('verifyWebhookSync: `message` must be { body, headers, url? }.');
  }
  if (typeof Request === 'function' && message instanceof Request) {
    throw new WebhookOptionsError(REQUEST_MESSAGE);
  }
  if (!backend.sync) throw new WebhookOptionsError(REQUEST_MESSAGE); // never: node:crypto is sync
  const result = verifyMessage(prepared, message.headers ?? {}, message.body, message.url);
  if (result instanceof Promise) {
    result.catch(() => {}); // the outcome is reported by the error below, not as a rejection
    throw new WebhookOptionsError(
      `verifyWebhookSync: the ${prepared.scheme.name} scheme checks asynchronously (its afterMatch returns a Promise); use verifyWebhook.`,
    );
  }
  return result as VerifiedWebhook<T>;
}
