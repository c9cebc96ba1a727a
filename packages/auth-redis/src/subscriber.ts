/**
 * A Redis connection in subscriber mode, for {@link redisTokenStore}'s `subscriber`: waiters
 * wake as soon as the refresher saves instead of at their next poll. node-redis 4/5 clients
 * (a `duplicate()` of yours, connected) fit as they are; wrap ioredis with
 * {@link fromIoredisSubscriber}.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import type { RedisSubscriberLike } from '@brace/auth-redis';
 *
 * const subscriber: RedisSubscriberLike = await createClient({ url: process.env.REDIS_URL }).connect();
 * ```
 */
export interface RedisSubscriberLike {
  /** Subscribes `listener` to `channel`. */
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
}

/**
 * The part of an ioredis client in subscriber mode {@link fromIoredisSubscriber} uses.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { IoredisSubscriberLike } from '@brace/auth-redis';
 *
 * const connection: IoredisSubscriberLike = new Redis();
 * ```
 */
export interface IoredisSubscriberLike {
  /** SUBSCRIBE. */
  subscribe(channel: string): Promise<unknown>;
  /** The `message` event: `(channel, message)`. */
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
}

/**
 * Wraps an ioredis (or iovalkey) connection as a {@link RedisSubscriberLike}. Give it a
 * connection of its own: one in subscriber mode cannot run other commands.
 *
 * @param client - a dedicated ioredis connection
 * @returns the subscriber for `redisTokenStore({ subscriber })`
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { fromIoredisSubscriber, redisTokenStore } from '@brace/auth-redis';
 *
 * const client = new Redis();
 * const store = redisTokenStore({ client, subscriber: fromIoredisSubscriber(client.duplicate()) });
 * ```
 */
export function fromIoredisSubscriber(client: IoredisSubscriberLike): RedisSubscriberLike {
  const listeners = new Map<string, Set<(message: string) => void>>();
  client.on('message', (channel, message) => {
    for (const l of listeners.get(channel) ?? []) l(message);
  });
  return {
    async subscribe(channel, listener) {
      let set = listeners.get(channel);
      if (set === undefined) {
        set = new Set();
        listeners.set(channel, set);
      }
      set.add(listener);
      try {
        await client.subscribe(channel);
      } catch (error) {
        set.delete(listener); // the caller tries again later: no listener piles up
        throw error;
      }
    },
  };
}

/**
 * Channels a store subscribes to at most (one per token key); beyond it, waiters poll.
 *
 * @example
 * ```ts
 * import { MAX_SUBSCRIBED_KEYS } from '@brace/auth-redis';
 *
 * console.info(`at most ${MAX_SUBSCRIBED_KEYS} token keys wake waiters by pub/sub`);
 * ```
 */
export const MAX_SUBSCRIBED_KEYS = 1_000;

/** Wakes waiters per channel; subscribes each channel once. */
export function waiters(subscriber: RedisSubscriberLike) {
  const subscribed = new Map<string, Promise<boolean>>();
  const waiting = new Map<string, Set<() => void>>();
  const wake = (channel: string) => {
    const set = waiting.get(channel);
    waiting.delete(channel);
    for (const w of set ?? []) w();
  };
  return async (
    channel: string,
    signal: AbortSignal,
    changed: () => Promise<boolean>,
  ): Promise<void> => {
    let ready = subscribed.get(channel);
    if (ready === undefined) {
      if (subscribed.size >= MAX_SUBSCRIBED_KEYS) return; // bounded: the manager polls
      // A failed SUBSCRIBE is forgotten (the next wait tries again); this wait polls.
      ready = subscriber
        .subscribe(channel, () => wake(channel))
        .then(
          () => true,
          () => {
            subscribed.delete(channel);
            return false;
          },
        );
      subscribed.set(channel, ready);
    }
    if (!(await ready)) return;
    await new Promise<void>((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      let set = waiting.get(channel);
      if (set === undefined) {
        set = new Set();
        waiting.set(channel, set);
      }
      const done = () => {
        signal.removeEventListener('abort', done);
        set.delete(done);
        resolve();
      };
      set.add(done);
      signal.addEventListener('abort', done, { once: true });
      // Subscribed first, then checked: a change before the check is seen by the check, one
      // after it by the subscription.
      changed().then(
        (yes) => yes && done(),
        () => done(),
      );
    });
  };
}
