import type { GuardCallOptions, GuardedClient } from '@brace/schema-guard/ky';
import ky, { type KyInstance, type Options } from 'ky';
import type { IntegrationEventName, Listener } from './events.js';
import { integrationKyOptions } from './hooks.js';
import type { IntegrationOptions } from './options.js';
import { buildParts } from './parts.js';
import {
  healthOf,
  type IntegrationHealth,
  type IntegrationStats,
  statsOf,
  type ValidationResult,
  validateWith,
} from './status.js';

/**
 * What `defineIntegration` returns: a ky instance with every part composed (call it, or
 * `.get()`/`.post()` it, as with ky), plus typed route calls, health, validation, figures and
 * one event stream.
 *
 * @example
 * ```ts
 * import { defineIntegration, type Integration } from '@brace/client';
 *
 * const billing: Integration = defineIntegration({ name: 'billing', baseUrl: 'https://billing.example.com/v1/' });
 * const invoices = await billing.get('invoices').json();
 * ```
 */
export interface IntegrationMembers<T> {
  /** The integration's name. */
  readonly integration: string;
  /** Typed calls over `routes`: paths checked at compile time, bodies typed, results validated. */
  readonly api: GuardedClient<T>;
  /** The integration's state from its parts (breaker, telemetry, Sunset dates), without a network call. */
  health(): IntegrationHealth;
  /** Checks the credentials and makes one cheap call (`validatePath`), without retries or cache. Never throws for a failed call. */
  validate(options?: { signal?: AbortSignal }): Promise<ValidationResult>;
  /** Every part's figures. */
  stats(): IntegrationStats;
  /** Listens to one event (or `'*'` for all); returns the unsubscribe function. */
  on<K extends IntegrationEventName | '*'>(event: K, listener: Listener<K>): () => void;
  /** Creates the shared tables of `shared.postgres`, if any (idempotent). */
  setup(): Promise<void>;
}

/** An integration: a ky instance plus {@link IntegrationMembers}. */
export type Integration<T = unknown> = KyInstance & IntegrationMembers<T>;

/**
 * Declares one third-party API: every Brace part composed, in the right order, behind one ky
 * instance. Every part is optional and on by default where it is safe: retries inside a 10%
 * budget (POST/PATCH only with an idempotency key, which POST and PATCH get), a limiter that
 * learns from the provider's headers, a circuit breaker per host, RFC 9457 errors, schema drift
 * in warn mode, the pinned version header on every call and one warning per deprecated
 * endpoint. Auth, cache and telemetry plug in with one option each.
 *
 * @param options - see {@link IntegrationOptions}
 * @returns the integration
 * @throws `ClientOptionError` when an option is out of range
 *
 * @example
 * ```ts
 * import { defineIntegration } from '@brace/client';
 * import { github } from '@brace/client/presets';
 * import { defineRoutes } from '@brace/schema-guard';
 * import { z } from 'zod';
 *
 * const gh = defineIntegration({
 *   preset: github,
 *   auth: { token: process.env.GITHUB_TOKEN ?? '' },
 *   routes: defineRoutes({ 'GET /repos/:owner/:repo': { response: z.object({ id: z.number() }) } }),
 * });
 * const repo = await gh.api.get('/repos/octocat/hello-world'); // { id: number }
 * gh.on('deprecation', (e) => console.warn(e.endpoint, e.sunsetAt));
 * ```
 */
export function defineIntegration<T = unknown>(options: IntegrationOptions<T>): Integration<T> {
  const generic = options as IntegrationOptions<unknown>;
  const parts = buildParts(generic);
  const instance = ky.create(integrationKyOptions(parts, generic));
  const call =
    (method: 'get' | 'post' | 'put' | 'patch' | 'delete') =>
    (path: string, callOptions?: GuardCallOptions): Promise<unknown> =>
      instance(path.startsWith('/') ? path.slice(1) : path, {
        ...(callOptions as Options),
        method,
      }).json();
  const members: IntegrationMembers<T> = {
    integration: parts.name,
    api: {
      get: call('get'),
      post: call('post'),
      put: call('put'),
      patch: call('patch'),
      delete: call('delete'),
    } as unknown as GuardedClient<T>,
    health: () => healthOf(parts),
    validate: (o) =>
      validateWith(
        parts,
        (path, signal) =>
          instance.get(path.startsWith('/') ? path.slice(1) : path, {
            retry: 0,
            throwHttpErrors: false,
            headers: { 'cache-control': 'no-cache' },
            ...(signal ? { signal } : {}),
          }),
        o?.signal,
      ),
    stats: () => statsOf(parts),
    on: (event, listener) => parts.emitter.on(event, listener),
    setup: () => parts.setup(),
  };
  return Object.assign(instance, members);
}
