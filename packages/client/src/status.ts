import type { CircuitState } from '@brace/backoff';
import { hostOfUrl } from '@brace/core';
import type { RateLimiterStats } from '@brace/rate-limit';
import type { HealthReport, TelemetryStats } from '@brace/telemetry';
import { ClientOptionError } from './errors.js';
import type { Parts } from './parts.js';

/**
 * One reason an integration is not `ok`.
 *
 * @example
 * ```ts
 * import type { IntegrationHealthReason } from '@brace/client';
 *
 * const line = (r: IntegrationHealthReason) => `${r.code}: ${r.message}`;
 * ```
 */
export interface IntegrationHealthReason {
  /** `breaker-open`, `sunset` (an endpoint in use is past its Sunset date), or a telemetry reason code. */
  code: string;
  /** How bad. */
  status: 'degraded' | 'down';
  /** For people. */
  message: string;
}

/**
 * What `health()` returns: the integration's state, judged without a network call.
 *
 * @example
 * ```ts
 * import type { IntegrationHealth } from '@brace/client';
 *
 * const httpStatus = (h: IntegrationHealth) => (h.status === 'down' ? 503 : 200);
 * ```
 */
export interface IntegrationHealth {
  /** The integration's name. */
  integration: string;
  /** The worst status among the reasons (`ok` without reasons). */
  status: 'ok' | 'degraded' | 'down';
  /** Why it is not `ok`. */
  reasons: IntegrationHealthReason[];
  /** Telemetry's own report (error rate, p95, headroom), when telemetry is on. */
  telemetry: HealthReport | undefined;
}

/**
 * An endpoint seen with `Deprecation` or `Sunset`, as `stats()` lists it.
 *
 * @example
 * ```ts
 * import type { DeprecatedEndpoint } from '@brace/client';
 *
 * const line = (d: DeprecatedEndpoint) => `${d.endpoint} until ${d.sunsetAt?.toISOString() ?? '?'}`;
 * ```
 */
export interface DeprecatedEndpoint {
  /** `METHOD route`. */
  endpoint: string;
  /** From `Deprecation`. */
  deprecatedAt: Date | undefined;
  /** From `Sunset`. */
  sunsetAt: Date | undefined;
  /** The deprecation link. */
  link: string | undefined;
}

/**
 * What `stats()` returns: every part's figures in one object.
 *
 * @example
 * ```ts
 * import type { IntegrationStats } from '@brace/client';
 *
 * const queued = (s: IntegrationStats) => s.limiter?.queued ?? 0;
 * ```
 */
export interface IntegrationStats {
  /** The integration's name. */
  integration: string;
  /** The pinned API version. */
  version: string | undefined;
  /** The limiter's queue, when on. */
  limiter: RateLimiterStats | undefined;
  /** The breaker's state for the base URL's host, when on. */
  breaker: CircuitState | undefined;
  /** Telemetry's rolling figures, when on. */
  telemetry: TelemetryStats | undefined;
  /** Endpoints seen with `Deprecation` or `Sunset` (first notice of each; at most 100). */
  deprecated: DeprecatedEndpoint[];
}

/**
 * What `validate()` found: the credentials and a cheap call.
 *
 * @example
 * ```ts
 * import type { ValidationResult } from '@brace/client';
 *
 * const ready = (v: ValidationResult) => v.ok;
 * ```
 */
export interface ValidationResult {
  /** The integration's name. */
  integration: string;
  /** Whether the cheap call succeeded (2xx). */
  ok: boolean;
  /** The call's HTTP status, when an answer came. */
  status: number | undefined;
  /** `ok` (accepted), `rejected` (401, or the token manager failed) or `unknown`. */
  credentials: 'ok' | 'rejected' | 'unknown';
  /** The error's `code` (or name) when the call failed without an answer. */
  error: string | undefined;
  /** How long it took, in ms. */
  latencyMs: number;
}

/** @internal */
export function healthOf(parts: Parts): IntegrationHealth {
  const reasons: IntegrationHealthReason[] = [];
  const telemetry = parts.telemetry?.health();
  if (telemetry) {
    for (const r of telemetry.reasons)
      reasons.push({ code: r.code, status: r.status, message: r.message });
  } else if (parts.breaker) {
    const state = parts.breaker.state(hostOfUrl(parts.baseUrl));
    if (state !== 'closed') {
      reasons.push({
        code: 'breaker-open',
        status: state === 'open' ? 'down' : 'degraded',
        message: `The circuit to ${hostOfUrl(parts.baseUrl)} is ${state}.`,
      });
    }
  }
  const now = parts.clock.now();
  for (const [endpoint, notice] of parts.deprecated) {
    if (notice.sunsetAt && notice.sunsetAt.getTime() <= now) {
      reasons.push({
        code: 'sunset',
        status: 'degraded',
        message: `${endpoint} is past its Sunset date (${notice.sunsetAt.toISOString()}).`,
      });
    }
  }
  const status = reasons.some((r) => r.status === 'down')
    ? 'down'
    : reasons.length > 0
      ? 'degraded'
      : 'ok';
  return { integration: parts.name, status, reasons, telemetry };
}

/** @internal */
export function statsOf(parts: Parts): IntegrationStats {
  return {
    integration: parts.name,
    version: parts.version,
    limiter: parts.limiter?.stats(),
    breaker: parts.breaker?.state(hostOfUrl(parts.baseUrl)),
    telemetry: parts.telemetry?.stats(),
    deprecated: [...parts.deprecated].map(([endpoint, n]) => ({ endpoint, ...n })),
  };
}

/** @internal Credentials first (a token manager's own check), then one cheap GET. */
export async function validateWith(
  parts: Parts,
  get: (path: string, signal: AbortSignal | undefined) => Promise<Response>,
  signal: AbortSignal | undefined,
): Promise<ValidationResult> {
  const path = parts.validatePath;
  if (path === undefined) {
    throw new ClientOptionError('validatePath', 'a cheap GET path (or a preset that has one)');
  }
  const started = parts.clock.now();
  const result = (
    ok: boolean,
    status: number | undefined,
    credentials: ValidationResult['credentials'],
    error?: unknown,
  ): ValidationResult => ({
    integration: parts.name,
    ok,
    status,
    credentials,
    error:
      error === undefined
        ? undefined
        : String((error as { code?: unknown }).code ?? (error as Error).name ?? 'Error'),
    latencyMs: parts.clock.now() - started,
  });
  const manager = parts.auth as { validate?: (o?: { signal?: AbortSignal }) => Promise<unknown> };
  if (typeof manager?.validate === 'function' && 'getToken' in manager) {
    try {
      await manager.validate(signal ? { signal } : undefined);
    } catch (error) {
      return result(false, undefined, 'rejected', error);
    }
  }
  try {
    const response = await get(path, signal);
    await response.body?.cancel();
    const credentials = response.ok ? 'ok' : response.status === 401 ? 'rejected' : 'unknown';
    return result(response.ok, response.status, credentials);
  } catch (error) {
    // The auth adapter throws AUTH_* errors (e.g. AUTH_REJECTED after a 401 it could not fix).
    const code = (error as { code?: unknown }).code;
    const status = (error as { status?: unknown }).status;
    const rejected = typeof code === 'string' && code.startsWith('AUTH_');
    return result(
      false,
      typeof status === 'number' ? status : undefined,
      rejected ? 'rejected' : 'unknown',
      error,
    );
  }
}
