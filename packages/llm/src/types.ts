export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
}

/** A function the model may call (OpenAI function calling); `parameters` is a JSON Schema of its arguments. */
export interface LlmTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** What a model answers with tools: its calls, as the text of the answer (so caching and fallbacks keep working). */
export interface ToolCallsAnswer {
  tool_calls: { name: string; arguments: unknown }[];
}

/** One completion request, whatever provider ends up serving it. */
export interface LlmRequest {
  /** What the call is for (`triage`, `reporting`, …): a metrics label and a log field. */
  purpose: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  /** Ask for a JSON object answer. */
  json?: boolean;
  /**
   * Functions the model may call. A model that calls some answers with the text of a `ToolCallsAnswer`
   * (`{"tool_calls": [{"name", "arguments"}]}`); `deterministic` should answer in the same form.
   */
  tools?: LlmTool[];
  /**
   * The deterministic answer, computed from the tools' numbers. The `local` provider returns it, and it is the
   * last fallback when every model in the chain fails, so a run never depends on a remote model being up.
   */
  deterministic: () => string;
  /** Aborts the call (run cancelled, worker shutting down). */
  signal?: AbortSignal;
  /** Receives streamed text as it arrives (providers that stream). */
  onToken?: (delta: string) => void;
  /** An answer this rejects (e.g. JSON that does not validate) is returned but not cached. */
  accept?: (text: string) => boolean;
  /** The workspace (user id) the call works for; Netra's own usage is recorded under it. */
  workspace?: string;
}

/** Why a model stopped: `length` means the answer was cut off (never cached). */
export type FinishReason = 'stop' | 'length' | 'other';

/** What a provider returns for one request to one model. */
export interface ProviderAnswer {
  text: string;
  provider: string;
  model: string;
  usage: LlmUsage;
  finishReason: FinishReason;
}

export interface LlmResult extends ProviderAnswer {
  latencyMs: number;
  /** True when the preferred model did not answer and a later one in the chain did. */
  fallback: boolean;
  cached: boolean;
}

/** A backend that can answer a request with one model. */
export interface LlmProvider {
  readonly name: string;
  /** `signal` combines the caller's signal with the per-attempt timeout. */
  complete(request: LlmRequest, model: string, signal: AbortSignal): Promise<ProviderAnswer>;
}

/** A link of the fallback chain. */
export interface ChainTarget {
  provider: LlmProvider;
  model: string;
}
