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
import { claim, type ProblemAnswer, rejection, type WebhookReceiverOptions } from './receiver.js';
import { prepareVerify, type VerifiedWebhook, verifyMessage } from './verify.js';

export {
  DEFAULT_DEDUPE_LOCK_TTL_MS,
  DEFAULT_DEDUPE_TTL_MS,
  type DedupeOptions,
  type DedupeStore,
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
 * answers 200 without calling the handler; a 5xx (or an aborted response) releases the id.
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
    let claimed: Awaited<ReturnType<typeof claim>>;
    try {
      claimed = await claim(options.dedupe, webhook);
    } catch (error) {
      return next(error);
    }
    if (claimed.kind === 'duplicate') {
      res.sendStatus(200);
      return;
    }
    if (claimed.kind === 'busy') return send(res, claimed.answer);
    const { settle } = claimed;
    let settled = false;
    const done = (succeeded: boolean) => {
      if (settled) return;
      settled = true;
      settle(succeeded, res.statusCode).catch(() => {});
    };
    res.on('finish', () => done(res.statusCode < 500));
    res.on('close', () => done(false));
    res.locals.webhook = webhook;
    next();
  };
}
