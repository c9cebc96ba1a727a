import { type ProviderName, signWebhook } from '@brace/webhook-verify';
import { SimulatorOptionsError } from './errors.js';
import { type Random, seededRandom } from './random.js';
import type {
  DeliveryPlan,
  DeliveryRecord,
  SenderContext,
  WebhookEvent,
  WebhookEventPage,
  WebhookOptions,
} from './webhook-types.js';

/** Events and deliveries kept at most. */
export const MAX_WEBHOOK_RECORDS = 10_000;

/** Schemes whose signature covers a timestamp header (stale and future deliveries make sense). */
const TIMESTAMPED = new Set<string>([
  'standard-webhooks',
  'svix',
  'stripe',
  'slack',
  'paddle',
  'zoom',
  'discord',
]);

/** A different secret of the same format, for forged deliveries. */
function forgerSecret(secret: string): string {
  const prefix = /^(whsec_|whsk_)/.exec(secret)?.[0];
  if (prefix !== undefined) return `${prefix}${btoa('brace-simulator-forged-secret!!!')}`;
  return `${secret}-forged`;
}

function share(options: WebhookOptions, name: keyof WebhookOptions): number {
  const value = options[name] ?? 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new SimulatorOptionsError(`webhooks.${name} must be a probability between 0 and 1.`);
  }
  return value;
}

/**
 * Sends signed webhooks with duplicates, reordering, forgeries, stale and future timestamps,
 * retries on non-2xx, and a `missed` share never delivered.
 *
 * @example
 * ```ts
 * import { createProvider } from '@brace/simulator';
 *
 * const provider = await createProvider({ seed: 1, webhooks: { url: 'http://127.0.0.1:9/hooks', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } });
 * provider.webhooks?.emit('invoice.paid', { id: 'in_1' });
 * await provider.close();
 * ```
 */
export class WebhookSender {
  /** Every event emitted, oldest first (at most {@link MAX_WEBHOOK_RECORDS}). */
  readonly events: WebhookEvent[] = [];
  /** Every delivery attempt, in order (at most {@link MAX_WEBHOOK_RECORDS}). */
  readonly deliveries: DeliveryRecord[] = [];
  /** The path of the event list endpoint. */
  readonly listPath: string;
  readonly #random: Random;
  readonly #pending = new Set<Promise<void>>();
  readonly #scheme: ProviderName;
  readonly #delays: readonly number[];
  readonly #shares: Record<
    'duplicates' | 'reorder' | 'forged' | 'stale' | 'future' | 'missed',
    number
  >;
  #chain: Promise<void> = Promise.resolve();
  #held: WebhookEvent | undefined;
  #heldPlan: DeliveryPlan = { duplicate: false, forged: false, stale: false, future: false };
  #seq = 0;
  readonly #retries = new AbortController();

  /**
   * @param options - the webhook options
   * @param context - what the sender needs from its provider
   */
  constructor(
    /** The webhook options. */
    readonly options: WebhookOptions,
    /** What the sender needs from its provider. */
    readonly context: SenderContext,
  ) {
    if (typeof options.url !== 'string' || !URL.canParse(options.url)) {
      throw new SimulatorOptionsError('webhooks.url must be an absolute URL.');
    }
    if (typeof options.secret !== 'string' || options.secret === '') {
      throw new SimulatorOptionsError('webhooks.secret must be a non-empty string.');
    }
    this.#shares = {
      duplicates: share(options, 'duplicates'),
      reorder: share(options, 'reorder'),
      forged: share(options, 'forged'),
      stale: share(options, 'stale'),
      future: share(options, 'future'),
      missed: share(options, 'missed'),
    };
    for (const [name, value, min] of [
      ['staleSec', options.staleSec, 0],
      ['futureSec', options.futureSec, 0],
      ['timeoutMs', options.timeoutMs, 1],
    ] as const) {
      if (value !== undefined && !(Number.isFinite(value) && value >= min)) {
        throw new SimulatorOptionsError(`webhooks.${name} must be a finite number >= ${min}.`);
      }
    }
    const delays = options.retryDelaysMs;
    if (
      delays !== undefined &&
      !(Array.isArray(delays) && delays.every((d) => Number.isFinite(d) && d >= 0))
    ) {
      throw new SimulatorOptionsError('webhooks.retryDelaysMs must be an array of ms >= 0.');
    }
    if (options.listPath !== undefined && !String(options.listPath).startsWith('/')) {
      throw new SimulatorOptionsError('webhooks.listPath must start with /.');
    }
    this.#random = seededRandom(context.seed, 'webhooks');
    this.#scheme = options.scheme ?? context.defaultScheme;
    this.#delays = options.retryDelaysMs ?? context.defaultRetryDelaysMs;
    this.listPath = options.listPath ?? '/events';
  }

  /** Emits an event: listed at once, delivered (or not, in `missed` mode) in emission order. */
  emit(type: string, data: unknown): WebhookEvent {
    const event: WebhookEvent = {
      id: `evt_${(++this.#seq).toString(36).padStart(8, '0')}`,
      type,
      created: Math.floor(this.context.clock.now() / 1000),
      data,
    };
    this.events.push(event);
    if (this.events.length > MAX_WEBHOOK_RECORDS) this.events.shift();
    const stats = this.context.ledger.webhooks;
    stats.events++;
    // Every draw is taken for every event, so one share never shifts another's decisions.
    const draws = {
      missed: this.#random(),
      reorder: this.#random(),
      duplicates: this.#random(),
      forged: this.#random(),
      stale: this.#random(),
      future: this.#random(),
    };
    if (draws.missed < this.#shares.missed) {
      stats.missed++;
      return event;
    }
    const plan = {
      duplicate: draws.duplicates < this.#shares.duplicates,
      forged: draws.forged < this.#shares.forged,
      stale: draws.stale < this.#shares.stale && TIMESTAMPED.has(this.#scheme),
      future: draws.future < this.#shares.future && TIMESTAMPED.has(this.#scheme),
    };
    const held = this.#held;
    this.#held = undefined;
    if (held === undefined && draws.reorder < this.#shares.reorder) {
      stats.reordered++;
      this.#held = event;
      this.#heldPlan = plan;
      return event;
    }
    this.#enqueue(event, plan);
    if (held !== undefined) this.#enqueue(held, this.#heldPlan);
    return event;
  }

  /** Events after `after` (an event id), oldest first, at most `limit`. */
  list(after: string | undefined, limit: number): WebhookEventPage {
    const start = after === undefined ? 0 : this.events.findIndex((e) => e.id === after) + 1;
    const data = this.events.slice(start, start + limit);
    return { data, has_more: start + limit < this.events.length };
  }

  /** Cancels retries still waiting (each counts as failed); deliveries in flight go on. */
  stopRetries(): void {
    this.#retries.abort(new Error('The simulated provider closed.'));
  }

  /** Sends a held-back event, then waits for every delivery and retry in flight. */
  async drain(): Promise<void> {
    const held = this.#held;
    this.#held = undefined;
    if (held !== undefined) this.#enqueue(held, this.#heldPlan);
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #track(task: Promise<void>): void {
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task));
  }

  #enqueue(event: WebhookEvent, plan: DeliveryPlan): void {
    const task = this.#chain.then(() => this.#deliverAll(event, plan));
    this.#chain = task;
    this.#track(task);
  }

  async #deliverAll(event: WebhookEvent, plan: DeliveryPlan): Promise<void> {
    const stats = this.context.ledger.webhooks;
    const body = JSON.stringify(event);
    const now = Math.floor(this.context.clock.now() / 1000);
    const ok = await this.#post(event, 'genuine', 1, body, this.options.secret, now);
    if (ok) stats.acknowledged++;
    else this.#track(this.#retry(event, body));
    if (plan.duplicate) {
      stats.duplicates++;
      await this.#post(event, 'duplicate', 1, body, this.options.secret, now);
    }
    if (plan.forged) {
      stats.forged++;
      await this.#post(event, 'forged', 1, body, forgerSecret(this.options.secret), now);
    }
    if (plan.stale) {
      stats.stale++;
      await this.#post(
        event,
        'stale',
        1,
        body,
        this.options.secret,
        now - (this.options.staleSec ?? 600),
      );
    }
    if (plan.future) {
      stats.future++;
      await this.#post(
        event,
        'future',
        1,
        body,
        this.options.secret,
        now + (this.options.futureSec ?? 600),
      );
    }
  }

  async #retry(event: WebhookEvent, body: string): Promise<void> {
    const stats = this.context.ledger.webhooks;
    for (let i = 0; i < this.#delays.length; i++) {
      try {
        await this.context.clock.sleep(this.#delays[i] as number, this.#retries.signal);
      } catch {
        stats.failed++;
        return;
      }
      stats.retried++;
      const now = Math.floor(this.context.clock.now() / 1000);
      if (await this.#post(event, 'retry', i + 2, body, this.options.secret, now)) {
        stats.acknowledged++;
        return;
      }
    }
    stats.failed++;
  }

  async #post(
    event: WebhookEvent,
    kind: DeliveryRecord['kind'],
    attempt: number,
    body: string,
    secret: string,
    timestamp: number,
  ): Promise<boolean> {
    this.context.ledger.webhooks.attempts++;
    let status = 0;
    try {
      const signed = await signWebhook({
        provider: this.#scheme,
        secret,
        body,
        id: event.id,
        timestamp,
        url: this.options.url,
      });
      const response = await fetch(signed.url ?? this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...this.context.extraHeaders({ id: event.id, type: event.type, attempt }),
          ...signed.headers,
        },
        body,
        signal: AbortSignal.any([
          this.context.signal,
          AbortSignal.timeout(this.options.timeoutMs ?? 5000),
        ]),
      });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      status = 0;
    }
    this.deliveries.push({ eventId: event.id, kind, attempt, status });
    if (this.deliveries.length > MAX_WEBHOOK_RECORDS) this.deliveries.shift();
    return status >= 200 && status < 300;
  }
}
