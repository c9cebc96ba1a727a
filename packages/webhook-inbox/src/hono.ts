/**
 * A Hono handler (`inboxHandler`) that receives a provider's deliveries into the inbox.
 *
 * @module
 */
import type { Handler } from 'hono';
import type { Inbox } from './inbox.js';

/**
 * A Hono handler that receives `provider`'s deliveries into the inbox: verified, committed,
 * then 200. Mount it before any middleware that reads the body.
 *
 * @param inbox - the inbox
 * @param provider - a provider configured in the inbox
 * @returns the Hono handler
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { createInbox, memoryInboxStore } from '@brace/webhook-inbox';
 * import { inboxHandler } from '@brace/webhook-inbox/hono';
 *
 * const inbox = createInbox({ store: memoryInboxStore(), providers: { stripe: { secret: 'whsec_x' } }, handlers: {} });
 * const app = new Hono();
 * app.post('/webhooks/stripe', inboxHandler(inbox, 'stripe'));
 * ```
 */
export function inboxHandler(inbox: Inbox, provider: string): Handler {
  const receive = inbox.fetch(provider);
  return (c) => receive(c.req.raw);
}
