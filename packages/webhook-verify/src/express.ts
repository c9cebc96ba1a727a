/**
 * Express middleware that verifies webhooks (on the raw body) before your handler runs.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { checkContentLength, PARSED_BODY_MESSAGE } from './body.js';
import { concatBytes } from './encoding.js';
import { WebhookVerificationError } from './errors.js';
import {
  type Claim,
  claim,
  type ProblemAnswer,
  rejection,
  resolveDedupe,
  type WebhookReceiverOptions,
} from './receiver.js';
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

function readStream(req: IncomingMessage, maxBytes: number, provider: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const onData = (chunk: Uint8Array) => {
      total += chunk.length;
      if (total > maxBytes) {
        cleanup();
        req.resume(); // drain what is left without keeping it
        reject(
          new WebhookVerificationError(
            'BODY_TOO_LARGE',
            `The body is larger than maxBodyBytes (${maxBytes}).`,
            provider,
          ),
        );
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : concatBytes(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

async function rawBody(req: Request, maxBytes: number, provider: string): Promise<unknown> {
  const body: unknown = req.body;
  if (body instanceof Uint8Array || typeof body === 'string') return body; // express.raw() / express.text()
  if (body !== undefined && body !== null) {
    throw new WebhookVerificationError(
      'BODY_ALREADY_PARSED',
      `${PARSED_BODY_MESSAGE} In Express, mount the webhook route before express.json(), or use express.raw({ type: '*/*' }) on it.`,
      provider,
    );
  }
  if (req.readableEnded || req.complete) {
    throw new WebhookVerificationError(
      'BODY_ALREADY_PARSED',
      'The request stream was already consumed by another middleware, so the raw bytes are gone. Mount the webhook middleware before any body parser.',
      provider,
    );
  }
  checkContentLength(req.headers['content-length'], maxBytes, provider);
  return readStream(req, maxBytes, provider);
}

function send(res: Response, answer: ProblemAnswer): void {
  res.status(answer.status).set(answer.headers).send(answer.body);
}

type End = Response['end'];

/**
 * Holds the handler's `res.end` until the delivery's outcome is recorded (or released): the
 * answer goes out only after the store has it. When recording fails, the handler's answer is
 * replaced by the 503 while its headers are still unsent, and the connection is destroyed
 * (never acknowledged) when they were already flushed. A client that hangs up first changes
 * nothing: the handler's own answer, whenever it comes, records or releases the id.
 */
function holdEnd(res: Response, run: Extract<Claim, { kind: 'run' }>): void {
  const end = res.end as (...args: unknown[]) => Response;
  let finishing = false;
  res.end = function heldEnd(this: Response, ...args: unknown[]) {
    if (finishing) return end.apply(res, args);
    finishing = true;
    const status = res.statusCode;
    run.finish(status).then(
      (replaced) => {
        if (replaced === undefined) {
          end.apply(res, args);
        } else if (!res.headersSent) {
          for (const name of res.getHeaderNames()) res.removeHeader(name);
          res.statusCode = replaced.status;
          res.set(replaced.headers);
          end.call(res, replaced.body);
        } else {
          res.destroy();
        }
      },
      /* c8 ignore next */ () => res.destroy(),
    );
    return res;
  } as End;
  // A client that hangs up (a provider's timeout) does not release the id: the handler may
  // still be running, and a release would let the redelivery run it a second time at once.
  // Its later `res.end` records or releases as usual; one that never ends keeps the claim
  // until `lockTtlMs`.
}

/** Express `res.locals` after the middleware: the verified delivery. */
export interface WebhookLocals {
  /** The verified delivery. */
  webhook: VerifiedWebhook;
}

/**
 * Express middleware: reads the raw body from the request stream (or a `Buffer` left by
 * `express.raw()`), verifies it before the handler, answers 400/401/413 with an
 * `application/problem+json` body naming the code, and sets `res.locals.webhook` (and `req.body`
 * to the raw `Buffer`-like bytes). If a JSON parser already consumed the body it answers
 * `BODY_ALREADY_PARSED`, explaining the raw-body rule. With `dedupe`, a repeated delivery id
 * answers 200 without calling the handler; a status that `isDeliveryDone` does not record (5xx,
 * 408, 409, 425, 429, 1xx, 3xx) or a handler error releases the id; a client that hangs up
 * first does not (the handler may still be running). The
 * handler's `res.end` is held until the outcome is recorded: a delivery is acknowledged only
 * once it is, and a failing store answers 503 + `Retry-After` instead (or, when the handler
 * already flushed its headers, the connection is destroyed unacknowledged).
 *
 * @param options - `verifyWebhook` options plus `dedupe` and `onReject`
 * @returns the middleware
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { webhookMiddleware } from '@brace/webhook-verify/express';
 *
 * const app = express();
 * app.post('/webhooks/github', webhookMiddleware({ provider: 'github', secret: process.env.GITHUB_WEBHOOK_SECRET! }), (req, res) => {
 *   void queue.add('github', res.locals.webhook.body);
 *   res.sendStatus(202);
 * });
 * app.use(express.json()); // other routes: after the webhook routes
 * ```
 */
export function webhookMiddleware(
  options: WebhookReceiverOptions,
): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  const prepared = prepareVerify(options);
  const dedupe = resolveDedupe(options.dedupe);
  return async (req, res, next) => {
    let webhook: VerifiedWebhook;
    try {
      const bytes = await rawBody(req, prepared.maxBodyBytes, prepared.scheme.name);
      const url = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`;
      webhook = await verifyMessage(prepared, req.headers, bytes, url);
      req.body = bytes;
    } catch (error) {
      const answer = rejection(error, options.onReject);
      if (answer === undefined) return next(error);
      return send(res, answer);
    }
    let claimed: Claim;
    try {
      claimed = await claim(dedupe, webhook);
    } catch (error) {
      return next(error); // a throwing `dedupe.key`
    }
    if (claimed.kind === 'duplicate') {
      res.sendStatus(200);
      return;
    }
    if (claimed.kind === 'answer') return send(res, claimed.answer);
    holdEnd(res, claimed);
    res.locals.webhook = webhook;
    next();
  };
}
