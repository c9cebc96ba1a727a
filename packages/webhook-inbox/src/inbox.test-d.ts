import { expectTypeOf, test } from 'vitest';
import { createInbox, type InboxHandlerEvent, memoryInboxStore } from './index.js';

interface Events {
  stripe: { 'invoice.paid': { data: { object: { id: string } } } };
  github: { 'issues.opened': { issue: { number: number } } };
}

test('handlers get the payload type of their provider and event type', () => {
  createInbox<Events>({
    store: memoryInboxStore(),
    providers: { stripe: { secret: 's' }, github: { secret: 'g' } },
    handlers: {
      stripe: {
        'invoice.paid': (event) => {
          expectTypeOf(event.payload.data.object.id).toEqualTypeOf<string>();
        },
        '*': (event) => {
          expectTypeOf(event).toEqualTypeOf<InboxHandlerEvent<unknown>>();
        },
      },
      github: {
        'issues.opened': (event) => {
          expectTypeOf(event.payload.issue.number).toEqualTypeOf<number>();
        },
      },
    },
  });
});

test('every provider of the map must be configured, and unknown types are errors', () => {
  createInbox<Events>({
    store: memoryInboxStore(),
    // @ts-expect-error github is missing
    providers: { stripe: { secret: 's' } },
    handlers: {},
  });
  createInbox<Events>({
    store: memoryInboxStore(),
    providers: { stripe: { secret: 's' }, github: { secret: 'g' } },
    // @ts-expect-error no such event type in the map
    handlers: { stripe: { 'invoice.voided': () => {} } },
  });
});
