import type { StandardSchemaV1 } from '@brace/core';
import { describe, expectTypeOf, it } from 'vitest';
import { createWebhookRouter, type VerifiedWebhook } from './index.js';

declare const amountSchema: StandardSchemaV1<unknown, { amount: number }>;

describe('createWebhookRouter types', () => {
  it('types each payload from the event map', () => {
    createWebhookRouter<{ 'invoice.paid': { id: string }; 'issues.opened': { issue: number } }>()
      .on('invoice.paid', (invoice, webhook) => {
        expectTypeOf(invoice).toEqualTypeOf<{ id: string }>();
        expectTypeOf(webhook).toEqualTypeOf<VerifiedWebhook<{ id: string }>>();
      })
      .on('issues.opened', (event) => {
        expectTypeOf(event.issue).toBeNumber();
      });
  });

  it('types the payload from a Standard Schema', () => {
    createWebhookRouter().on('charge.refunded', amountSchema, (payload) => {
      expectTypeOf(payload).toEqualTypeOf<{ amount: number }>();
    });
  });

  it('takes an interface as the event map (interfaces have no index signature)', () => {
    interface StripeEvents {
      'invoice.paid': { id: string };
    }
    createWebhookRouter<StripeEvents>().on('invoice.paid', (invoice) => {
      expectTypeOf(invoice).toEqualTypeOf<{ id: string }>();
    });
    // @ts-expect-error 'invoice.created' is not in the interface
    createWebhookRouter<StripeEvents>().on('invoice.created', () => {});
  });

  it('refuses a handler whose payload type contradicts the map', () => {
    // @ts-expect-error the map says n is a number
    createWebhookRouter<{ a: { n: number } }>().on('a', (payload: { n: string }) => payload);
  });

  it('refuses a type outside the event map', () => {
    // @ts-expect-error 'invoice.created' is not in the map
    createWebhookRouter<{ 'invoice.paid': { id: string } }>().on('invoice.created', () => {});
  });
});
