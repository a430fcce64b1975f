export { LlmClient, type LlmClientOptions, type LlmClientEvents } from './client.js';
export { LocalProvider, abortableDelay, estimateTokens, type LocalProviderOptions } from './local.js';
export type { ChatMessage, LlmProvider, LlmRequest, LlmResult, LlmUsage } from './types.js';
