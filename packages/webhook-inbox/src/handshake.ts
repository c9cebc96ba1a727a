// The endpoint checks some providers send before they deliver events: answered, never stored.
import type { VerifiedWebhook } from '@brace/webhook-verify';
import type { InboxAnswer } from './answer.js';
import type { InboxProviderOptions } from './receive.js';

function json(body: unknown): InboxAnswer {
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

async function hmacHex(secret: string | Uint8Array, text: string): Promise<string> {
  const encoder = new TextEncoder();
  const raw = typeof secret === 'string' ? encoder.encode(secret) : secret;
  const key = await crypto.subtle.importKey(
    'raw',
    raw as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const signature = await crypto.subtle.sign('HMAC', key, encoder.encode(text));
  return Array.from(new Uint8Array(signature), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The answer to a verified endpoint check, or undefined for an event: Slack's
 * `url_verification` gets its `challenge` back; Zoom's `endpoint.url_validation` gets the
 * `plainToken` and its HMAC-SHA256 under the secret token (`encryptedToken`).
 */
export async function handshake(
  webhook: VerifiedWebhook,
  payload: unknown,
  options: InboxProviderOptions,
): Promise<InboxAnswer | undefined> {
  const body =
    typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  if (webhook.provider === 'slack' && body.type === 'url_verification') {
    return typeof body.challenge === 'string' ? json({ challenge: body.challenge }) : undefined;
  }
  if (webhook.provider === 'zoom' && body.event === 'endpoint.url_validation') {
    const inner = body.payload as { plainToken?: unknown } | undefined;
    if (typeof inner?.plainToken !== 'string') return undefined;
    // Verified, so a secret is configured: the one secret, or the first (current) of several.
    const secret = (options.secret ?? options.secrets?.[0])!;
    const plainToken = inner.plainToken;
    return json({ plainToken, encryptedToken: await hmacHex(secret, plainToken) });
  }
  return undefined;
}
