import OpenAI from 'openai';
import { LlmCallError, isRetryableStatus } from './errors.js';
import { estimateTokens } from './local.js';
import { parseRetryAfter } from './retry.js';
import type { FinishReason, LlmProvider, LlmRequest, ProviderAnswer, ToolCallsAnswer } from './types.js';

export interface OpenAICompatibleOptions {
  /** e.g. `https://api.openai.com/v1`, `http://localhost:8000/v1` (vLLM), `http://localhost:11434/v1` (Ollama). */
  baseURL?: string;
  apiKey?: string;
  /** Per-attempt timeout; also enforced by the caller's AbortSignal. */
  timeoutMs: number;
  /** Name in metrics, logs and reports. Default `openai`. */
  name?: string;
}

function finishReason(reason: string | null | undefined): FinishReason {
  if (reason === 'length') return 'length';
  if (reason === 'stop' || reason === 'tool_calls' || reason === 'function_call') return 'stop';
  return 'other';
}

/**
 * Any server that speaks OpenAI's chat completions API (OpenAI, vLLM, Ollama, LM Studio, and Gemini/Anthropic
 * through their OpenAI-compatible endpoints), through the official `openai` client. Streams (SSE, parsed by the
 * client) when the request wants tokens. The client's own retries are off (`maxRetries: 0`): retries, backoff
 * and failover are LlmClient's policy, behind the circuit breaker, so the two never multiply.
 */
export class OpenAICompatibleProvider implements LlmProvider {
  readonly name: string;
  private readonly client: OpenAI;

  constructor(options: OpenAICompatibleOptions) {
    this.name = options.name ?? 'openai';
    this.client = new OpenAI({
      // Local servers (vLLM, Ollama) accept any key; the client insists on one.
      apiKey: options.apiKey ?? 'not-needed',
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      maxRetries: 0,
      timeout: options.timeoutMs,
    });
  }

  async complete(request: LlmRequest, model: string, signal: AbortSignal): Promise<ProviderAnswer> {
    const body = {
      model,
      messages: request.messages,
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
      ...(request.json ? { response_format: { type: 'json_object' as const } } : {}),
      ...(request.tools && request.tools.length > 0
        ? { tools: request.tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.parameters } })) }
        : {}),
    };
    const prompt = request.messages.map((m) => m.content).join('\n');
    try {
      // Tool calls are not streamed: they are read whole from the answer.
      if (request.onToken && !request.tools) {
        const stream = await this.client.chat.completions.create(
          { ...body, stream: true, stream_options: { include_usage: true } },
          { signal },
        );
        let text = '';
        let reason: string | null | undefined;
        let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
        for await (const chunk of stream) {
          const choice = chunk.choices[0];
          const delta = choice?.delta?.content ?? '';
          if (delta.length > 0) {
            text += delta;
            request.onToken(delta);
          }
          if (choice?.finish_reason) reason = choice.finish_reason;
          if (chunk.usage) usage = chunk.usage;
        }
        return {
          text,
          provider: this.name,
          model,
          // Servers that ignore stream_options send no usage: estimate rather than record zero.
          usage: { promptTokens: usage?.prompt_tokens ?? estimateTokens(prompt), completionTokens: usage?.completion_tokens ?? estimateTokens(text) },
          finishReason: finishReason(reason),
        };
      }
      const completion = await this.client.chat.completions.create(body, { signal });
      const choice = completion.choices[0];
      const calls = (choice?.message?.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [{ name: c.function.name, arguments: parseArguments(c.function.arguments) }] : []));
      const text = calls.length > 0 ? JSON.stringify({ tool_calls: calls } satisfies ToolCallsAnswer) : (choice?.message?.content ?? '');
      return {
        text,
        provider: this.name,
        model,
        usage: {
          promptTokens: completion.usage?.prompt_tokens ?? estimateTokens(prompt),
          completionTokens: completion.usage?.completion_tokens ?? estimateTokens(text),
        },
        finishReason: finishReason(choice?.finish_reason),
      };
    } catch (error) {
      throw toCallError(error, signal);
    }
  }
}

/** A tool call's arguments: JSON as the model wrote it, or the raw text when it is not JSON (the caller validates). */
function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON: handed on as text; the caller's schema refuses it and falls back to its own plan.
    return text;
  }
}

/** The client's errors, as the retry policy sees them. */
function toCallError(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) {
    // Our timeout or the caller's cancel: the caller tells them apart by its own signal.
    return new LlmCallError('aborted', 'request aborted', { cause: signal.reason ?? error });
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new LlmCallError('timeout', 'request timed out', { retryable: true, cause: error });
  }
  if (error instanceof OpenAI.APIUserAbortError) {
    return new LlmCallError('aborted', 'request aborted', { cause: error });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new LlmCallError('network', `connection failed: ${error.message}`, { retryable: true, cause: error });
  }
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    const retryAfterMs = parseRetryAfter(error.headers);
    return new LlmCallError('http', `HTTP ${error.status}: ${error.message}`, {
      status: error.status,
      retryable: isRetryableStatus(error.status),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      cause: error,
    });
  }
  if (error instanceof OpenAI.OpenAIError) {
    // E.g. a stream that broke off or could not be parsed.
    return new LlmCallError('invalid_response', error.message, { retryable: true, cause: error });
  }
  // fetch (undici) reports a dropped body stream as `TypeError: terminated`; it may come from another realm, so
  // look at its name and message rather than its prototype.
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (name === 'TypeError' || (typeof message === 'string' && /terminated|socket|ECONNRESET|other side closed/i.test(message))) {
    return new LlmCallError('network', `connection failed: ${String(message)}`, { retryable: true, cause: error });
  }
  return error;
}
