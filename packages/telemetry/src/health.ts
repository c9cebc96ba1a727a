import type {
  HealthReason,
  HealthReport,
  HealthStatus,
  HealthThresholds,
  TelemetryStats,
} from './types.js';

/**
 * Default health thresholds: at least 10 calls before rates are judged; error rate degraded
 * at 5% and down at 50%; p95 degraded at 2 s; rate-limit headroom degraded under 10%.
 *
 * @example
 * ```ts
 * import { DEFAULT_THRESHOLDS, createTelemetry } from '@brace/telemetry';
 *
 * const telemetry = createTelemetry({
 *   integration: 'github',
 *   thresholds: { ...DEFAULT_THRESHOLDS, p95Ms: { degraded: 500 } },
 * });
 * ```
 */
export const DEFAULT_THRESHOLDS: Readonly<Required<HealthThresholds>> = Object.freeze({
  minCalls: 10,
  errorRate: Object.freeze({ degraded: 0.05, down: 0.5 }),
  p95Ms: Object.freeze({ degraded: 2000 }),
  headroom: Object.freeze({ degraded: 0.1 }),
});

function level(
  value: number,
  limits: { degraded?: number; down?: number },
  below: boolean,
): 'degraded' | 'down' | undefined {
  const crosses = (limit: number | undefined) =>
    limit !== undefined && (below ? value < limit : value > limit);
  if (crosses(limits.down)) return 'down';
  if (crosses(limits.degraded)) return 'degraded';
  return undefined;
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/**
 * Turns statistics into a health report with reasons: error rate and p95 over their limits
 * (once `minCalls` calls ended in the window), an open (down) or half-open (degraded) breaker,
 * rate-limit headroom under its limit, failing credentials (down). The status is the worst
 * reason's, `ok` without any.
 *
 * @example
 * ```ts
 * import { evaluateHealth } from '@brace/telemetry';
 *
 * const report = evaluateHealth(telemetry.stats(), { errorRate: { degraded: 0.01 } });
 * ```
 */
export function evaluateHealth(
  stats: TelemetryStats,
  thresholds: HealthThresholds = {},
): HealthReport {
  const minCalls = thresholds.minCalls ?? DEFAULT_THRESHOLDS.minCalls;
  const reasons: HealthReason[] = [];
  if (stats.calls >= minCalls) {
    const limits = thresholds.errorRate ?? DEFAULT_THRESHOLDS.errorRate;
    const status = level(stats.errorRate, limits, false);
    if (status) {
      reasons.push({
        code: 'error-rate',
        status,
        message: `${pct(stats.errorRate)} of ${stats.calls} calls failed in the last ${stats.windowMs / 1000} s`,
        value: stats.errorRate,
        threshold: (status === 'down' ? limits.down : limits.degraded) as number,
      });
    }
    const p95 = stats.latencyMs.p95;
    const p95Limits = thresholds.p95Ms ?? DEFAULT_THRESHOLDS.p95Ms;
    const p95Status = p95 === undefined ? undefined : level(p95, p95Limits, false);
    if (p95Status) {
      reasons.push({
        code: 'latency-p95',
        status: p95Status,
        message: `p95 latency is ${Math.round(p95 as number)} ms`,
        value: p95 as number,
        threshold: (p95Status === 'down' ? p95Limits.down : p95Limits.degraded) as number,
      });
    }
  }
  if (stats.breaker === 'open' || stats.breaker === 'half-open') {
    reasons.push({
      code: 'breaker-open',
      status: stats.breaker === 'open' ? 'down' : 'degraded',
      message: `the circuit breaker is ${stats.breaker}`,
    });
  }
  const headroom = stats.rateLimit?.headroom;
  if (headroom !== undefined) {
    const limits = thresholds.headroom ?? DEFAULT_THRESHOLDS.headroom;
    const status = level(headroom, limits, true);
    if (status) {
      reasons.push({
        code: 'rate-limit-headroom',
        status,
        message: `${pct(headroom)} of the rate limit is left`,
        value: headroom,
        threshold: (status === 'down' ? limits.down : limits.degraded) as number,
      });
    }
  }
  if (stats.credentials === 'failing') {
    reasons.push({ code: 'credentials', status: 'down', message: 'credentials are failing' });
  }
  let status: HealthStatus = 'ok';
  for (const reason of reasons) {
    if (reason.status === 'down') status = 'down';
    else if (status === 'ok') status = 'degraded';
  }
  return { integration: stats.integration, status, reasons, stats };
}
