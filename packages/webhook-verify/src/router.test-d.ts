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

  it('refuses a type outside the event map', () => {
    // @ts-expect-error 'invoice.created' is not in the map
    createWebhookRouter<{ 'invoice.paid': { id: string } }>().on('invoice.created', () => {});
  });
});
