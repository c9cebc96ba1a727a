/**
 * RFC 9457 problem details: parse them on the client into `ProblemDetailsError`, build them on the server.
 *
 * @module
 */
export type {
  ProblemDetailsErrorOptions,
  ProblemRequestLike,
  ProblemResponseLike,
} from './errors.js';
export { InvalidProblemOptionError, ProblemDetailsError } from './errors.js';
export { issueDetail } from './issue-detail.js';
export { isProblemJson, mediaType, normalizeProblem } from './normalize.js';
export {
  ABOUT_BLANK,
  type ParsedBody,
  type ParseProblemDetailsOptions,
  PROBLEM_JSON,
  type ProblemDetails,
  type ProblemExtensions,
  parseProblemDetails,
} from './parse.js';
export {
  DEFAULT_POINTER_STYLE,
  type IssuePath,
  type PointerStyle,
  toJsonPointer,
  type ValidationErrorItem,
  validationErrors,
} from './pointer.js';
export {
  defineProblemType,
  type ExtensionsOf,
  isProblem,
  type ProblemOccurrence,
  type ProblemType,
  type ProblemTypeInit,
} from './problem-type.js';
export {
  type AnyProblemType,
  type ExtensionsOfType,
  type ProblemHandlers,
  type ProblemRegistry,
  problemRegistry,
} from './registry.js';
export {
  DEFAULT_EXPOSE,
  DEFAULT_PROBLEM_STATUS,
  DEFAULT_VALIDATION_STATUS,
  type ProblemErrorEvent,
  type ProblemHeadersInit,
  type ProblemInit,
  problem,
  problemDocument,
  problemFromError,
  type ToProblemOptions,
  toProblemResponse,
  validationProblem,
} from './server.js';
export type { StandardSchemaV1 } from './standard-schema.js';
export { statusPhrase } from './status.js';
