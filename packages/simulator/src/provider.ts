import { createServer } from 'node:http';
import { systemClock } from '@brace/core';
import { createAssertions } from './assert.js';
import { CONTROL_PREFIX, handleControl } from './control.js';
import { checkDrift } from './drift.js';
import { SimulatorOptionsError } from './errors.js';
import { FaultPlan } from './faults.js';
import { IdempotencyKeys } from './idempotency.js';
import { ProviderLedger } from './ledger.js';
import { writeAnswer } from './node-io.js';
import { createOAuthServer } from './oauth-server.js';
import { compileRoutes, handleRequest, type PipelineState } from './pipeline.js';
import { resolvePreset } from './presets/index.js';
import type { Provider, ProviderOptions } from './provider-types.js';
import { seededRandom } from './random.js';
import { RateLimiters } from './rate-window.js';
import { ResourceStore } from './resources.js';
import { closeServer, listen } from './serve.js';
import { WebhookSender } from './webhooks.js';

function checkRate(rate: { limit: number; windowMs: number; by?: unknown }): void {
  const by = rate?.by;
  if (by !== undefined && by !== 'global' && by !== 'authorization' && typeof by !== 'function') {
    throw new SimulatorOptionsError(
      "rateLimit.by must be 'global', 'authorization' or a function of the headers.",
    );
  }
  if (
    !Number.isInteger(rate?.limit) ||
    rate.limit < 1 ||
    !Number.isFinite(rate.windowMs) ||
    rate.windowMs <= 0
  ) {
    throw new SimulatorOptionsError(
      'rateLimit must be { limit: integer >= 1, windowMs: number > 0 } or false.',
    );
  }
}

/**
 * Starts a simulated provider on a real loopback HTTP server: the preset's rate limit (rolling
 * window by arrival time) and headers, injected faults (probabilities or per-route scripts),
 * idempotency keys as the provider treats them, schema drift, an OAuth server, signed webhooks,
 * and a ledger of everything it saw. The same seed and the same client behaviour give the same
 * transcript, byte for byte (with an injected clock).
 *
 * @param options - seed, preset, routes, rateLimit, faults, drift, webhooks, oauth, clock, port
 * @returns the running provider: `url`, `ledger`, `script()`, `assert`, `close()`
 *
 * @example
 * ```ts
 * import { createProvider } from '@brace/simulator';
 *
 * const provider = await createProvider({
 *   seed: 42,
 *   preset: 'stripe',
 *   rateLimit: { limit: 5, windowMs: 1000 },
 *   faults: { script: { 'POST /v1/charges': [503, 503, 200] } },
 * });
 * const response = await fetch(`${provider.url}/v1/charges`, { method: 'POST', body: 'amount=100' });
 * response.status; // 503 (then 503, then 201)
 * await provider.close();
 * ```
 */
export async function createProvider(options: ProviderOptions = {}): Promise<Provider> {
  const preset = resolvePreset(options.preset ?? 'ietf');
  if (preset === undefined) {
    throw new SimulatorOptionsError(
      'preset must be github, stripe, shopify, slack, ietf or a Preset object.',
    );
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new SimulatorOptionsError('seed must be an integer.');
  const clock = options.clock ?? systemClock;
  const rate: (ProviderOptions['rateLimit'] & object) | false =
    options.rateLimit === undefined ? preset.rateLimit : options.rateLimit;
  if (rate !== false) checkRate(rate);
  const transcriptLimit = options.transcriptLimit ?? 10_000;
  if (!Number.isInteger(transcriptLimit) || transcriptLimit < 0) {
    throw new SimulatorOptionsError('transcriptLimit must be an integer >= 0.');
  }
  const controller = new AbortController();
  const ledger = new ProviderLedger(clock.now(), transcriptLimit);
  const plan = new FaultPlan(options.faults ?? {}, seed);
  const drift = checkDrift(options.drift);
  const oauth =
    options.oauth === undefined || options.oauth === false
      ? undefined
      : createOAuthServer({ clock, seed, ...(options.oauth === true ? {} : options.oauth) });
  ledger.oauth = oauth?.ledger;
  const webhooks =
    options.webhooks === undefined
      ? undefined
      : new WebhookSender(options.webhooks, {
          ledger,
          clock,
          seed,
          signal: controller.signal,
          defaultScheme: preset.webhookScheme,
          defaultRetryDelaysMs: preset.webhookRetryDelaysMs,
          extraHeaders: (event) => preset.webhookHeaders(event),
        });
  const identity = options.identity;
  const store = new ResourceStore(
    () => clock.now(),
    (collection, resource, id) => {
      ledger.createdResource(collection, resource.id, id);
      const name = collection.split('/').filter(Boolean).at(-1) ?? 'resource';
      webhooks?.emit(`${name}.created`, resource);
    },
    seededRandom(seed, 'resources'),
  );
  const routes = compileRoutes(options.routes);
  if (webhooks !== undefined) {
    routes.push(
      ...compileRoutes({
        [`GET ${webhooks.listPath}`]: (request) => {
          const query = new URL(request.url).searchParams;
          const limit = Math.min(
            100,
            Math.max(1, Number.parseInt(query.get('limit') ?? '100', 10) || 100),
          );
          return {
            body: webhooks.list(
              query.get('after') ?? query.get('starting_after') ?? undefined,
              limit,
            ),
          };
        },
      }),
    );
  }
  let origin = '';
  const state: PipelineState = {
    preset,
    ledger,
    clock,
    signal: controller.signal,
    limiters: rate === false ? undefined : new RateLimiters(rate.limit, rate.windowMs, rate.by),
    plan,
    keys: new IdempotencyKeys(),
    oauth,
    webhooks,
    routes,
    resources: options.resources === false ? undefined : store,
    store,
    drift,
    routeContext: {
      get origin() {
        return origin;
      },
      resources: store,
      emit: (type, data) => webhooks?.emit(type, data),
      now: () => clock.now(),
      random: seededRandom(seed, 'routes'),
    },
    origin: () => origin,
  };
  if (identity !== undefined) {
    const create = store.create.bind(store);
    store.create = (collection, fields, id = identity(collection, fields)) =>
      create(collection, fields, id);
  }
  const control = options.control === true;
  const server = createServer((req, res) => {
    res.sendDate = false;
    const task =
      control && req.url?.startsWith(CONTROL_PREFIX)
        ? handleControl(req, res, new URL(req.url, 'http://sim'), ledger, plan)
        : handleRequest(state, req, res);
    task.catch(() => {
      if (!res.headersSent)
        writeAnswer(res, 500, { 'content-type': 'text/plain' }, Buffer.from('simulator failure'));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  origin = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  let closing: Promise<void> | undefined;
  return {
    url: origin,
    ledger,
    preset,
    script: (route, steps) => plan.setScript(route, steps),
    assert: createAssertions(ledger),
    resources: store,
    oauth,
    webhooks,
    close() {
      closing ??= (async () => {
        webhooks?.stopRetries();
        await webhooks?.drain();
        controller.abort(new Error('The simulated provider closed.'));
        await closeServer(server);
      })();
      return closing;
    },
  };
}
