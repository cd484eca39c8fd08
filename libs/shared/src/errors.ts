/**
 * One error type for the whole system: a stable code, an HTTP status and a WebSocket mapping.
 * Everything that crosses a boundary (REST body, WS frame, RPC reply) is built from an AppError.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, retryable: false },
  UNAUTHORIZED: { status: 401, retryable: false },
  SIDEKIQ_NOT_FOUND: { status: 404, retryable: false },
  THREAD_NOT_FOUND: { status: 404, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  RATE_LIMITED: { status: 429, retryable: true },
  SERVICE_UNAVAILABLE: { status: 503, retryable: true },
  UPSTREAM_TIMEOUT: { status: 504, retryable: true },
  LLM_ERROR: { status: 502, retryable: true },
  INTERNAL: { status: 500, retryable: true },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  toBody(): ErrorBody {
    // SPEC: every error body has code, message and details (null when there is nothing more to say).
    return { error: { code: this.code, message: this.message, details: this.details ?? null } };
  }
}

export const isAppError = (err: unknown): err is AppError => err instanceof AppError;

/** The one place that turns an unknown failure into an AppError; callers log the original. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  return new AppError('INTERNAL', 'Internal error', { cause: err });
}

export const notFound = {
  sidekiq: () => new AppError('SIDEKIQ_NOT_FOUND', 'Sidekiq not found'),
  thread: () => new AppError('THREAD_NOT_FOUND', 'Thread not found'),
};

/** The `chat.error` frame of an AppError (WebSocket mapping of the one error type). */
export function toChatErrorFrame(requestId: string, err: AppError) {
  return {
    type: 'chat.error' as const,
    requestId,
    // Chat frames carry a subset of codes (SPEC); every code used for a turn is in it.
    code: err.code as Exclude<ErrorCode, 'UNAUTHORIZED' | 'NOT_FOUND'>,
    message: err.message,
    retryable: err.retryable,
    ...(err.details ? { details: err.details } : {}),
  };
}
