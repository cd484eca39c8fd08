import OpenAI from 'openai';
import type { PromptMessage } from '../domain/prompt';

export interface ModelCall {
  model: string;
  temperature: number | null;
  messages: PromptMessage[];
  signal: AbortSignal;
}

export type ModelEvent =
  | { type: 'delta'; text: string }
  | { type: 'end'; finishReason: 'stop' | 'length'; usage: { promptTokens: number; completionTokens: number } | null };

/** The model's stream ended before it said it was finished. */
export class StreamCutError extends Error {
  constructor() {
    super('The model stream ended without a finish reason');
    this.name = 'StreamCutError';
  }
}

/** The only way the chat service talks to a model: the openai SDK at OPENAI_BASE_URL. */
export function createModelClient(baseURL: string, apiKey: string) {
  // Retries would replay a half-streamed answer; a failed turn is reported and the user retries.
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });

  return async function* stream(call: ModelCall): AsyncGenerator<ModelEvent> {
    const completion = await client.chat.completions.create(
      {
        model: call.model,
        messages: call.messages,
        stream: true,
        stream_options: { include_usage: true },
        ...(call.temperature === null ? {} : { temperature: call.temperature }),
      },
      { signal: call.signal },
    );
    let finishReason: 'stop' | 'length' | undefined;
    let usage: { promptTokens: number; completionTokens: number } | null = null;
    for await (const chunk of completion) {
      const choice = chunk.choices[0];
      const text = choice?.delta?.content;
      if (text) yield { type: 'delta', text };
      if (choice?.finish_reason) finishReason = choice.finish_reason === 'length' ? 'length' : 'stop';
      if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
    }
    // A stream that ends without a finish reason was cut off, however cleanly the socket closed.
    if (!finishReason) throw new StreamCutError();
    yield { type: 'end', finishReason, usage };
  };
}
export type ModelStream = ReturnType<typeof createModelClient>;
