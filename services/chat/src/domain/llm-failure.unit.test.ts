import { classifyLlmFailure } from './llm-failure';

describe('classifyLlmFailure', () => {
  it('says a 5xx or 429 may succeed on retry', () => {
    expect(classifyLlmFailure({ status: 503 }, false)).toMatchObject({ code: 'LLM_ERROR', retryable: true });
    expect(classifyLlmFailure({ status: 429 }, false)).toMatchObject({ code: 'LLM_ERROR', retryable: true });
  });
  it('says a 400 or 401 will not', () => {
    expect(classifyLlmFailure({ status: 400 }, false)).toMatchObject({ code: 'LLM_ERROR', retryable: false });
    expect(classifyLlmFailure({ status: 401 }, false)).toMatchObject({ code: 'LLM_ERROR', retryable: false });
  });
  it('reports an idle stream as UPSTREAM_TIMEOUT', () => {
    expect(classifyLlmFailure(new Error('aborted'), true)).toMatchObject({ code: 'UPSTREAM_TIMEOUT', retryable: true });
  });
  it('treats a cut connection as retryable', () => {
    expect(classifyLlmFailure(new Error('terminated'), false)).toMatchObject({ code: 'LLM_ERROR', retryable: true });
  });
});
