import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { Logger } from '../observability/index.ts';
import type { AppEnv } from './app-env.ts';
import type { UndeclaredProblems } from './declared-problems.ts';
import { cors, type CorsOptions } from './cors.ts';
import { errorHandler, notFoundHandler } from './error-handler.ts';
import { bodiless, executionContext, requestLogging, requireJsonBody, staticSecureHeaders } from './middleware.ts';
import { problem, problemResponse } from './problem.ts';
import { recordHandlers } from './route-handlers.ts';
import { validationHook } from './validation-hook.ts';

export type App = OpenAPIHono<AppEnv>;

/**
 * A router for one module's routes: same validation hook as the app, so its 400s have the same shape. It records the
 * handler of each contract route, so that a module in the same process can be called without HTTP.
 */
export function createRouter(): App {
  const router = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
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
}

/**
 * The HTTP app every Cleave process serves: request id, logging, secure headers, JSON-only bodies with a size limit,
 * and one problem+json mapping for every error.
 */
export function createApp(options: AppOptions): App {
  const app = createRouter();
  const undeclared = options.undeclaredProblems ?? 'fail';
  app.use(requestId({ headerName: 'X-Request-Id', limitLength: 128 }));
  app.use((c, next) => {
    c.set('undeclaredProblems', undeclared);
    return next();
  });
  app.use(executionContext());
  app.use(requestLogging(options.logger, options.moduleOf ?? (() => undefined)));
  app.use(staticSecureHeaders());
  if (options.cors && options.cors.origins.length > 0) app.use(cors(options.cors));
  const limit = bodyLimit({
    maxSize: options.bodyLimitBytes,
    onError: (c) =>
      problemResponse(
        c,
        problem({
          status: 413,
          code: 'http/payload-too-large',
          detail: `The request body exceeds ${options.bodyLimitBytes} bytes.`,
          instance: c.req.path,
          requestId: c.get('requestId'),
        }),
      ),
  });
  // GET and HEAD carry no body: skipping the limit there keeps the request's body stream untouched (and cheap).
  app.use((c, next) => (bodiless(c.req.method) ? next() : limit(c, next)));
  app.use(requireJsonBody());
  app.onError(errorHandler);
  app.notFound(notFoundHandler(() => app.routes));
  return app;
}
