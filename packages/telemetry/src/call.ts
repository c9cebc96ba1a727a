import { type HeadersInput, parseRateLimit } from '@brace/core';
import type { AttributeCache } from './attributes.js';
import { defaultIsCached, errorTypeOf, isReplayed, scanHeaders } from './classify.js';
import {
  type Instruments,
  SPAN_KIND_CLIENT,
  SPAN_KIND_INTERNAL,
  STATUS_ERROR,
  startSpan,
  withParent,
} from './otel.js';
import type { Attributes, ContextLike, SpanLike, TracerLike } from './otel-types.js';
import { pickHeaders, type Redactor, redactUrl } from './redact.js';
import type { RollingWindow } from './rolling.js';
import { OTHER_TEMPLATE } from './templates.js';
import type {
  Attempt,
  AttemptEvent,
  Call,
  CallEvent,
  Outcome,
  TelemetryEvent,
  TelemetrySample,
} from './types.js';

/** What every call of one telemetry shares. */
export interface Shared {
  integration: string;
  now(): number;
  window: RollingWindow;
  /** Whether a logger is set (events are only built then). */
  logging: boolean;
  emit(event: TelemetryEvent): void;
  /** Whether anyone subscribed (samples are only built then). */
  sampling(): boolean;
  sample(sample: TelemetrySample): void;
  tracer: TracerLike | undefined;
  context: (() => ContextLike) | undefined;
  instruments: Instruments | undefined;
  /** Shared, bounded metric attributes (set when a meter or a tracer is). */
  attributes: AttributeCache | undefined;
  /** Makes a request id (only when one is read). */
  generateId(): string;
  redactor: Redactor;
  captureHeaders: ReadonlySet<string>;
  /** What `url.full` carries on attempt spans. */
  spanUrl: 'path' | 'template';
  isError(outcome: Outcome): boolean;
  isCached(headers: HeadersInput): boolean;
  /** Records rate-limit figures read from a response. */
  rateLimitSeen(remaining: number | undefined, limit: number | undefined, at: number): void;
}

/** What the call needs to know about its request. */
export interface CallInit {
  method: string;
  url: URL;
  /** `url.hostname`. */
  hostname: string;
  /** The port, the scheme's default when the URL has none. */
  port: number;
  template: string;
  /** The caller's request id; one is generated the first time it is read when absent. */
  requestId: string | undefined;
}

/** What an ended attempt found in its response. */
interface Findings {
  status: number | undefined;
  errorType: string | undefined;
  rateLimitRemaining: number | undefined;
  rateLimitLimit: number | undefined;
  replayed: boolean;
  cached: boolean;
}

const NOTHING: Findings = {
  status: undefined,
  errorType: undefined,
  rateLimitRemaining: undefined,
  rateLimitLimit: undefined,
  replayed: false,
  cached: false,
};
const NO_ATTRIBUTES: Attributes = Object.freeze({});

/** The status and error type of an outcome, for a span. */
function outcomeOnly(findings: Findings): Attributes {
  const attributes: Attributes = {};
  if (findings.status !== undefined) attributes['http.response.status_code'] = findings.status;
  if (findings.errorType !== undefined) attributes['error.type'] = findings.errorType;
  return attributes;
}

function spanName(method: string, template: string): string {
  return `${method === '_OTHER' ? 'HTTP' : method} ${template}`;
}

class AttemptImpl implements Attempt {
  readonly number: number;
  readonly #call: CallImpl;
  readonly #start: number;
  readonly #span: SpanLike | undefined;
  #ended = false;

  constructor(call: CallImpl, number: number, start: number, span: SpanLike | undefined) {
    this.#call = call;
    this.number = number;
    this.#start = start;
    this.#span = span;
  }

  end(outcome: Outcome): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#call.attemptEnded(this.number, this.#start, this.#span, outcome);
  }
}

/**
 * Starts `call`'s first attempt at the instant the call started, without reading the clock
 * again: for adapters that call it right after `telemetry.start`, with nothing in between.
 */
export function firstAttempt(call: Call): Attempt {
  return call instanceof CallImpl ? call.attemptAtStart() : call.attempt();
}

/** One call in flight. */
export class CallImpl implements Call {
  readonly template: string;
  readonly #shared: Shared;
  readonly #init: CallInit;
  readonly #start: number;
  readonly #attributes: Attributes;
  readonly #span: SpanLike | undefined;
  readonly #parent: ContextLike | undefined;
  #requestId: string | undefined;
  #attempts = 0;
  #open: AttemptImpl | undefined;
  #last: Outcome | undefined;
  /** When the last attempt ended. */
  #lastAt = 0;
  #findings: Findings = NOTHING;
  #ended = false;

  constructor(shared: Shared, init: CallInit) {
    this.#shared = shared;
    this.#init = init;
    this.#requestId = init.requestId;
    this.template = init.template;
    this.#start = shared.now();
    // Metric attributes: one shared, frozen object per method, host and template (the host
    // bounded); only built for OpenTelemetry.
    this.#attributes = shared.attributes
      ? shared.attributes.base({
          method: init.method,
          hostname: init.hostname,
          port: init.port,
          template: init.template,
        })
      : NO_ATTRIBUTES;
    if (shared.tracer) {
      const base = shared.context?.();
      this.#span = startSpan(
        shared.tracer,
        spanName(init.method, init.template),
        SPAN_KIND_INTERNAL,
        this.#start,
        { ...this.#spanAttributes(), 'brace.request_id': this.requestId },
        base,
      );
      this.#parent = withParent(base, this.#span);
    }
  }

  get requestId(): string {
    this.#requestId ??= this.#shared.generateId();
    return this.#requestId;
  }

  get attempts(): number {
    return this.#attempts;
  }

  /** Span attributes: the metric ones with the real host (spans are not aggregated into series). */
  #spanAttributes(): Attributes {
    return {
      ...this.#attributes,
      'server.address': this.#init.hostname,
      'server.port': this.#init.port,
    };
  }

  get ended(): boolean {
    return this.#ended;
  }

  attempt(): Attempt {
    return this.#attempt(undefined);
  }

  /**
   * The first attempt, started when the call did (one clock read saved): for adapters that
   * start it right after the call, nothing in between. A later attempt reads the clock.
   */
  attemptAtStart(): Attempt {
    return this.#attempt(this.#attempts === 0 ? this.#start : undefined);
  }

  #attempt(at: number | undefined): Attempt {
    this.#open?.end({ error: new Error('superseded') });
    const number = ++this.#attempts;
    const shared = this.#shared;
    const start = at ?? shared.now();
    let span: SpanLike | undefined;
    if (shared.tracer) {
      const attributes: Attributes = {
        ...this.#spanAttributes(),
        'url.full':
          shared.spanUrl === 'template'
            ? `${this.#init.url.protocol}//${this.#init.url.host}${this.#init.template === OTHER_TEMPLATE ? '/' : this.#init.template}`
            : redactUrl(this.#init.url, shared.redactor),
      };
      if (number > 1) attributes['http.request.resend_count'] = number - 1;
      span = startSpan(
        shared.tracer,
        spanName(this.#init.method, this.#init.template),
        SPAN_KIND_CLIENT,
        start,
        attributes,
        this.#parent,
      );
    }
    if (number > 1) shared.instruments?.retries.add(1, this.#attributes);
    const attempt = new AttemptImpl(this, number, start, span);
    this.#open = attempt;
    return attempt;
  }

  /** Called by an attempt when it ends. */
  attemptEnded(number: number, start: number, span: SpanLike | undefined, outcome: Outcome): void {
    const shared = this.#shared;
    const now = shared.now();
    if (this.#open?.number === number) this.#open = undefined;
    this.#last = outcome;
    this.#lastAt = now;
    const findings = this.#find(outcome, now);
    this.#findings = findings;
    const failed = findings.errorType !== undefined;
    const durationMs = now - start;
    const instruments = shared.instruments;
    if (instruments) {
      instruments.requestDuration.record(durationMs / 1000, this.#outcomeAttributes(findings));
      if (findings.status === 429) instruments.rateLimited.add(1, this.#attributes);
      if (findings.replayed) instruments.idempotentReplays.add(1, this.#attributes);
    }
    if (span) {
      span.setAttributes(outcomeOnly(findings));
      if (failed) span.setStatus({ code: STATUS_ERROR });
      span.end(now);
    }
    const retry = number > 1;
    const rateLimited = findings.status === 429;
    shared.window.recordAttempt(retry, rateLimited, now);
    if (shared.sampling()) shared.sample({ kind: 'attempt', at: now, retry, rateLimited });
    if (!shared.logging) return;
    const event = this.#event('attempt', findings, durationMs, now) as AttemptEvent;
    event.msg = `${this.#init.method} ${this.#init.template} attempt ${number}: ${findings.status ?? findings.errorType ?? 'no response'}`;
    event.level = failed ? 'warn' : 'debug';
    event.attempt = number;
    const headers = outcome.headers
      ? pickHeaders(outcome.headers, shared.captureHeaders, shared.redactor)
      : undefined;
    if (headers) event.headers = headers;
    shared.emit(event);
  }

  end(outcome?: Outcome): void {
    if (this.#ended) return;
    this.#open?.end(outcome ?? { error: new Error('ended') });
    this.#ended = true;
    const shared = this.#shared;
    // Ended with the outcome of the attempt that just ended (the adapters do): the call ended
    // when that attempt did, one clock read saved.
    const now = outcome !== undefined && outcome === this.#last ? this.#lastAt : shared.now();
    const final = outcome ?? this.#last ?? {};
    const findings = outcome && outcome !== this.#last ? this.#find(outcome, now) : this.#findings;
    const error = shared.isError(final);
    const durationMs = now - this.#start;
    const instruments = shared.instruments;
    const span = this.#span;
    instruments?.operationDuration.record(durationMs / 1000, this.#outcomeAttributes(findings));
    if (span) {
      const attributes = outcomeOnly(findings);
      attributes['brace.attempts'] = this.#attempts;
      span.setAttributes(attributes);
      if (error) span.setStatus({ code: STATUS_ERROR });
      span.end(now);
    }
    shared.window.recordCall(durationMs, error, now);
    if (shared.sampling()) shared.sample({ kind: 'call', at: now, durationMs, error });
    if (!shared.logging) return;
    const event = this.#event('call', findings, durationMs, now) as CallEvent;
    event.msg = `${this.#init.method} ${this.#init.template}: ${findings.status ?? findings.errorType ?? 'done'} after ${this.#attempts} attempt(s)`;
    event.level = error ? 'error' : 'info';
    event.attempts = this.#attempts;
    event.ok = !error;
    shared.emit(event);
  }

  #find(outcome: Outcome, now: number): Findings {
    const shared = this.#shared;
    // Every field set at once: one object shape for all findings.
    const findings: Findings = {
      status: outcome.status,
      errorType: errorTypeOf(outcome),
      rateLimitRemaining: undefined,
      rateLimitLimit: undefined,
      replayed: false,
      cached: false,
    };
    const headers = outcome.headers;
    if (headers) {
      let rateLimit = true;
      if (
        shared.isCached === defaultIsCached &&
        typeof Headers !== 'undefined' &&
        headers instanceof Headers
      ) {
        // One pass over the headers instead of a validated lookup per header.
        rateLimit = scanHeaders(headers, findings);
      } else {
        findings.replayed = isReplayed(headers);
        findings.cached = shared.isCached(headers);
      }
      const info = rateLimit ? parseRateLimit(headers, now) : undefined;
      if (info && (info.remaining !== undefined || info.limit !== undefined)) {
        if (info.remaining !== undefined) findings.rateLimitRemaining = info.remaining;
        if (info.limit !== undefined) findings.rateLimitLimit = info.limit;
        shared.rateLimitSeen(info.remaining, info.limit, now);
      }
    }
    return findings;
  }

  /** The metric attributes of an outcome: shared and frozen, never to be modified. */
  #outcomeAttributes(findings: Findings): Attributes {
    return (this.#shared.attributes as AttributeCache).outcome(
      this.#attributes,
      findings.status,
      findings.errorType,
    );
  }

  /** The fields every request event has, in a stable order; the caller adds the rest. */
  #event(kind: 'attempt' | 'call', findings: Findings, durationMs: number, at: number) {
    const init = this.#init;
    const event: Record<string, unknown> = {
      kind,
      msg: '',
      level: 'info',
      at,
      integration: this.#shared.integration,
      method: init.method,
      urlTemplate: init.template,
      serverAddress: init.hostname,
      requestId: this.requestId,
      durationMs,
    };
    if (findings.status !== undefined) event.status = findings.status;
    if (findings.errorType !== undefined) event.errorType = findings.errorType;
    if (findings.rateLimitRemaining !== undefined)
      event.rateLimitRemaining = findings.rateLimitRemaining;
    if (findings.rateLimitLimit !== undefined) event.rateLimitLimit = findings.rateLimitLimit;
    event.replayed = findings.replayed;
    event.cached = findings.cached;
    return event as unknown;
  }
}
