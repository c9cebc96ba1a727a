import type { Clock } from '@brace/core';
import type { Assertions } from './assert.js';
import type { DriftStep } from './drift.js';
import type { FaultOptions, ScriptStep } from './faults.js';
import type { ProviderLedger } from './ledger.js';
import type { OAuthServer, OAuthServerOptions } from './oauth-types.js';
import type { Preset } from './preset-types.js';
import type { PresetName } from './presets/index.js';
import type { Random } from './random.js';
import type { RateLimitKey } from './rate-window.js';
import type { ResourceStore } from './resources.js';
import type { WebhookEvent, WebhookOptions } from './webhook-types.js';
import type { WebhookSender } from './webhooks.js';

/**
 * What a route handler gets besides the request.
 *
 * @example
 * ```ts
 * import type { RouteContext } from '@brace/simulator';
 *
 * const idOf = (ctx: RouteContext) => ctx.params.id;
 * ```
 */
export interface RouteContext {
  /** `:name` segments of the route pattern. */
  params: Record<string, string>;
  /** The body as fields (JSON object or form), `undefined` when it is neither. */
  fields: Record<string, unknown> | undefined;
  /** The provider's origin, `http://127.0.0.1:<port>`. */
  origin: string;
  /** The provider's resources (creating one counts it in the ledger). */
  resources: ResourceStore;
  /** Emits a webhook event (when webhooks are on). */
  emit(type: string, data: unknown): WebhookEvent | undefined;
  /** The provider clock (Unix ms). */
  now(): number;
  /** The seeded random of the routes. */
  random: Random;
}

/**
 * A plain answer from a route: JSON `body` unless it is a string or bytes.
 *
 * @example
 * ```ts
 * import type { RouteAnswer } from '@brace/simulator';
 *
 * const created: RouteAnswer = { status: 201, body: { id: 'x_1' } };
 * ```
 */
export interface RouteAnswer {
  /** Default 200 (204 without a body). */
  status?: number;
  /** Response headers. */
  headers?: Record<string, string>;
  /** JSON, or a string or bytes sent as they are. */
  body?: unknown;
  /**
   * The request failed validation before the endpoint did anything: the answer is not saved
   * under the request's idempotency key (as Stripe documents), so a corrected retry runs.
   */
  rejected?: boolean;
}

/**
 * A route handler: a fetch handler with a context. Return a `Response` or a {@link RouteAnswer}.
 *
 * @example
 * ```ts
 * import type { RouteHandler } from '@brace/simulator';
 *
 * const hello: RouteHandler = () => ({ body: { hello: 'world' } });
 * ```
 */
export type RouteHandler = (
  request: Request,
  context: RouteContext,
) => Response | RouteAnswer | Promise<Response | RouteAnswer>;

/**
 * Options of {@link createProvider}.
 *
 * @example
 * ```ts
 * import type { ProviderOptions } from '@brace/simulator';
 *
 * const options: ProviderOptions = { seed: 7, preset: 'stripe', rateLimit: { limit: 10, windowMs: 1000 }, faults: { error: 0.1 } };
 * ```
 */
export interface ProviderOptions {
  /** Seeds every random decision (faults, webhooks, tokens). Default 0. */
  seed?: number;
  /** A built-in preset name or your own preset. Default `ietf`. */
  preset?: PresetName | Preset;
  /** Routes, `'METHOD /path/:param'` (method `*` for any), tried before the built-in resources. */
  routes?: Record<string, RouteHandler>;
  /** Serve generic resource collections (`POST /x` creates, `GET /x/:id` reads …) where no route matches. Default true. */
  resources?: boolean;
  /** What makes two created resources "the same" (a duplicate). Default: equal fields. */
  identity?: (collection: string, fields: Record<string, unknown>) => string | undefined;
  /** The rolling-window limit, or `false` for none. Default: the preset's documented limit. */
  rateLimit?:
    | {
        /** Requests per window. */
        limit: number;
        /** The window, ms. */
        windowMs: number;
        /** Who shares a window: `global` (default), `authorization` (per token) or a function. */
        by?: RateLimitKey;
      }
    | false;
  /** Fault probabilities and per-route scripts. */
  faults?: FaultOptions;
  /** Schema drift schedule. */
  drift?: readonly DriftStep[];
  /** Signed webhooks to a receiver. */
  webhooks?: WebhookOptions;
  /** Serve an OAuth authorization server and require Bearer tokens on every other route. */
  oauth?: boolean | OAuthServerOptions;
  /** The clock (rate windows, timestamps, expiry, slow answers). Default: the system clock. */
  clock?: Clock;
  /** Port to listen on. Default 0 (any free port). */
  port?: number;
  /** Host to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Serve `GET /_sim/ledger` and `POST /_sim/script` (the CLI turns this on). Default false. */
  control?: boolean;
  /** Transcript entries kept at most. Default 10,000. */
  transcriptLimit?: number;
}

/**
 * A running simulated provider.
 *
 * @example
 * ```ts
 * import { createProvider } from '@brace/simulator';
 *
 * const provider = await createProvider({ seed: 1, preset: 'github' });
 * provider.script('GET /repos/:owner/:repo', [503, 200]);
 * await provider.close();
 * ```
 */
export interface Provider {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** What the provider saw. */
  ledger: ProviderLedger;
  /** The preset in use. */
  preset: Preset;
  /** Sets the fault script of a route: attempt n takes step n, then answers normally. */
  script(route: string, steps: readonly ScriptStep[]): void;
  /** Assertions on the ledger that throw a readable summary. */
  assert: Assertions;
  /** The provider's resources. */
  resources: ResourceStore;
  /** The OAuth server, when `oauth` is on. */
  oauth: OAuthServer | undefined;
  /** The webhook sender, when `webhooks` is on. */
  webhooks: WebhookSender | undefined;
  /** Cancels webhook retries still waiting, waits for deliveries in flight, then stops the server and every pending wait. */
  close(): Promise<void>;
}
