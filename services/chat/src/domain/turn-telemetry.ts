import { SpanKind, SpanStatusCode, meter, tracer, type Span } from '@sidekiq/shared';

const turns = meter.createCounter('sidekiq.chat.turns', { description: 'Chat turns by outcome' });
const firstToken = meter.createHistogram('sidekiq.chat.time_to_first_token', { unit: 'ms', description: 'From the model request to its first token' });
const tokens = meter.createCounter('sidekiq.chat.tokens_streamed', { description: 'Content chunks streamed from the model' });

export type TurnOutcome = 'complete' | 'cancelled' | 'error';

/**
 * The model call as a GenAI client span (OpenTelemetry GenAI semantic conventions) plus the turn
 * metrics. `end` is called exactly once, on success, error and cancel alike.
 */
export function startModelCallSpan(model: string, temperature: number | null) {
  const startedAt = Date.now();
  let first = true;
  let ended = false;
  let streamed = 0;
  const span: Span = tracer.startSpan(`chat ${model}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': model,
      ...(temperature === null ? {} : { 'gen_ai.request.temperature': temperature }),
    },
  });
  return {
    span,
    /** Per token: a local count, added to the counter once when the call ends. */
    token(): void {
      streamed++;
      if (!first) return;
      first = false;
      firstToken.record(Date.now() - startedAt, { 'gen_ai.request.model': model });
    },
    end(outcome: TurnOutcome, details: { finishReason?: string; usage?: { promptTokens: number; completionTokens: number } | null; error?: { code: string; message: string } }): void {
      if (ended) return;
      ended = true;
      if (streamed) tokens.add(streamed);
      if (details.finishReason) span.setAttribute('gen_ai.response.finish_reasons', [details.finishReason]);
      if (details.usage) {
        span.setAttribute('gen_ai.usage.input_tokens', details.usage.promptTokens);
        span.setAttribute('gen_ai.usage.output_tokens', details.usage.completionTokens);
      }
      if (outcome === 'error') {
        span.setAttribute('error.type', details.error?.code ?? 'LLM_ERROR');
        span.setStatus({ code: SpanStatusCode.ERROR, message: details.error?.message });
      } else {
        // A cancel is the user's choice, not a failure: OK, with the reason recorded.
        span.setStatus({ code: SpanStatusCode.OK });
      }
      span.end();
      turns.add(1, { outcome });
    },
  };
}
