// A typed router over verified webhooks: one handler per provider event type, payload types
// from a type map or a Standard Schema per route, and a fallback for everything else.
import type { StandardSchemaV1 } from '@brace/core';
import { WebhookOptionsError, WebhookPayloadError, WebhookSchemaError } from './errors.js';
import type { VerifiedWebhook } from './verify.js';

/**
 * A route's handler: the payload (typed by the router's event map or the route's schema) and
 * the verified webhook it came from.
 *
 * @example
 * ```ts
 * import type { WebhookHandler } from '@brace/webhook-verify';
 *
 * const onPaid: WebhookHandler<{ id: string; amount_paid: number }> = async (invoice, webhook) => {
 *   await markPaid(invoice.id, webhook.id);
 * };
 * ```
 */
export type WebhookHandler<T, R = unknown> = (
  payload: T,
  webhook: VerifiedWebhook<T>,
) => R | Promise<R>;

/**
 * The fallback for verified webhooks that no route matches (or that carry no type).
 *
 * @example
 * ```ts
 * import type { UnhandledWebhookHandler } from '@brace/webhook-verify';
 *
 * const ignore: UnhandledWebhookHandler = (webhook) => console.info('unhandled', webhook.type);
 * ```
 */
export type UnhandledWebhookHandler<R = unknown> = (
  webhook: VerifiedWebhook<unknown>,
) => R | Promise<R>;

/**
 * A router from provider event types to handlers; see {@link createWebhookRouter}.
 *
 * @example
 * ```ts
 * import { createWebhookRouter, type WebhookRouter } from '@brace/webhook-verify';
 *
 * const router: WebhookRouter<{ 'invoice.paid': { id: string } }> = createWebhookRouter();
 * ```
 */
export interface WebhookRouter<Events extends object = Record<string, unknown>> {
  /** Routes `type` to `handler`, the payload typed by the router's event map. */
  on<K extends keyof Events & string>(type: K, handler: WebhookHandler<Events[K]>): this;
  /** Routes `type` to `handler` after validating the payload with a Standard Schema. */
  on<S extends StandardSchemaV1>(
    type: string,
    schema: S,
    handler: WebhookHandler<StandardSchemaV1.InferOutput<S>>,
  ): this;
  /** Sets the fallback for webhooks no route matches. Without one, they resolve `undefined`. */
  onUnhandled(handler: UnhandledWebhookHandler): this;
  /** Whether a route is registered for exactly this type. */
  has(type: string): boolean;
  /**
   * Runs the route for a verified webhook and resolves what the handler returns. Rejects with
   * {@link WebhookPayloadError} when the body is not JSON, {@link WebhookSchemaError} when a
   * route's schema refuses the payload, or whatever the handler throws.
   */
  dispatch(webhook: VerifiedWebhook<unknown>): Promise<unknown>;
}

interface Route {
  schema: StandardSchemaV1 | undefined;
  handler: WebhookHandler<unknown>;
}

function isSchema(value: unknown): value is StandardSchemaV1 {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as StandardSchemaV1)['~standard']?.validate === 'function'
  );
}

function pathOf(issue: StandardSchemaV1.Issue): string {
  return (issue.path ?? [])
    .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
    .join('.');
}

/** The payload: `webhook.payload` when it was parsed (`parse: true`), else the body as JSON. */
function payloadOf(webhook: VerifiedWebhook<unknown>): unknown {
  if ('payload' in webhook) return webhook.payload;
  try {
    return JSON.parse(webhook.body);
  } catch (error) {
    throw new WebhookPayloadError(webhook.provider, error);
  }
}

/**
 * Creates a typed router over verified webhooks. A webhook is routed by its provider event
 * `type` (see `VerifiedWebhook.type`); when it also has an `action` (GitHub, Linear), the
 * route `"<type>.<action>"` is tried first, then `"<type>"` — so `on('issues.opened', …)` and
 * `on('issues', …)` both work, the more specific winning. Payload types come from the
 * `Events` type parameter (no runtime check), or from a Standard Schema given per route
 * (zod, valibot, arktype…; the payload is validated, and the handler gets the schema's
 * output). Webhooks no route matches go to `onUnhandled`.
 *
 * @param options - `onUnhandled`, the same as calling `.onUnhandled()`
 * @returns the router; `on` and `onUnhandled` chain
 * @throws {@link WebhookOptionsError} from `on` for an empty type, a duplicate route or a
 * handler that is not a function
 *
 * @example
 * ```ts
 * import { createWebhookRouter, verifyWebhook } from '@brace/webhook-verify';
 * import { z } from 'zod';
 *
 * type StripeEvents = { 'invoice.paid': { data: { object: { id: string } } } };
 *
 * const router = createWebhookRouter<StripeEvents>()
 *   .on('invoice.paid', async (event) => {
 *     await markPaid(event.data.object.id);
 *   })
 *   .on('customer.deleted', z.object({ data: z.object({ object: z.object({ id: z.string() }) }) }), (event) => {
 *     forget(event.data.object.id);
 *   })
 *   .onUnhandled((webhook) => console.info('ignored', webhook.type));
 *
 * export async function POST(request: Request) {
 *   const webhook = await verifyWebhook(request, { provider: 'stripe', secret: process.env.STRIPE_WEBHOOK_SECRET! });
 *   await router.dispatch(webhook);
 *   return new Response(null, { status: 200 });
 * }
 * ```
 */
export function createWebhookRouter<Events extends object = Record<string, unknown>>(
  options: { onUnhandled?: UnhandledWebhookHandler } = {},
): WebhookRouter<Events> {
  const routes = new Map<string, Route>();
  let unhandled = options.onUnhandled;

  const router: WebhookRouter<Events> = {
    on(type: string, schemaOrHandler: unknown, maybeHandler?: unknown) {
      if (typeof type !== 'string' || type.length === 0) {
        throw new WebhookOptionsError('router.on: the event type must be a non-empty string.');
      }
      if (routes.has(type)) {
        throw new WebhookOptionsError(`router.on: "${type}" already has a handler.`);
      }
      const schema = isSchema(schemaOrHandler) ? schemaOrHandler : undefined;
      const handler = schema === undefined ? schemaOrHandler : maybeHandler;
      if (typeof handler !== 'function') {
        throw new WebhookOptionsError(
          'router.on: pass (type, handler) or (type, standardSchema, handler).',
        );
      }
      routes.set(type, { schema, handler: handler as WebhookHandler<unknown> });
      return router;
    },
    onUnhandled(handler) {
      if (typeof handler !== 'function') {
        throw new WebhookOptionsError('router.onUnhandled: the handler must be a function.');
      }
      unhandled = handler;
      return router;
    },
    has: (type) => routes.has(type),
    async dispatch(webhook) {
      const { type, action } = webhook;
      let route: Route | undefined;
      let routeType = '';
      if (type !== undefined) {
        if (action !== undefined) {
          routeType = `${type}.${action}`;
          route = routes.get(routeType);
        }
        if (route === undefined) {
          routeType = type;
          route = routes.get(type);
        }
      }
      if (route === undefined) return unhandled?.(webhook);
      let payload = payloadOf(webhook);
      if (route.schema !== undefined) {
        const result = await route.schema['~standard'].validate(payload);
        if (result.issues !== undefined) {
          throw new WebhookSchemaError(webhook.provider, routeType, result.issues.map(pathOf));
        }
        payload = result.value;
      }
      return route.handler(payload, { ...webhook, payload });
    },
  };
  return router;
}
