/** How a failed model call is reported to the user: SPEC's code and an honest `retryable`. */
export interface LlmFailure {
  code: 'LLM_ERROR' | 'UPSTREAM_TIMEOUT';
  message: string;
  retryable: boolean;
}

/**
 * Classifies what the openai SDK threw. 408/409/429/5xx and dropped connections may succeed
 * on retry; other 4xx (bad request, auth, unknown model) will not.
 */
export function classifyLlmFailure(err: unknown, idleTimedOut: boolean): LlmFailure {
  if (idleTimedOut) return { code: 'UPSTREAM_TIMEOUT', message: 'The model stopped answering', retryable: true };
  const e = err as { status?: number; name?: string; message?: string };
  if (e?.name === 'StreamCutError') return { code: 'LLM_ERROR', message: 'The model stream was cut off', retryable: true };
  if (e?.name === 'APIConnectionTimeoutError') return { code: 'UPSTREAM_TIMEOUT', message: 'The model did not answer in time', retryable: true };
  if (typeof e?.status === 'number') {
    const retryable = e.status === 408 || e.status === 409 || e.status === 429 || e.status >= 500;
    return { code: 'LLM_ERROR', message: `The model answered ${e.status}`, retryable };
  }
  return { code: 'LLM_ERROR', message: 'The connection to the model failed', retryable: true };
}
