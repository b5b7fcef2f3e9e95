import { LimitRange, Namespace, ResourceQuota } from 'kubernetes-models/v1';
import type { Deployable } from './model.ts';
import { cpu, memory, resourcesOf } from './resources.ts';

/** The namespace, with the `restricted` Pod Security Standard enforced: every pod here must be non-root and unprivileged. */
export function namespace(name: string, labels: Record<string, string>): Namespace {
  return new Namespace({
    metadata: {
      name,
      labels: {
        ...labels,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
  });
}

const roundUp = (value: number, step: number) => Math.ceil(value / step) * step;

/**
 * Room for every deployable at its HPA ceiling plus one surge pod each during a rolling update, the admin Job and
 * `extraPods` (a canary), a quarter on top; nothing more, so a runaway autoscaler or a mistake stops at the quota.
 */
export function resourceQuota(name: string, deployables: readonly Deployable[], extraPods: number, labels: Record<string, string>): ResourceQuota {
  const pods = deployables.map((d) => ({ r: resourcesOf(d), count: resourcesOf(d).maxReplicas + 1 }));
  const job = resourcesOf({ modules: [], replicas: 1 });
  const biggest = resourcesOf({ modules: deployables.flatMap((d) => d.modules), replicas: 1 });
  const sum = (f: (r: ReturnType<typeof resourcesOf>) => number) =>
    roundUp(1.25 * (pods.reduce((t, p) => t + p.count * f(p.r), 0) + f(job) + extraPods * f(biggest)), 100);
  const podCount = pods.reduce((t, p) => t + p.count, 0) + 1 + extraPods;
  return new ResourceQuota({
    metadata: { name: 'cleave', namespace: name, labels },
    spec: {
      hard: {
        pods: String(Math.ceil(podCount * 1.25)),
        'requests.cpu': cpu(sum((r) => r.cpuRequestM)),
        'requests.memory': memory(sum((r) => r.memoryRequestMi)),
        'limits.cpu': cpu(sum((r) => r.cpuLimitM)),
        'limits.memory': memory(sum((r) => r.memoryLimitMi)),
        'services.loadbalancers': '0',
        'services.nodeports': '0',
      },
    },
  });
}

/** Defaults for a container that states no resources (a debug pod), and a ceiling for any one container. */
export function limitRange(name: string, labels: Record<string, string>): LimitRange {
  return new LimitRange({
    metadata: { name: 'cleave', namespace: name, labels },
    spec: {
      limits: [
        {
          type: 'Container',
          defaultRequest: { cpu: '100m', memory: '128Mi' },
          default: { cpu: '500m', memory: '256Mi' },
          max: { cpu: '2', memory: '2Gi' },
        },
      ],
    },
  });
}
