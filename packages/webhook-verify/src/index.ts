/**
 * Webhook signature and replay-window verification for every major provider (Stripe, GitHub, Shopify, Slack, Standard Webhooks…): `verifyWebhook`.
 *
 * @module
 */
export { DEFAULT_MAX_BODY_BYTES, type WebhookBody, type WebhookMessage } from './body.js';
export {
  type WebhookErrorCode,
  WebhookOptionsError,
  WebhookPayloadError,
  WebhookSchemaError,
  WebhookVerificationError,
} from './errors.js';
export { type EventContext, MAX_EVENT_FIELD_LENGTH, type WebhookEventInfo } from './events.js';
export { KEY_CACHE_MAX_ENTRIES, KEY_CACHE_TTL_MS } from './keys.js';
export { type ProviderName, providers } from './providers.js';
export {
  createWebhookRouter,
  type UnhandledWebhookHandler,
  type WebhookHandler,
  type WebhookRouter,
} from './router.js';
export {
  type AfterMatchContext,
  defineScheme,
  type ExtractedSignature,
  type KeyMaterial,
  MAX_HEADER_LENGTH,
  type OfferedSignature,
  rejectWebhook,
  type SecretInput,
  type SignatureAlgorithm,
  type SigningContext,
  type SigningPlan,
  utf8Key,
  type WebhookRequestView,
  type WebhookScheme,
} from './scheme.js';
export { HMAC_SCHEME_TOLERANCE_SEC, type HmacSchemeOptions, hmacScheme } from './scheme-generic.js';
export {
  type GitHubSchemeOptions,
  github,
  githubScheme,
  PADDLE_TOLERANCE_SEC,
  paddle,
  SLACK_TOLERANCE_SEC,
  STRIPE_TOLERANCE_SEC,
  shopify,
  slack,
  stripe,
  ZOOM_TOLERANCE_SEC,
  zoom,
} from './schemes-hmac.js';
export {
  DISCORD_TOLERANCE_SEC,
  discord,
  STANDARD_WEBHOOKS_TOLERANCE_SEC,
  standardWebhooks,
  svix,
} from './schemes-standard.js';
export { LINEAR_TOLERANCE_SEC, linear, square, twilio } from './schemes-url.js';
export { MAX_SIGNATURES_PER_HEADER } from './schemes-util.js';
export {
  ed25519PublicKey,
  type SignedWebhook,
  type SignWebhookOptions,
  signWebhook,
} from './sign.js';
export {
  type VerifiedWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookInput,
} from './verify.js';
