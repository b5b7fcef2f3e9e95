import type { App } from '../http/index.ts';
import { sagaOpsRoutes, type SagaRunner } from '../sagas/index.ts';
import type { HostedModule } from './hosted-module.ts';

export interface HostSagas {
  /** Starts every hosted module's saga runner; call once the app and module calls are ready. */
  start(): void;
  /** Stops them: actions in flight are aborted unrecorded and their leases given up, for another replica to resume. */
  stop(): Promise<void>;
  /** The operator's saga routes over the modules hosted here. */
  routes(): App;
}

/** The saga runners of a host's modules, as one piece the host starts, stops and mounts. */
export function hostSagas(hosted: readonly HostedModule[]): HostSagas {
  const runners = hosted.flatMap((m): SagaRunner[] => (m.sagas ? [m.sagas] : []));
  return {
    start: () => runners.forEach((r) => r.run()),
    stop: async () => void (await Promise.all(runners.map((r) => r.stop()))),
    routes: () => sagaOpsRoutes(() => runners),
  };
}
