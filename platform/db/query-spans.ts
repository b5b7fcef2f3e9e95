import { currentContext, endSpan, SpanKind, tracingOff, type Span, type Tracing } from '../observability/index.ts';

/**
 * Where a driver adapter finds what watches its statements, set once the host has opened it: the host's tracing
 * (`DatabaseHandle.traceQueries`) and the cost ledger's timer (`DatabaseHandle.observeQueries`).
 */
export interface QueryTracing {
  tracing: Tracing;
  observe?: ((module: string, seconds: number) => void) | undefined;
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
 * touches. Only inside recorded work: the relay's polling and other background statements make no traces of their
 * own, and under a span the sampler left out (most requests, at a small ratio) a statement's span would record nothing
 * and pass its ids to nobody, so none is made.
 */
function querySpan(tracing: Tracing, text: string, module: string | undefined): Span | undefined {
  const parent = currentContext();
  if (!parent?.span?.isRecording()) return undefined;
  const op = operation.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
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

/**
 * Watches one statement: its span (inside traced work) and its wall time on the module schema it names, both ended
 * when `query` settles. `query` itself is returned untouched.
 */
export function instrument<T extends PromiseLike<unknown>>(holder: QueryTracing, text: string, query: T): T {
  const { tracing, observe } = holder;
  if (!tracing.enabled && !observe) return query;
  const module = schema.exec(text)?.[1];
  const span = tracing.enabled ? querySpan(tracing, text, module) : undefined;
  if (!span && !(observe && module)) return query;
  const started = performance.now();
  const done = () => {
    if (observe && module) observe(module, (performance.now() - started) / 1000);
  };
  query.then(
    () => {
      done();
      span?.end();
    },
    (error: unknown) => {
      done();
      if (span) endSpan(span, error);
    },
  );
  return query;
}
