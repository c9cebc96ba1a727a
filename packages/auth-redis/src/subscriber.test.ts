import { describe, expect, it } from 'vitest';
import { fromIoredisSubscriber, MAX_SUBSCRIBED_KEYS, type RedisSubscriberLike } from './index.js';
import { waiters } from './subscriber.js';

/** An in-process message bus with the subscriber shape (the real ones are tested in conformance). */
function bus() {
  const listeners = new Map<string, Array<(m: string) => void>>();
  let subscriptions = 0;
  const subscriber: RedisSubscriberLike = {
    async subscribe(channel, listener) {
      subscriptions++;
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
    },
  };
  return {
    subscriber,
    publish: (channel: string) => {
      for (const l of listeners.get(channel) ?? []) l('s');
    },
    subscriptions: () => subscriptions,
  };
}

describe('waiters', () => {
  it('subscribes once per channel and wakes every waiter on a message', async () => {
    const b = bus();
    const wait = waiters(b.subscriber);
    const never = async () => false;
    const signal = new AbortController().signal;
    const a = wait('c', signal, never);
    const c = wait('c', signal, never);
    await new Promise((r) => setTimeout(r, 5));
    b.publish('c');
    await Promise.all([a, c]);
    expect(b.subscriptions()).toBe(1);
  });

  it('resolves at once when already changed, when aborted, and when the check fails', async () => {
    const wait = waiters(bus().subscriber);
    const open = new AbortController().signal;
    await wait('x', open, async () => true);
    await wait('x', AbortSignal.abort(), async () => false);
    await wait('x', open, async () => {
      throw new Error('store down');
    });
    const controller = new AbortController();
    const parked = wait('x', controller.signal, async () => false);
    controller.abort();
    await parked;
  });

  it('a failed SUBSCRIBE is not cached: that wait falls back to the poll, the next one subscribes again', async () => {
    const b = bus();
    let failures = 1;
    const flaky: RedisSubscriberLike = {
      async subscribe(channel, listener) {
        if (failures-- > 0) throw new Error('connection lost');
        return b.subscriber.subscribe(channel, listener);
      },
    };
    const wait = waiters(flaky);
    const signal = new AbortController().signal;
    await wait('c', signal, async () => false); // resolves: the caller polls
    const parked = wait('c', signal, async () => false);
    await new Promise((r) => setTimeout(r, 5));
    b.publish('c');
    await parked;
    expect(b.subscriptions()).toBe(1);
  });

  it(`stops subscribing beyond ${MAX_SUBSCRIBED_KEYS} channels (waiters then poll)`, async () => {
    const b = bus();
    const wait = waiters(b.subscriber);
    const signal = new AbortController().signal;
    for (let i = 0; i < MAX_SUBSCRIBED_KEYS; i++) await wait(`k${i}`, signal, async () => true);
    await wait('one-too-many', signal, async () => false); // returns at once
    expect(b.subscriptions()).toBe(MAX_SUBSCRIBED_KEYS);
  });
});

describe('fromIoredisSubscriber', () => {
  it('routes messages by channel to every listener', async () => {
    let emit: (channel: string, message: string) => void = () => {};
    const subscribed: string[] = [];
    const s = fromIoredisSubscriber({
      subscribe: async (channel) => {
        subscribed.push(channel);
      },
      on: (_event, listener) => {
        emit = listener;
      },
    });
    const got: string[] = [];
    await s.subscribe('a', (m) => got.push(`a1:${m}`));
    await s.subscribe('a', (m) => got.push(`a2:${m}`));
    await s.subscribe('b', (m) => got.push(`b:${m}`));
    emit('a', 'x');
    emit('c', 'y');
    expect(got).toEqual(['a1:x', 'a2:x']);
    expect(subscribed).toEqual(['a', 'a', 'b']);
  });

  it('a failed SUBSCRIBE leaves no listener behind (retries do not pile them up)', async () => {
    let emit: (channel: string, message: string) => void = () => {};
    let fail = true;
    const s = fromIoredisSubscriber({
      subscribe: async () => {
        if (fail) throw new Error('connection lost');
      },
      on: (_event, listener) => {
        emit = listener;
      },
    });
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      await expect(s.subscribe('a', () => got.push(`failed-${i}`))).rejects.toThrow();
    }
    fail = false;
    await s.subscribe('a', () => got.push('ok'));
    emit('a', 'x');
    expect(got).toEqual(['ok']);
  });
});
