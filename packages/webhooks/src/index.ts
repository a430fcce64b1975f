export { SIGNATURE_HEADER, newWebhookSecret, signatureHeader, verifySignature, type VerifyOptions } from './signing.js';
export { assertDeliverableUrl, guardedLookup, isForbiddenAddress, WebhookAddressError } from './address-guard.js';
export { sendWebhook, type SendOptions, type SendResult } from './sender.js';
export {
  createDeadLetterQueue,
  createWebhookQueue,
  deliveryJobId,
  deliveryJobOptions,
  DEFAULT_RETRY,
  type DeadLetterQueue,
  type RetryPolicy,
  type WebhookQueue,
} from './queue.js';
export { WebhookDispatcher, EventTooLargeError, MAX_EVENT_BYTES, type DispatchEvent } from './dispatcher.js';
export { WebhookRegistry, type WebhookRegistryOptions, type CrossTenantHook } from './registry.js';
export { WebhookDeliverer, type WebhookDelivererOptions } from './deliverer.js';
