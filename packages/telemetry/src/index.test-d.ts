import type { Meter, Tracer } from '@opentelemetry/api';
import type { Hooks } from 'ky';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type Call,
  createTelemetry,
  type HealthReport,
  type HealthSource,
  healthHandler,
  type MeterLike,
  type StatsSource,
  type Telemetry,
  type TelemetryEvent,
  type TelemetryStats,
  type TracerLike,
} from './index.js';
import { telemetryHooks } from './ky.js';
import { type RedisFleet, redisFleet } from './redis.js';

describe('types', () => {
  it('an OpenTelemetry Tracer and Meter fit the structural options', () => {
    expectTypeOf<Tracer>().toExtend<TracerLike>();
    expectTypeOf<Meter>().toExtend<MeterLike>();
  });

  it('createTelemetry returns a Telemetry, which is a HealthSource; so is a fleet', () => {
    const telemetry = createTelemetry({ integration: 'x' });
    expectTypeOf(telemetry).toEqualTypeOf<Telemetry>();
    expectTypeOf(telemetry).toExtend<HealthSource>();
    expectTypeOf(telemetry.start({ method: 'GET', url: 'https://a.test/' })).toEqualTypeOf<Call>();
    expectTypeOf(telemetry.stats()).toEqualTypeOf<TelemetryStats>();
    expectTypeOf(telemetry.health()).toEqualTypeOf<HealthReport>();
    const fleet = redisFleet({ telemetry, client: async () => [] });
    expectTypeOf(fleet).toEqualTypeOf<RedisFleet>();
    expectTypeOf(fleet).toExtend<HealthSource>();
  });

  it('events are a discriminated union', () => {
    expectTypeOf<Extract<TelemetryEvent, { kind: 'call' }>['attempts']>().toEqualTypeOf<number>();
    expectTypeOf<Extract<TelemetryEvent, { kind: 'attempt' }>['attempt']>().toEqualTypeOf<number>();
    expectTypeOf<
      Extract<TelemetryEvent, { kind: 'unmatched-template' }>['count']
    >().toEqualTypeOf<number>();
  });

  it('adapters have the shapes their frameworks take', () => {
    expectTypeOf(telemetryHooks(createTelemetry({ integration: 'x' }))).toEqualTypeOf<Hooks>();
    expectTypeOf(healthHandler({ integrations: [] })).toEqualTypeOf<
      (request: Request) => Promise<Response>
    >();
    expectTypeOf<{ stats(): { queued: number } }>().toExtend<StatsSource>();
  });
});
