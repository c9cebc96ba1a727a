// The Standard Schema v1 types live in @brace/core (types only; no runtime import).
export type { StandardSchemaV1 } from '@brace/core';
