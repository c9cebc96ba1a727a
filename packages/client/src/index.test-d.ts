import { defineRoutes } from '@brace/schema-guard';
import type { KyInstance } from 'ky';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createFetch, type IntegrationFetch } from './fetch.js';
import {
  type ClientDeprecationEvent,
  defineIntegration,
  type Integration,
  type IntegrationHealth,
  type ValidationResult,
} from './index.js';
import { github, type ProviderPreset } from './presets.js';

const User = z.object({ id: z.number(), name: z.string() });
const routes = defineRoutes({
  'GET /users/:id': { response: User },
  'POST /users': { body: User.omit({ id: true }), response: User },
});

describe('defineIntegration types', () => {
  const api = defineIntegration({ name: 'users', baseUrl: 'https://api.test/', routes });

  it('is a ky instance with typed route calls', () => {
    expectTypeOf(api).toMatchTypeOf<KyInstance>();
    expectTypeOf(api).toEqualTypeOf<Integration<typeof routes.table>>();
    expectTypeOf(api.api.get('/users/1')).resolves.toEqualTypeOf<{ id: number; name: string }>();
    expectTypeOf(api.api.post('/users', { json: { name: 'Ada' } })).resolves.toEqualTypeOf<{
      id: number;
      name: string;
    }>();
    // @ts-expect-error no such route
    api.api.get('/teams/1');
    // @ts-expect-error the body is typed by the route
    api.api.post('/users', { json: { name: 1 } });
  });

  it('types health, validation and events', () => {
    expectTypeOf(api.health()).toEqualTypeOf<IntegrationHealth>();
    expectTypeOf(api.validate()).resolves.toEqualTypeOf<ValidationResult>();
    api.on('deprecation', (event) => {
      expectTypeOf(event).toEqualTypeOf<ClientDeprecationEvent>();
    });
    api.on('*', (event) => {
      expectTypeOf(event.type).toEqualTypeOf<
        | 'retry'
        | 'giveUp'
        | 'throttled'
        | 'pause'
        | 'breaker'
        | 'drift'
        | 'deprecation'
        | 'cache'
        | 'auth'
      >();
    });
    // @ts-expect-error no such event
    api.on('nope', () => {});
  });

  it('takes a preset instead of name and baseUrl', () => {
    expectTypeOf(github).toEqualTypeOf<ProviderPreset>();
    defineIntegration({ preset: github, auth: { token: 't' } });
    createFetch({ preset: github });
    expectTypeOf(createFetch({ preset: github })).toEqualTypeOf<IntegrationFetch>();
  });
});
