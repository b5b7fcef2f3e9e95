import { createRouter, type App } from '../http/index.ts';
import { projectionRoutes, type ProjectionHost } from './projection-routes.ts';
import { retentionRoutes, type RetentionHost } from './retention-routes.ts';

/** The operator routes over each hosted module's background work: projections (`/ops/projections`) and retention (`/ops/retention`). */
export function moduleOpsRoutes(hosted: readonly (ProjectionHost & RetentionHost)[]): App {
  return createRouter().route('/', projectionRoutes(hosted)).route('/', retentionRoutes(hosted));
}
