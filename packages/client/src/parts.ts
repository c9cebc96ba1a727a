import {
  type Authenticator,
  apiKey,
  createTokenManager,
  type TokenManagerOptions,
} from '@brace/auth';
import {
  type CircuitBreaker,
  createCircuitBreaker,
  createRetryBudget,
  type RetryBudget,
} from '@brace/backoff';
import { type Cache, type CacheOptions, createCache, type MissEvent } from '@brace/cache';
import { type Clock, type FetchLike, hostOfUrl, systemClock } from '@brace/core';
import type { RateLimiter } from '@brace/rate-limit';
import { createTelemetry, type Telemetry } from '@brace/telemetry';
import {
  createWarnedSet,
  type DeprecationNotice,
  deprecationMessage,
  readDeprecation,
} from './deprecation.js';
import { ClientOptionError } from './errors.js';
import { createEmitter, type Emitter } from './events.js';
import { buildLimiter } from './limiter.js';
import {
  DEFAULT_CLIENT_ATTEMPTS,
  DEFAULT_RETRY_RATIO,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_VERSION_HEADER,
  type IntegrationOptions,
  type TokenAuth,
} from './options.js';
import type { ProviderPreset } from './preset-types.js';
import { sharedStores } from './shared.js';

/** @internal Everything both the ky and the fetch form are built from. */
export interface Parts {
  name: string;
  baseUrl: string;
  preset: ProviderPreset | undefined;
  version: string | undefined;
  headers: Record<string, string>;
  emitter: Emitter;
  clock: Clock;
  random: (() => number) | undefined;
  limiter: RateLimiter | undefined;
  budget: RetryBudget | undefined;
  breaker: CircuitBreaker | undefined;
  attempts: number;
  retryOnTimeout: boolean;
  maxRetryAfterMs: number | undefined;
  idempotency:
    | { header: string; format: 'structured' | 'token'; methods: readonly string[] }
    | undefined;
  auth: Authenticator | undefined;
  cache: Cache | undefined;
  telemetry: Telemetry | undefined;
  timeoutMs: number | false;
  validatePath: string | undefined;
  fetch: FetchLike | undefined;
  /** Records a response's deprecation headers for `endpoint` (event, counter, first warning); the caller checks that it has `Deprecation` or `Sunset`. */
  observeDeprecation(headers: Headers, endpoint: () => string): void;
  /** Deprecated endpoints seen, for `stats()`. */
  deprecated: Map<string, DeprecationNotice>;
  /** Creates the shared tables (PostgreSQL), when any. */
  setup(): Promise<void>;
}

const MAX_DEPRECATED_KEPT = 100;

/** Node's warning channel (`process.on('warning')`, `--no-warnings`), else the console. */
function defaultWarn(message: string): void {
  const proc = (globalThis as { process?: { emitWarning?: (m: string, o: object) => void } })
    .process;
  if (typeof proc?.emitWarning === 'function') {
    proc.emitWarning(message, { type: 'DeprecationWarning', code: 'BRACE_API_DEPRECATED' });
    return;
  }
  // biome-ignore lint/suspicious/noConsole: the documented fallback sink outside Node
  globalThis.console?.warn(message);
}

function isAuthenticator(value: unknown): value is Authenticator {
  return typeof (value as Authenticator).authorize === 'function';
}

function isOwn<T>(value: unknown, method: string): value is T {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)[method] === 'function'
  );
}

function tokenAuth(auth: TokenAuth, preset: ProviderPreset | undefined): Authenticator {
  const keys = typeof auth.token === 'string' ? ([auth.token] as const) : auth.token;
  if (keys.some((key) => typeof key !== 'string' || key.length === 0)) {
    throw new ClientOptionError('auth.token', 'a non-empty string or [current, previous]');
  }
  return apiKey({
    header: auth.header ?? preset?.auth.header ?? 'authorization',
    prefix: auth.prefix ?? preset?.auth.prefix ?? 'Bearer ',
    keys,
  });
}

function tokenManager(
  options: TokenManagerOptions,
  store: TokenManagerOptions['store'],
  integration: string,
  emitter: Emitter,
): Authenticator {
  return createTokenManager({
    ...(store ? { store, key: `${integration}:token` } : {}),
    ...options,
    onRefresh: (detail) => {
      options.onRefresh?.(detail);
      emitter.emit({ type: 'auth', integration, kind: 'refresh', detail });
    },
    onRefreshError: (detail) => {
      options.onRefreshError?.(detail);
      emitter.emit({ type: 'auth', integration, kind: 'refresh-error', detail });
    },
  });
}

function resolveBase(options: IntegrationOptions<unknown>, version: string | undefined): string {
  const base = options.baseUrl ?? options.preset?.baseUrl;
  if (typeof base === 'string' && base.replace('{version}', '').includes('{')) {
    throw new ClientOptionError('baseUrl', "your own URL in place of the preset's {placeholder}");
  }
  if (typeof base !== 'string' || !URL.canParse(base.replace('{version}', 'v'))) {
    throw new ClientOptionError('baseUrl', 'an absolute URL (or a preset that has one)');
  }
  if (base.includes('{version}')) {
    if (version === undefined) {
      throw new ClientOptionError('version', 'a version: the baseUrl has a {version} segment');
    }
    return base.replace('{version}', encodeURIComponent(version));
  }
  return base;
}

function attemptsOf(value: number | undefined): number {
  const attempts = value ?? DEFAULT_CLIENT_ATTEMPTS;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100) {
    throw new ClientOptionError('retry.attempts', 'an integer from 1 to 100');
  }
  return attempts;
}

/** @internal Validates the options and builds every part, wiring each one's events into one stream. */
export function buildParts(options: IntegrationOptions<unknown>): Parts {
  const preset = options.preset;
  const name = options.name ?? preset?.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > 128) {
    throw new ClientOptionError('name', 'a non-empty string of at most 128 characters');
  }
  const version =
    options.version === false ? undefined : (options.version ?? preset?.version?.default);
  const baseUrl = resolveBase(options, version);
  const headers: Record<string, string> = { ...options.headers };
  const versionHeader =
    options.versionHeader ?? (preset?.version ? preset.version.header : DEFAULT_VERSION_HEADER);
  if (version !== undefined && versionHeader !== undefined) headers[versionHeader] = version;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (timeoutMs !== false && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    throw new ClientOptionError('timeoutMs', 'a positive integer (ms) or false');
  }
  const clock = options.clock ?? systemClock;
  const emitter = createEmitter();
  const emit = emitter.emit;
  const integration = name;
  const shared = sharedStores(name, options.shared);

  // Rate limit: the preset's documented policies, following the provider's headers.
  const limiter = buildLimiter(
    options.rateLimit,
    preset,
    shared.limiterStore,
    clock,
    integration,
    emit,
  );

  const retry = options.retry === false ? undefined : (options.retry ?? {});
  const budget =
    retry === undefined
      ? undefined
      : (retry.budget ?? createRetryBudget({ ratio: DEFAULT_RETRY_RATIO, clock }));

  let breaker: CircuitBreaker | undefined;
  if (options.breaker !== false) {
    const own = options.breaker;
    breaker = isOwn<CircuitBreaker>(own, 'acquire')
      ? own
      : createCircuitBreaker({
          clock,
          ...(typeof own === 'object' ? own : {}),
          onStateChange: (e) => {
            if (typeof own === 'object') own.onStateChange?.(e);
            emit({ type: 'breaker', integration, key: e.key, from: e.from, to: e.to });
          },
        });
  }

  const idem = options.idempotency ?? true;
  const fromPreset = preset
    ? preset.idempotency
    : { header: 'idempotency-key', format: 'structured' as const };
  let idempotency: Parts['idempotency'];
  if (idem !== false && (fromPreset !== false || typeof idem === 'object')) {
    const o = typeof idem === 'object' ? idem : {};
    idempotency = {
      header: o.header ?? (fromPreset ? fromPreset.header : 'idempotency-key'),
      format: o.format ?? (fromPreset ? fromPreset.format : 'structured'),
      methods: o.methods ?? ['POST', 'PATCH'],
    };
  }

  let auth: Authenticator | undefined;
  const authOption = options.auth;
  if (authOption !== undefined) {
    if (isAuthenticator(authOption)) auth = authOption;
    else if ('grant' in authOption)
      auth = tokenManager(authOption, shared.tokenStore, name, emitter);
    else auth = tokenAuth(authOption, preset);
  }

  let cache: Cache | undefined;
  if (options.cache !== undefined && options.cache !== false) {
    const own = options.cache;
    const onMiss = (detail: MissEvent) => {
      (own as CacheOptions).onMiss?.(detail);
      emit({ type: 'cache', integration, kind: 'miss', detail });
    };
    cache = isOwn<Cache>(own, 'handle')
      ? own
      : createCache({
          clock,
          ...(shared.cacheStore ? { store: shared.cacheStore } : {}),
          ...own,
          onServe: (detail) => {
            own.onServe?.(detail);
            emit({ type: 'cache', integration, kind: 'serve', detail });
          },
          // Read by the cache on each miss: nothing to build an event for while no one listens
          // (neither the caller's own `onMiss` nor a listener of 'cache' or '*').
          get onMiss() {
            return own.onMiss !== undefined || emitter.listens('cache') ? onMiss : undefined;
          },
          onStoreError: (detail) => {
            own.onStoreError?.(detail);
            emit({ type: 'cache', integration, kind: 'store-error', detail });
          },
        });
  }

  let telemetry: Telemetry | undefined;
  let meter: { add(value: number, attributes?: Record<string, string>): void } | undefined;
  if (options.telemetry !== false) {
    const own = options.telemetry;
    if (isOwn<Telemetry>(own, 'start')) telemetry = own;
    else {
      const settings = typeof own === 'object' ? own : {};
      telemetry = createTelemetry({ clock, ...settings, integration: name });
      meter = settings.meter?.createCounter('brace.client.deprecated_calls', {
        description: 'Calls answered with a Deprecation or Sunset header',
        unit: '{call}',
      });
    }
    if (limiter) telemetry.watch(limiter);
    if (breaker) {
      const host = hostOfUrl(baseUrl);
      const watched = breaker;
      telemetry.watch({ stats: () => ({ state: watched.state(host) }) });
    }
  }

  // Deprecation: an event per response, a counter, one warning per endpoint.
  const warn = options.warn === false ? undefined : (options.warn ?? defaultWarn);
  const firstFor = createWarnedSet();
  const deprecated = new Map<string, DeprecationNotice>();
  const observeDeprecation = (responseHeaders: Headers, endpointOf: () => string) => {
    const notice = readDeprecation(responseHeaders, clock.now());
    if (notice === undefined) return;
    const endpoint = endpointOf();
    const first = firstFor(endpoint);
    if (first && deprecated.size < MAX_DEPRECATED_KEPT) deprecated.set(endpoint, notice);
    try {
      meter?.add(1, { 'brace.integration': name, 'brace.endpoint': endpoint });
    } catch {
      // A failing meter never breaks a request.
    }
    emit({ type: 'deprecation', integration, endpoint, ...notice, first });
    if (first && warn) {
      try {
        warn(deprecationMessage(name, endpoint, notice));
      } catch {
        // Nor does a failing warning sink.
      }
    }
  };

  const validatePath = options.validatePath ?? preset?.validatePath;

  return {
    name,
    baseUrl,
    preset,
    version,
    headers,
    emitter,
    clock,
    random: options.random,
    limiter,
    budget,
    breaker,
    attempts: retry === undefined ? 1 : attemptsOf(retry.attempts),
    retryOnTimeout: retry?.retryOnTimeout === true,
    maxRetryAfterMs: retry?.maxRetryAfterMs,
    idempotency,
    auth,
    cache,
    telemetry,
    timeoutMs,
    validatePath,
    fetch: options.fetch,
    observeDeprecation,
    deprecated,
    setup: shared.setup,
  };
}
