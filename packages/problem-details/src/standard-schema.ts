/**
 * The Standard Schema v1 interface (https://standardschema.dev), copied as its authors
 * intend so that this package needs no dependency for it. zod 4, valibot, arktype and
 * effect schema implement it.
 *
 * @typeParam Input - what the schema accepts
 * @typeParam Output - what a successful validation produces
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

/** Types of the {@link StandardSchemaV1} interface. */
export declare namespace StandardSchemaV1 {
  /** The properties under `~standard`. */
  export interface Props<Input = unknown, Output = Input> {
    /** The Standard Schema version: 1. */
    readonly version: 1;
    /** The library that made the schema, e.g. `'zod'`. */
    readonly vendor: string;
    /** Validates an unknown value; may return a promise. */
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    /** Carries the input and output types (only for inference). */
    readonly types?: Types<Input, Output> | undefined;
  }
  /** A validation result. */
  export type Result<Output> = SuccessResult<Output> | FailureResult;
  /** A successful validation. */
  export interface SuccessResult<Output> {
    /** The validated (possibly transformed) value. */
    readonly value: Output;
    /** Absent on success. */
    readonly issues?: undefined;
  }
  /** A failed validation. */
  export interface FailureResult {
    /** What is wrong, one entry per problem. */
    readonly issues: ReadonlyArray<Issue>;
  }
  /** One validation issue. */
  export interface Issue {
    /** A human-readable message. */
    readonly message: string;
    /** Where in the input the issue is. */
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  /** A path segment in object form. */
  export interface PathSegment {
    /** The key of this segment. */
    readonly key: PropertyKey;
  }
  /** The input and output types of a schema. */
  export interface Types<Input = unknown, Output = Input> {
    /** The input type. */
    readonly input: Input;
    /** The output type. */
    readonly output: Output;
  }
  /** The input type of a schema. */
  export type InferInput<Schema extends StandardSchemaV1> = NonNullable<
    Schema['~standard']['types']
  >['input'];
  /** The output type of a schema. */
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<
    Schema['~standard']['types']
  >['output'];
}
