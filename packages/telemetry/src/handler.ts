import { prometheusText } from './prometheus.js';
import type { HealthReport, HealthStatus } from './types.js';

/**
 * Anything that reports one integration's health: a `Telemetry`, or a fleet view
 * (`@brace/telemetry/redis`) whose `health()` is asynchronous.
 *
 * @example
 * ```ts
 * import type { HealthSource } from '@brace/telemetry';
 *
 * const fixed: HealthSource = {
 *   integration: 'static',
 *   health: () => ({ integration: 'static', status: 'ok', reasons: [], stats: someStats }),
 * };
 * ```
 */
export interface HealthSource {
  /** The integration's name. */
  readonly integration: string;
  /** Its current health. */
  health(): HealthReport | Promise<HealthReport>;
}

/**
 * Options of {@link healthHandler}.
 *
 * @example
 * ```ts
 * import type { HealthHandlerOptions } from '@brace/telemetry';
 *
 * const options: HealthHandlerOptions = { integrations: [stripe, github], downStatus: 503 };
 * ```
 */
export interface HealthHandlerOptions {
  /** The integrations to report. */
  integrations: readonly HealthSource[];
  /** HTTP status when any integration is `down`. Default 503 (200 otherwise). */
  downStatus?: number;
}

/**
 * The JSON document `healthHandler` serves.
 *
 * @example
 * ```ts
 * import type { HealthDocument } from '@brace/telemetry';
 *
 * const response = await fetch('http://localhost:3000/health');
 * const document = (await response.json()) as HealthDocument;
 * console.log(document.integrations.stripe?.status);
 * ```
 */
export interface HealthDocument {
  /** The worst status over all integrations (`ok` without integrations). */
  status: HealthStatus;
  /** When it was computed (ISO 8601). */
  checkedAt: string;
  /** One report per integration, by name. */
  integrations: Record<string, Omit<HealthReport, 'integration'>>;
}

const RANK: Record<HealthStatus, number> = { ok: 0, degraded: 1, down: 2 };

/** Whether the request asks for the Prometheus text format. */
function wantsPrometheus(request: Request): boolean {
  const url = new URL(request.url);
  if (url.searchParams.get('format') === 'prometheus') return true;
  const accept = request.headers.get('accept') ?? '';
  return accept.includes('text/plain') || accept.includes('application/openmetrics-text');
}

/**
 * Builds the health JSON document of several integrations.
 *
 * @example
 * ```ts
 * import { healthDocument } from '@brace/telemetry';
 *
 * const { document } = await healthDocument([stripe, github]);
 * if (document.status === 'down') page();
 * ```
 */
export async function healthDocument(
  integrations: readonly HealthSource[],
  now: () => number = Date.now,
): Promise<{
  /** The JSON document. */
  document: HealthDocument;
  /** The reports it was built from, in `integrations` order. */
  reports: HealthReport[];
}> {
  const reports = await Promise.all(integrations.map((source) => source.health()));
  let status: HealthStatus = 'ok';
  const byName: HealthDocument['integrations'] = Object.create(null);
  for (const { integration, ...report } of reports) {
    byName[integration] = report;
    if (RANK[report.status] > RANK[status]) status = report.status;
  }
  return {
    document: { status, checkedAt: new Date(now()).toISOString(), integrations: byName },
    reports,
  };
}

/**
 * A Web-standard handler, `(request) => Promise<Response>`, serving the integrations' health as
 * JSON ({@link HealthDocument}; 200, or `downStatus` when one is down), or as Prometheus text
 * when the request asks (`?format=prometheus`, or an `Accept` of `text/plain` /
 * `application/openmetrics-text`). Runs anywhere `Request`/`Response` exist; the Hono and
 * Express adapters mount it.
 *
 * @example
 * ```ts
 * import { createTelemetry, healthHandler } from '@brace/telemetry';
 *
 * const stripe = createTelemetry({ integration: 'stripe' });
 * const github = createTelemetry({ integration: 'github' });
 * const handle = healthHandler({ integrations: [stripe, github] });
 * const response = await handle(new Request('http://localhost/health'));
 * const metrics = await handle(new Request('http://localhost/health?format=prometheus'));
 * ```
 */
export function healthHandler(
  options: HealthHandlerOptions,
): (request: Request) => Promise<Response> {
  const downStatus = options.downStatus ?? 503;
  return async (request) => {
    const { document, reports } = await healthDocument(options.integrations);
    const headers = { 'cache-control': 'no-store' };
    if (wantsPrometheus(request)) {
      return new Response(prometheusText(reports), {
        status: 200,
        headers: { ...headers, 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
      });
    }
    return new Response(JSON.stringify(document), {
      status: document.status === 'down' ? downStatus : 200,
      headers: { ...headers, 'content-type': 'application/json' },
    });
  };
}
