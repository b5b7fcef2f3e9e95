import { OpenAPIHono } from '@hono/zod-openapi';
import type { Router } from 'hono/router';
import { tracingOff, type Logger, type Tracing } from '../observability/index.ts';
import type { RequestLogOptions, RequestObserver } from './access-log.ts';
import type { AppEnv } from './app-env.ts';
import type { CorsOptions } from './cors.ts';
import type { UndeclaredProblems } from './declared-problems.ts';
import { edge, type EdgeGuard } from './edge.ts';
import { EdgeRouter } from './edge-router.ts';
import { PrefixRouter } from './prefix-router.ts';
import { errorHandler, notFoundHandler } from './error-handler.ts';
import { recordHandlers } from './route-handlers.ts';
import { validateReadsAtOnce } from './validate-at-once.ts';
import { validationHook } from './validation-hook.ts';

export type App = OpenAPIHono<AppEnv>;

/**
 * A router for one module's routes: same validation hook as the app, so its 400s have the same shape. It records the
 * handler of each contract route, so that a module in the same process can be called without HTTP.
 */
export function createRouter(options: { router?: Router<never> } = {}): App {
  const router = new OpenAPIHono<AppEnv>({ defaultHook: validationHook, ...(options.router ? { router: options.router } : {}) });
  validateReadsAtOnce(router);
  recordHandlers(router);
  return router;
}

export interface AppOptions {
  logger: Logger;
  bodyLimitBytes: number;
  /** Names the module a path belongs to, for log lines. */
  moduleOf?: (path: string) => string | undefined;
  /** A problem an operation did not declare: replaced by a 500 (`fail`, the default, for tests) or only logged. */
  undeclaredProblems?: UndeclaredProblems;
  /** Browser origins allowed by CORS; none by default. */
  cors?: CorsOptions;
  /** The access log: a line for every request by default. */
  requestLog?: RequestLogOptions;
  /** A server span per request when tracing is on; off by default. */
  tracing?: Tracing;
  /** Told of every answer: the host's HTTP metrics. */
  observe?: RequestObserver | undefined;
  /** App-wide checks before the routes (see `EdgeGuard`); the caller may add to the array until the app serves. */
  guards?: readonly EdgeGuard[];
}

/**
 * The HTTP app every Cleave process serves: request id, logging, secure headers, JSON-only bodies with a size limit
 * (all in one edge middleware, see `edge`), and one problem+json mapping for every error.
 */
export function createApp(options: AppOptions): App {
  // The app matches every module's routes: a router per module (path prefix), see `PrefixRouter`; a route's own
  // handler is handed to Hono merged with the edge's, see `EdgeRouter`.
  const router = new EdgeRouter<never>(new PrefixRouter());
  const app = createRouter({ router });
  const handleEdge = edge({
    logger: options.logger,
    bodyLimitBytes: options.bodyLimitBytes,
    moduleOf: options.moduleOf ?? (() => undefined),
    undeclaredProblems: options.undeclaredProblems ?? 'fail',
    cors: options.cors,
    requestLog: options.requestLog ?? { mode: 'all', sampleRate: 1, slowMs: 500 },
    tracing: options.tracing ?? tracingOff,
    observe: options.observe,
    guards: options.guards ?? [],
    onError: errorHandler,
  });
  app.use(handleEdge);
  app.onError(errorHandler);
  router.around(handleEdge, errorHandler);
  app.notFound(notFoundHandler(() => app.routes));
  return app;
}
