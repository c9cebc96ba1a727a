import type { HealthReport, HealthStatus } from './types.js';

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

interface Family {
  name: string;
  help: string;
  type: 'gauge';
  samples: string[];
}

const STATES: readonly HealthStatus[] = ['ok', 'degraded', 'down'];
const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;

/**
 * Renders health reports in the Prometheus text exposition format (version 0.0.4): one gauge
 * family per figure, labelled by `integration`, in base units (seconds, ratios). The same
 * figures as the JSON health document, for users without an OpenTelemetry collector.
 *
 * @example
 * ```ts
 * import { createTelemetry, prometheusText } from '@brace/telemetry';
 *
 * const stripe = createTelemetry({ integration: 'stripe' });
 * const text = prometheusText([stripe.health()]);
 * // # HELP brace_integration_health ...
 * // brace_integration_health{integration="stripe",state="ok"} 1
 * ```
 */
export function prometheusText(reports: readonly HealthReport[]): string {
  const families = new Map<string, Family>();
  const add = (
    name: string,
    help: string,
    labels: Record<string, string>,
    value: number | undefined,
  ) => {
    if (value === undefined || !Number.isFinite(value)) return;
    let family = families.get(name);
    if (!family) {
      family = { name, help, type: 'gauge', samples: [] };
      families.set(name, family);
    }
    const rendered = Object.entries(labels)
      .map(([key, label]) => `${key}="${escapeLabel(label)}"`)
      .join(',');
    family.samples.push(`${name}{${rendered}} ${value}`);
  };
  for (const report of reports) {
    const integration = { integration: report.integration };
    const { stats } = report;
    for (const state of STATES) {
      add(
        'brace_integration_health',
        'Health state of the integration (1 for the current state).',
        { ...integration, state },
        report.status === state ? 1 : 0,
      );
    }
    add(
      'brace_integration_window_seconds',
      'Length of the rolling window the figures cover.',
      integration,
      stats.windowMs / 1000,
    );
    add('brace_integration_calls', 'Calls that ended in the window.', integration, stats.calls);
    add(
      'brace_integration_errors',
      'Calls that ended in error in the window.',
      integration,
      stats.errors,
    );
    add(
      'brace_integration_error_ratio',
      'Errors / calls in the window.',
      integration,
      stats.errorRate,
    );
    add('brace_integration_attempts', 'Attempts sent in the window.', integration, stats.attempts);
    add('brace_integration_retries', 'Retries sent in the window.', integration, stats.retries);
    add(
      'brace_integration_rate_limited',
      'Responses with status 429 in the window.',
      integration,
      stats.rateLimited,
    );
    for (const [quantile, value] of [
      ['0.5', stats.latencyMs.p50],
      ['0.95', stats.latencyMs.p95],
      ['0.99', stats.latencyMs.p99],
    ] as const) {
      add(
        'brace_integration_latency_seconds',
        'Call latency quantiles in the window (DDSketch, 1% relative accuracy).',
        { ...integration, quantile },
        value === undefined ? undefined : value / 1000,
      );
    }
    const rate = stats.rateLimit;
    add(
      'brace_integration_rate_limit_remaining',
      'Rate-limit units left.',
      integration,
      rate?.remaining,
    );
    add('brace_integration_rate_limit_limit', 'Rate-limit quota.', integration, rate?.limit);
    add(
      'brace_integration_rate_limit_headroom_ratio',
      'Rate-limit units left / quota.',
      integration,
      rate?.headroom,
    );
    add(
      'brace_integration_queue_depth',
      'Requests waiting in the queue.',
      integration,
      stats.queueDepth,
    );
    if (stats.breaker) {
      for (const state of BREAKER_STATES) {
        add(
          'brace_integration_breaker_state',
          'Circuit-breaker state (1 for the current state).',
          { ...integration, state },
          stats.breaker === state ? 1 : 0,
        );
      }
    }
    if (stats.credentials) {
      add(
        'brace_integration_credentials_ok',
        'Whether the credentials work (1) or fail (0).',
        integration,
        stats.credentials === 'ok' ? 1 : 0,
      );
    }
  }
  let text = '';
  for (const family of families.values()) {
    text += `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n${family.samples.join('\n')}\n`;
  }
  return text;
}
