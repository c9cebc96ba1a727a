/**
 * ky integration: `idempotencyHooks` send one `Idempotency-Key` per logical call, kept across retries.
 *
 * @module
 */
import type { BeforeRequestState, Hooks } from 'ky';
import { InvalidIdempotencyKeyError } from './errors.js';
import {
  createIdempotencyKey,
  formatIdempotencyKey,
  IDEMPOTENCY_KEY_HEADER,
  type IdempotencyKeyFormat,
} from './key.js';
import { DEFAULT_IDEMPOTENT_METHODS } from './options.js';

/**
 * Options of {@link idempotencyHooks}.
 *
 * @example
 * ```ts
 * import type { IdempotencyHooksOptions } from '@brace/idempotency/ky';
 *
 * const options: IdempotencyHooksOptions = { format: 'token', methods: ['POST'] };
 * ```
 */
export interface IdempotencyHooksOptions {
  /** The header to set. Default `Idempotency-Key`. */
  header?: string;
  /** The methods that get a key (any case). Default `['POST', 'PATCH']`. */
  methods?: readonly string[];
  /**
   * Picks the key for a request: return a string to use it, `undefined` to fall back to
   * `options.context.idempotencyKey`, then to `generateKey()`.
   */
  key?: (request: Request, context: Record<string, unknown>) => string | undefined;
  /**
   * `structured` (default) sends a structured-field String, `"…"`, as the IETF draft
   * says; `token` sends the key bare, for servers such as Stripe.
   */
  format?: IdempotencyKeyFormat;
  /** Makes a new key. Default `createIdempotencyKey` (a random UUID). */
  generateKey?: () => string;
}

/**
 * ky hooks that give every matching request without an `Idempotency-Key` one. The key is a
 * stable business key when the call passes one in `context.idempotencyKey` (or your `key`
 * function returns one), else a random UUID. ky 2 runs `beforeRequest` once per call and
 * sends the same `Request` (headers included) on every retry, so all attempts of a call
 * carry the same key, and the next call gets a new one. A request that already has the
 * header keeps it.
 *
 * A business key must name the operation, not just the recipient ("payout 2026-01 to
 * user 42", not "user 42"), or a second, different operation is refused with 422.
 *
 * Let ky retry the methods you protect: `retry: { methods: ['get', 'post', 'patch', …] }`
 * (ky never retries POST by default).
 *
 * @param options - header, methods, key choice and format
 * @returns ky hooks (`beforeRequest`), for `ky.create({ hooks })` or `composeHooks`
 * @throws `InvalidIdempotencyKeyError` (from the request) when a chosen key is empty,
 * over 255 characters or not representable in `format`
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { idempotencyHooks } from '@brace/idempotency/ky';
 *
 * const api = ky.create({
 *   baseUrl: 'https://api.example.com/v1/',
 *   retry: { limit: 3, methods: ['get', 'post', 'patch'] },
 *   hooks: idempotencyHooks(),
 * });
 *
 * await api.post('orders', { json: order });                       // random key, same on retries
 * await api.post('payouts', { json: payout, context: { idempotencyKey: `payout-${payout.id}` } });
 * ```
 */
export function idempotencyHooks(options: IdempotencyHooksOptions = {}): Hooks {
  const header = options.header ?? IDEMPOTENCY_KEY_HEADER;
  const methods = new Set(
    (options.methods ?? DEFAULT_IDEMPOTENT_METHODS).map((m) => m.toUpperCase()),
  );
  const pick = options.key;
  const format = options.format ?? 'structured';
  const generate = options.generateKey ?? createIdempotencyKey;
  const beforeRequest = ({ request, options: kyOptions }: BeforeRequestState): void => {
    if (!methods.has(request.method.toUpperCase()) || request.headers.has(header)) return;
    const context = kyOptions.context;
    let key = pick?.(request, context);
    if (key === undefined) {
      const fromContext = context.idempotencyKey;
      if (fromContext !== undefined && typeof fromContext !== 'string') {
        throw new InvalidIdempotencyKeyError('syntax');
      }
      key = fromContext ?? generate();
    }
    request.headers.set(header, formatIdempotencyKey(key, format));
  };
  return { beforeRequest: [beforeRequest] };
}
