/**
 * Express middleware (`inboxMiddleware`) that receives a provider's deliveries into the inbox.
 *
 * @module
 */
import { webhookMiddleware } from '@brace/webhook-verify/express';
import type { NextFunction, Request, Response } from 'express';
import type { Inbox } from './inbox.js';

/**
 * Express middleware that receives `provider`'s deliveries into the inbox. It reads the raw
 * body and verifies it with `@brace/webhook-verify/express` (400/401/413 problem answers as
 * there), commits the event, then answers 200 — or 503 with `Retry-After` when the store
 * fails. Mount it before `express.json()`.
 *
 * @param inbox - the inbox
 * @param provider - a provider configured in the inbox
 * @returns the middleware
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createInbox, memoryInboxStore } from '@brace/webhook-inbox';
 * import { inboxMiddleware } from '@brace/webhook-inbox/express';
 *
 * const inbox = createInbox({ store: memoryInboxStore(), providers: { github: { secret: 's' } }, handlers: {} });
 * const app = express();
 * app.post('/webhooks/github', inboxMiddleware(inbox, 'github'));
 * app.use(express.json());
 * ```
 */
export function inboxMiddleware(
  inbox: Inbox,
  provider: string,
): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  const verify = webhookMiddleware(inbox.verifyOptions(provider));
  return (req, res, next) =>
    verify(req, res, (error?: unknown) => {
      if (error !== undefined) return next(error);
      inbox
        .accept(provider, res.locals.webhook, req.headers)
        .then(
          (answer) => void res.status(answer.status).set(answer.headers).send(answer.body),
          next,
        );
    });
}
