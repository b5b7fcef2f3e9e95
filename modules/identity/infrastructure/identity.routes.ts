import { createRouter, type App } from '../../../platform/http/index.ts';
import type { ModuleContext } from '../../../platform/host/index.ts';
import { adminRoutes } from './admin.handlers.ts';
import { auditRoutes } from './audit.handlers.ts';
import { erasureRoutes } from './erasure.handlers.ts';
import { identityRuntime } from './identity-runtime.ts';
import { oauthRoutes } from './oauth.handlers.ts';
import { userRoutes } from './users.handlers.ts';

/** Identity's HTTP surface: OAuth endpoints and documents, users, administration. */
export function identityRoutes(ctx: ModuleContext): App {
  const runtime = identityRuntime(ctx);
  // One router for every operation, so the host records each handler for in-process calls.
  const app = createRouter();
  oauthRoutes(app, runtime);
  userRoutes(app, runtime);
  erasureRoutes(app, runtime);
  adminRoutes(app, runtime);
  auditRoutes(app, runtime);
  return app;
}
