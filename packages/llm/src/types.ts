export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
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
   * The deterministic answer, computed from the tools' numbers. The `local` provider returns it, and it is the
   * last fallback when every model in the chain fails, so a run never depends on a remote model being up.
   */
  deterministic: () => string;
  /** Aborts the call (run cancelled, worker shutting down). */
  signal?: AbortSignal;
  /** Receives streamed text as it arrives (providers that stream). */
  onToken?: (delta: string) => void;
}

export interface LlmResult {
  text: string;
  provider: string;
  model: string;
  usage: LlmUsage;
  latencyMs: number;
  /** True when the preferred model did not answer and a later one in the chain did. */
  fallback: boolean;
  cached: boolean;
}

/** A backend that can answer a request with one model. */
export interface LlmProvider {
  readonly name: string;
  complete(request: LlmRequest, model: string): Promise<Omit<LlmResult, 'fallback' | 'cached' | 'latencyMs'>>;
}
