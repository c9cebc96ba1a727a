/**
 * The Standard Schema v1 interface (https://standardschema.dev), vendored as types only so
 * that no Brace package needs a runtime dependency for it. zod 4, valibot, arktype, effect
 * schema and others implement it.
 *
 * @example
 * ```ts
 * import type { StandardSchemaV1 } from '@brace/core';
 * import { z } from 'zod';
 *
 * const schema: StandardSchemaV1<unknown, { id: number }> = z.object({ id: z.number() });
 * ```
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

/** Types that belong to {@link StandardSchemaV1}. */
export declare namespace StandardSchemaV1 {
  /** The properties every Standard Schema carries under `~standard`. */
  export interface Props<Input = unknown, Output = Input> {
    /** The version of the Standard Schema interface: always `1`. */
    readonly version: 1;
    /** The library that made the schema, e.g. `'zod'` or `'valibot'`. */
    readonly vendor: string;
    /** Validates a value; may return a promise for asynchronous schemas. */
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    /** Phantom input and output types, for inference only. */
    readonly types?: Types<Input, Output> | undefined;
  }
  /** The result of {@link Props.validate}. */
  export type Result<Output> = SuccessResult<Output> | FailureResult;
  /** A successful validation. */
  export interface SuccessResult<Output> {
    /** The validated output (defaults and transforms applied). */
    readonly value: Output;
    /** Absent on success. */
    readonly issues?: undefined;
  }
  /** A failed validation. */
  export interface FailureResult {
    /** What is wrong, one entry per problem. */
    readonly issues: ReadonlyArray<Issue>;
  }
  /** One validation problem. */
  export interface Issue {
    /** A human-readable description, written by the schema library. */
    readonly message: string;
    /** Where in the value the problem is. */
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  /** A path segment in object form. */
  export interface PathSegment {
    /** The key this segment stands for. */
    readonly key: PropertyKey;
  }
  /** The phantom input and output types. */
  export interface Types<Input = unknown, Output = Input> {
    /** What the schema accepts. */
    readonly input: Input;
    /** What the schema produces. */
    readonly output: Output;
  }
  /** The input type of a schema. */
  export type InferInput<S extends StandardSchemaV1> = NonNullable<
    S['~standard']['types']
  >['input'];
  /** The output type of a schema. */
  export type InferOutput<S extends StandardSchemaV1> = NonNullable<
    S['~standard']['types']
  >['output'];
}
