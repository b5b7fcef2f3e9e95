import { createDenialQueue, type DenialQueue } from '../audit/index.ts';
import type { Config } from '../config/index.ts';
import type { App, Refusal } from '../http/index.ts';
import type { Logger } from '../observability/index.ts';
import { endUserOf } from '../security/index.ts';
import type { AuditIdentity } from './audit-identity.ts';
import { auditRoutes } from './audit-routes.ts';
import type { HostedModule } from './hosted-module.ts';

/** The host's part of the audit trail: refusals queued for the right module's trail, checkpoints, operator routes. */
export interface HostAudit {
  onRefused(refusal: Refusal): void;
  denials: DenialQueue;
  routes(): App;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Wires the audit trail of the modules hosted here. A refusal goes to the trail of the module whose route refused it;
 * one of the platform's own routes (`/ops`, `/registry`) to identity's when it runs here, else the first module's.
 */
export function hostAudit(options: { config: Config; hosted: readonly HostedModule[]; identity: AuditIdentity; log: Logger }): HostAudit {
  const { config, hosted, identity, log } = options;
  const byName = new Map(hosted.map((m) => [m.definition.name, m]));
  const platformTrail = byName.has('identity') ? 'identity' : hosted[0]?.definition.name;
  const denials = createDenialQueue({ logs: (m) => byName.get(m)?.audit, capacity: config.audit.denialQueueSize, log: log.child({ component: 'audit' }) });
  const trailOf = (path: string) => {
    const first = path.split('/')[1] ?? '';
    return byName.has(first) ? first : platformTrail;
  };
  return {
    denials,
    onRefused(refusal) {
      const module = trailOf(refusal.path);
      if (module === undefined) return;
      const user = endUserOf(refusal.principal);
      denials.push(module, {
        action: 'platform.access-denied',
        target: `${refusal.method} ${refusal.path}`,
        outcome: 'denied',
        detail: { status: refusal.status, code: refusal.code },
        actorUser: user?.subject ?? null,
        actorClient: user?.clientId ?? null,
        actorModule: refusal.principal?.kind === 'module' ? (refusal.principal.module ?? null) : null,
        requestId: refusal.requestId ?? null,
        correlationId: refusal.correlationId ?? null,
      });
    },
    routes: () =>
      auditRoutes({
        modules: () => hosted.map((m) => ({ name: m.definition.name, db: m.context.db, checkpointer: m.checkpointer })),
        keys: () => identity.keys(),
      }),
    start() {
      for (const m of hosted) m.checkpointer.start(config.audit.checkpointIntervalMs);
    },
    async stop() {
      await Promise.all(hosted.map((m) => m.checkpointer.stop()));
      await denials.flush();
    },
  };
}
