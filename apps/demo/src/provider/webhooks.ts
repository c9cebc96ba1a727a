import { signWebhook } from '@brace/webhook-verify';
import { type Random, streamFor } from '../random.js';
import type { DeliveryKind, Ledger } from './ledger.js';
import type { Link } from './links-api.js';

/** Shares of the extra deliveries mixed in, per created link. */
export const DELIVERY_MIX = { duplicate: 0.1, forged: 0.05, stale: 0.05 } as const;
/** How old a stale delivery's timestamp is: past Standard Webhooks' 5-minute tolerance. */
export const STALE_SECONDS = 600;

/** Options of {@link createWebhookSender}. */
export interface WebhookSenderOptions {
  ledger: Ledger;
  /** The demo's receiver. */
  url: string;
  /** The shared `whsec_...` secret. */
  secret: string;
  seed: number;
}

/**
 * Sends a Standard-Webhooks-signed `link.created` for every created link, mixing in duplicate
 * deliveries (same webhook-id, sent again after the first was answered), forged signatures
 * (another secret) and stale timestamps, all decided by the seeded random.
 */
export function createWebhookSender(options: WebhookSenderOptions) {
  const { ledger, url, secret } = options;
  const random: Random = streamFor(options.seed, 'webhooks');
  const forger = `whsec_${Buffer.from('not-the-provider-secret-at-all!!').toString('base64')}`;
  const pending = new Set<Promise<void>>();
  let sequence = 0;

  const post = async (
    kind: DeliveryKind,
    signed: { headers: Record<string, string>; body: string | Uint8Array },
  ) => {
    ledger.delivery(kind);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...signed.headers, 'content-type': 'application/json' },
        body: signed.body,
      });
      await response.arrayBuffer();
    } catch {
      ledger.deliveryFailures++;
    }
  };

  const deliver = async (link: Link): Promise<void> => {
    const id = `msg_${options.seed}_${++sequence}`;
    const body = JSON.stringify({
      type: 'link.created',
      timestamp: new Date().toISOString(),
      data: { id: link.id, recipientId: link.recipientId, url: link.url },
    });
    const duplicate = random() < DELIVERY_MIX.duplicate;
    const forged = random() < DELIVERY_MIX.forged;
    const stale = random() < DELIVERY_MIX.stale;
    const signed = await signWebhook({ provider: 'standard-webhooks', secret, body, id });
    await post('genuine', signed);
    if (duplicate) await post('duplicate', signed);
    if (forged) {
      const fake = body.replace(link.url, 'https://attacker.example/phish');
      await post(
        'forged',
        await signWebhook({
          provider: 'standard-webhooks',
          secret: forger,
          body: fake,
          id: `${id}_f`,
        }),
      );
    }
    if (stale) {
      const timestamp = Math.floor(Date.now() / 1000) - STALE_SECONDS;
      await post(
        'stale',
        await signWebhook({
          provider: 'standard-webhooks',
          secret,
          body,
          id: `${id}_s`,
          timestamp,
        }),
      );
    }
  };

  return {
    send(link: Link): void {
      const p = deliver(link).catch(() => {
        ledger.deliveryFailures++;
      });
      pending.add(p);
      void p.finally(() => pending.delete(p));
    },
    /** Waits for every delivery in flight. */
    async drain(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
