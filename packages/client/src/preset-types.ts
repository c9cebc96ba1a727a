import type { ProblemDetails } from '@brace/problem-details';
import type { RateLimitPolicy } from '@brace/rate-limit';

/**
 * What a provider preset declares: everything about one provider's API that an integration
 * would otherwise have to look up in its documentation. Presets are plain objects: spread one
 * and change what you need.
 *
 * @example
 * ```ts
 * import { github } from '@brace/client/presets';
 * import type { ProviderPreset } from '@brace/client';
 *
 * const enterprise: ProviderPreset = { ...github, baseUrl: 'https://ghe.example.com/api/v3/' };
 * ```
 */
export interface ProviderPreset {
  /** The provider's name (the integration's default name). */
  name: string;
  /** The public API's base URL. `{version}` is replaced by the pinned version. */
  baseUrl: string;
  /** How the API version is pinned: a request header, or the `{version}` segment of `baseUrl`. */
  version?: {
    /** The request header carrying the version; `undefined` when the version is in the path. */
    header: string | undefined;
    /** The version pinned when the integration names none. */
    default: string;
  };
  /** How a token is sent: `header: prefix + token`. */
  auth: {
    /** The header. */
    header: string;
    /** Text before the token (`Bearer `, or empty). */
    prefix: string;
  };
  /** The documented limits (the limiter still learns from the provider's headers). */
  rateLimit: {
    /** The policies, enforced together. */
    policies: readonly RateLimitPolicy[];
    /** Most requests in flight at once. */
    concurrency?: number;
  };
  /** The idempotency header and key format, or `false` when the provider has none (POSTs are then never retried). */
  idempotency:
    | false
    | {
        /** The request header. */
        header: string;
        /** `structured` (`"…"`) or `token` (bare). */
        format: 'structured' | 'token';
      };
  /** Whether an answer other than 408/429/5xx means "rate limited, retry later" (GitHub's 403). */
  isRateLimited?(status: number, headers: Headers): boolean;
  /** Maps the provider's own error body to RFC 9457 problem details. */
  normalizeError(
    body: unknown,
    context: { status: number; baseUrl: string },
  ): ProblemDetails | undefined;
  /** The `@brace/webhook-verify` provider its webhooks are signed as, and the header with the delivery id. */
  webhook: {
    /** The `@brace/webhook-verify` provider name. */
    scheme: 'github' | 'stripe' | 'shopify' | 'slack';
    /** The header carrying the delivery id, or `undefined` when the id is in the body. */
    idHeader: string | undefined;
  };
  /** A cheap authenticated GET for `validate()`, relative to `baseUrl`. */
  validatePath: string;
  /** The public documentation each declaration was taken from. */
  docs: readonly string[];
}
