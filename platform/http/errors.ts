/**
 * Domain errors are plain data with a stable `code` and a `kind` from a closed set. Modules declare their own error
 * classes without importing anything from here; the platform recognises them by shape, never by `instanceof`.
 */
export const errorKinds = [
  'invalid',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'precondition_failed',
  'unavailable',
  'bad_gateway',
  'timeout',
] as const;

export type ErrorKind = (typeof errorKinds)[number];

/** The shape every domain error has; `details` carries structured fields for the problem body. */
export interface DomainErrorLike {
  kind: ErrorKind;
  code: string;
  message: string;
  details?: Record<string, unknown> | undefined;
  /** For `unavailable`: when trying again makes sense, in seconds; sent as `Retry-After`. */
  retryAfterSeconds?: number | undefined;
}

const kindSet: ReadonlySet<string> = new Set(errorKinds);

export function isDomainError(error: unknown): error is DomainErrorLike {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as Record<string, unknown>;
  return typeof e.kind === 'string' && kindSet.has(e.kind) && typeof e.code === 'string' && typeof e.message === 'string';
}

/**
 * An error raised by the platform itself or carried back from another module's problem response.
 * Modules may also throw it when they have no domain class of their own for the case.
 */
export class CleaveError extends Error implements DomainErrorLike {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    kind: ErrorKind,
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown; retryAfterSeconds?: number | undefined } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'CleaveError';
    this.kind = kind;
    this.code = code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
