// Builds the VerifiedWebhook once a signature matched. The body is parsed at most once, and
// only when something needs it: `parse: true`, or the first read of a body-derived event
// field (`type`, `action`, or an `id` the provider sends only in the body).
import type { RequestView } from './body.js';
import { WebhookPayloadError } from './errors.js';
import { isHeaderFirst, type WebhookEventInfo } from './events.js';
import type { PreparedVerify } from './prepare.js';
import type { ExtractedSignature } from './scheme.js';
import type { VerifiedWebhook } from './verify.js';

type EventKey = 'id' | 'type' | 'action';
const EVENT_KEYS: readonly EventKey[] = ['id', 'type', 'action'];

/** Sets `out[key]` as a plain data property, or leaves it out when `value` is undefined. */
function settle(out: VerifiedWebhook, key: EventKey, value: string | undefined): void {
  delete out[key];
  if (value !== undefined) out[key] = value;
}

export function result(
  prepared: PreparedVerify,
  view: RequestView,
  extracted: ExtractedSignature,
): VerifiedWebhook {
  const { scheme } = prepared;
  const out: VerifiedWebhook = { provider: scheme.name, body: view.text() };
  if (extracted.id !== undefined) out.id = extracted.id;
  if (extracted.timestamp !== undefined) out.timestamp = extracted.timestamp;
  if (scheme.event === undefined) {
    if (prepared.parse) out.payload = parseOrThrow(scheme.name, out.body);
    return out;
  }
  if (prepared.parse) {
    let parsed: { value: unknown; error?: unknown } | undefined;
    const json = () => {
      if (parsed === undefined) {
        try {
          parsed = { value: JSON.parse(out.body) };
        } catch (error) {
          parsed = { value: undefined, error };
        }
      }
      return parsed.value;
    };
    assign(out, scheme.event({ request: view, json }), EVENT_KEYS);
    out.payload = json();
    if (parsed?.error !== undefined) throw new WebhookPayloadError(scheme.name, parsed.error);
    return out;
  }
  // parse off: ask for the event without the body first; what needs the body waits for a read.
  probeWantsBody = false;
  const probe = scheme.event({ request: view, json: probeJson });
  if (!probeWantsBody) {
    assign(out, probe, EVENT_KEYS);
    return out;
  }
  const headerFirst = isHeaderFirst(scheme.event);
  let lazy = 0; // a bit per EVENT_KEYS entry
  for (let i = 0; i < EVENT_KEYS.length; i++) {
    const key = EVENT_KEYS[i]!;
    if (key === 'id' && out.id !== undefined) continue; // the signature's id wins
    if (headerFirst && probe[key] !== undefined) out[key] = probe[key];
    else lazy |= 1 << i;
  }
  if (lazy !== 0) {
    const keys = LAZY_KEYS[lazy]!;
    new PendingFields(out, { scheme, view, keys });
    for (const key of keys) Object.defineProperty(out, key, LAZY[key]);
  }
  return out;
}

/** The lazy key lists by bit mask (bit i: EVENT_KEYS[i]), made once rather than per result. */
const LAZY_KEYS: readonly (readonly EventKey[])[] = Array.from(
  { length: 1 << EVENT_KEYS.length },
  (_, mask) => EVENT_KEYS.filter((_key, i) => (mask & (1 << i)) !== 0),
);

// The probe's json(): notes that the reader wanted the body and gives it nothing. Module-level
// (as is everything below) so that a verification allocates no closures for the lazy fields.
let probeWantsBody = false;
function probeJson(): undefined {
  probeWantsBody = true;
  return undefined;
}

interface Pending {
  scheme: PreparedVerify['scheme'];
  view: RequestView;
  keys: readonly EventKey[];
}

/** Returns the object it is given, so that a subclass can stamp private fields on it. */
class Attach {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the point: subclasses add private fields to `target`
    return target;
  }
}

/**
 * Where a result keeps what its lazy fields need: a private field stamped on the plain result
 * object. Spreads, JSON, `Object.keys` and equality checks never see it, and adding it is an
 * ordinary property add (a non-enumerable `Object.defineProperty` cost ~0.25 µs per result).
 */
class PendingFields extends Attach {
  #pending: Pending | undefined;

  constructor(target: VerifiedWebhook, pending: Pending) {
    super(target);
    this.#pending = pending;
  }

  /** The pending state of `out`, once: later calls (and unstamped objects) give `undefined`. */
  static take(out: object): Pending | undefined {
    if (!(#pending in out)) return undefined;
    const stamped = out as PendingFields;
    const pending = stamped.#pending;
    stamped.#pending = undefined;
    return pending;
  }
}

/** Runs the event reader with the body (parsed once) and settles every lazy field of `out`. */
function resolve(out: VerifiedWebhook): void {
  const state = PendingFields.take(out);
  if (state === undefined) return;
  let parsed: { value: unknown } | undefined;
  const json = () => {
    if (parsed === undefined) {
      try {
        parsed = { value: JSON.parse(out.body) };
      } catch {
        parsed = { value: undefined };
      }
    }
    return parsed.value;
  };
  const event = state.scheme.event!({ request: state.view, json });
  for (const key of state.keys) settle(out, key, event[key]);
}

function lazyField(key: EventKey): PropertyDescriptor {
  return {
    configurable: true,
    enumerable: true,
    get(this: VerifiedWebhook) {
      resolve(this);
      return this[key];
    },
    set(this: VerifiedWebhook, value: string | undefined) {
      resolve(this);
      Object.defineProperty(this, key, {
        configurable: true,
        enumerable: true,
        writable: true,
        value,
      });
    },
  };
}

/**
 * Enumerable accessors for the body-derived fields: the first read (or write) of any of them
 * runs the scheme's event reader with the body and turns each into a plain data property
 * (left out when the provider did not send it).
 */
const LAZY: Readonly<Record<EventKey, PropertyDescriptor>> = {
  id: lazyField('id'),
  type: lazyField('type'),
  action: lazyField('action'),
};

function assign(out: VerifiedWebhook, event: WebhookEventInfo, keys: readonly EventKey[]): void {
  for (const key of keys) {
    if (key === 'id' && out.id !== undefined) continue;
    if (event[key] !== undefined) out[key] = event[key];
  }
}

function parseOrThrow(provider: string, body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new WebhookPayloadError(provider, error);
  }
}
