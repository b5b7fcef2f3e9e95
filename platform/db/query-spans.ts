import { currentContext, endSpan, SpanKind, tracingOff, type Span, type Tracing } from '../observability/index.ts';

/** Where a driver adapter finds the host's tracing, set once the host has opened it (`DatabaseHandle.traceQueries`). */
export interface QueryTracing {
  tracing: Tracing;
}

export function queryTracing(): QueryTracing {
  return { tracing: tracingOff };
}

const operation = /^\s*\(?\s*([A-Za-z]+)/;
// Every module's tables live in its own schema, which drizzle always names: `"catalog"."products"`.
const schema = /"([a-z][a-z0-9_-]*)"\."/;

/**
 * A span for one statement (database client conventions: `db.operation.name`, `db.query.text` with its `$n`
 * placeholders and never the parameter values), named `SELECT catalog` after the statement and the module schema it
 * touches. Only inside traced work: the relay's polling and other background statements make no traces of their own.
 */
export function querySpan(holder: QueryTracing, text: string): Span | undefined {
  const { tracing } = holder;
  if (!tracing.enabled) return undefined;
  const parent = currentContext();
  if (!parent?.span) return undefined;
  const op = operation.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
  const module = schema.exec(text)?.[1];
  return tracing.startSpan(
    module ? `${op} ${module}` : op,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'postgresql',
        'db.operation.name': op,
        'db.query.text': text.length > 2000 ? `${text.slice(0, 2000)}…` : text,
        ...(module ? { 'cleave.module': module } : {}),
      },
    },
    parent,
  );
}

/** Ends `span` when `result` settles, with an error status if it fails; `result` itself is returned untouched. */
export function endWith<T extends PromiseLike<unknown>>(span: Span | undefined, result: T): T {
  if (span)
    result.then(
      () => span.end(),
      (error: unknown) => endSpan(span, error),
    );
  return result;
}
