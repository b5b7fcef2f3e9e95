import type { RouteConfig } from '@hono/zod-openapi';
import type { CallResult } from '../contracts/index.ts';
import { endSpan, SpanKind, type ExecutionContext, type Span, type Tracing } from '../observability/index.ts';

/**
 * The provider's span of a call on the direct in-process path (RPC server conventions), a child of the caller's
 * client span, entered through the call's own context (`context`) so the handler's work descends from it.
 */
export function directCallSpan(
  tracing: Tracing,
  module: string,
  method: string,
  route: RouteConfig,
  context: ExecutionContext,
  outer: ExecutionContext | undefined,
): Span | undefined {
  // The contract's operationId is `<module>.<name>`: the span takes the name, as the caller's client span does.
  const id = route.operationId;
  const operation = id?.startsWith(`${module}.`) ? id.slice(module.length + 1) : (id ?? `${method} ${route.path}`);
  const span = tracing.startSpan(
    `${module}/${operation}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'rpc.system': 'cleave',
        'rpc.service': module,
        'rpc.method': operation,
        'cleave.transport': 'in-process',
        'cleave.caller': context.caller ?? '',
      },
    },
    outer,
  );
  if (span) context.span = span;
  return span;
}

/** Ends a direct call's span with the status it answered, or the error it failed with. */
export function endDirectCallSpan(span: Span, result: CallResult | undefined, error: unknown): void {
  if (result === undefined) return endSpan(span, error);
  span.setAttribute('rpc.response.status_code', result.status);
  span.end();
}
