/**
 * A domain error of the event store, recognised by the HTTP layer by its shape (`kind` `conflict` → 409
 * problem+json), not by class.
 */
export class EventSourcingError extends Error {
  readonly kind: 'conflict' | 'not_found';
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(kind: 'conflict' | 'not_found', code: string, message: string, details: Record<string, unknown>, cause?: unknown) {
    super(message, { cause });
    this.name = 'EventSourcingError';
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

/** The stable code of a refused append: the stream is not at the version the caller decided on. */
export const streamVersionConflict = 'platform/stream-version-conflict';

/** The append was decided on `expected` but the stream is at `actual` (or another append got there first). */
export function versionConflict(aggregate: string, streamId: string, expected: number, actual: number | null, cause?: unknown): EventSourcingError {
  const at = actual === null ? 'was appended to concurrently' : `is at version ${actual}`;
  return new EventSourcingError(
    'conflict',
    streamVersionConflict,
    `Stream ${aggregate}/${streamId} ${at}, not ${expected}: load it again and decide again.`,
    { aggregate, streamId, expectedVersion: expected, actualVersion: actual },
    cause,
  );
}
