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
  if (prepared.parse) {
    assign(out, scheme.event({ request: view, json }), EVENT_KEYS);
    out.payload = json();
    if (parsed?.error !== undefined) throw new WebhookPayloadError(scheme.name, parsed.error);
    return out;
  }
  // parse off: ask for the event without the body first; what needs the body waits for a read.
  let wantsBody = false;
  const probe = scheme.event({
    request: view,
    json: () => {
      wantsBody = true;
      return undefined;
    },
  });
  if (!wantsBody) {
    assign(out, probe, EVENT_KEYS);
    return out;
  }
  const headerFirst = isHeaderFirst(scheme.event);
  const lazy: EventKey[] = [];
  for (const key of EVENT_KEYS) {
    if (key === 'id' && out.id !== undefined) continue; // the signature's id wins
    if (headerFirst && probe[key] !== undefined) out[key] = probe[key];
    else lazy.push(key);
  }
  if (lazy.length > 0) defineLazy(out, lazy, () => scheme.event!({ request: view, json }));
  return out;
}

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

/**
 * Defines `keys` on `out` as enumerable accessors: the first read of any of them runs the
 * scheme's event function with the body (parsed once) and turns each into a plain data
 * property (left out when the provider did not send it). A write settles the field too.
 */
function defineLazy(
  out: VerifiedWebhook,
  keys: readonly EventKey[],
  compute: () => WebhookEventInfo,
): void {
  let pending = true;
  const resolve = () => {
    if (!pending) return;
    pending = false;
    const event = compute();
    for (const key of keys) settle(out, key, event[key]);
  };
  for (const key of keys) {
    Object.defineProperty(out, key, {
      configurable: true,
      enumerable: true,
      get() {
        resolve();
        return out[key];
      },
      set(value: string | undefined) {
        resolve();
        Object.defineProperty(out, key, { configurable: true, enumerable: true, writable: true, value });
      },
    });
  }
}
