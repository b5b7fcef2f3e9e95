import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Service, type IContainer, type IPodSecurityContext, type ISecurityContext, type IVolume } from 'kubernetes-models/v1';
import { shutdownTimeoutMs } from './config-map.ts';
import { deployableAnnotations, selectorLabels } from './labels.ts';
import { httpPort, preStopSeconds, servicePort, type Deployable } from './model.ts';
import { cpu, memory, resourcesOf } from './resources.ts';
import { secretsOf } from './secrets.ts';

/** Non-root (the image's uid 1000), no privilege escalation, no capabilities, read-only root, the runtime's seccomp. */
export const podSecurityContext: IPodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: 'RuntimeDefault' },
};
export const containerSecurityContext: ISecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  privileged: false,
  capabilities: { drop: ['ALL'] },
};

/** The root filesystem is read-only: `/tmp` is the one writable place (PostgreSQL holds the data). */
export const tmpVolume: IVolume = { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } };

/**
 * preStop sleep, then SIGTERM starts the drain, which the process ends by `SHUTDOWN_TIMEOUT_MS` at the latest: the
 * grace period covers both plus a margin, so the kubelet never kills a drain that keeps its deadline.
 */
export const terminationGraceSeconds = preStopSeconds + Math.ceil(shutdownTimeoutMs / 1000) + 5;

/** Each Secret a deployable reads, as a volume of its own holding only the keys it needs. */
export function secretVolumes(secrets: readonly { secret: string; key: string }[]): { volumes: IVolume[]; mounts: NonNullable<IContainer['volumeMounts']> } {
  const names = [...new Set(secrets.map((s) => s.secret))];
  return {
    volumes: names.map((secret) => ({
      name: secret,
      // `optional: false` is the default, said explicitly: podman 4.3's kube play dereferences it unchecked (podman#16636).
      secret: {
        secretName: secret,
        optional: false,
        defaultMode: 0o440,
        items: secrets.filter((s) => s.secret === secret).map((s) => ({ key: s.key, path: s.key })),
      },
    })),
    mounts: names.map((secret) => ({ name: secret, mountPath: `/run/secrets/${secret}`, readOnly: true })),
  };
}

export interface DeploymentOptions {
  namespace: string;
  image: string;
  labels: Record<string, string>;
  /** `inventory-canary` for a canary's Deployment; the deployable's name otherwise. */
  name?: string;
  /** A fixed replica count (a canary); otherwise the HPA sets it. */
  replicas?: number;
}

/**
 * The deployable's Deployment: the one image with the deployable's ConfigMap, probes on `/health/*` (liveness only
 * asks whether the process answers; readiness checks dependencies), a rolling update that never drops below the
 * desired count, secrets as files.
 */
export function deployment(d: Deployable, options: DeploymentOptions): Deployment {
  const name = options.name ?? d.name;
  const r = resourcesOf(d);
  const secrets = secretVolumes(secretsOf(d));
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: 'http' },
    periodSeconds,
    timeoutSeconds: 3,
    failureThreshold,
  });
  return new Deployment({
    metadata: { name, namespace: options.namespace, labels: options.labels, annotations: deployableAnnotations(d) },
    spec: {
      // No `replicas` on HPA-managed Deployments: applying the manifest again would reset the autoscaler's count.
      ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(d.name, name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: options.labels, annotations: deployableAnnotations(d) },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: terminationGraceSeconds,
          securityContext: podSecurityContext,
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selectorLabels(d.name, name) },
            },
          ],
          containers: [
            {
              name: 'cleave',
              image: options.image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: httpPort, protocol: 'TCP' }],
              envFrom: [{ configMapRef: { name: `${d.name}-config` } }],
              resources: {
                requests: { cpu: cpu(r.cpuRequestM), memory: memory(r.memoryRequestMi) },
                limits: { cpu: cpu(r.cpuLimitM), memory: memory(r.memoryLimitMi) },
              },
              // Start-up migrates the module schemas before serving: up to two minutes before liveness counts.
              startupProbe: probe('/health/live', 2, 60),
              readinessProbe: probe('/health/ready', 5, 2),
              livenessProbe: probe('/health/live', 10, 3),
              lifecycle: { preStop: { exec: { command: ['sleep', String(preStopSeconds)] } } },
              securityContext: containerSecurityContext,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...secrets.mounts],
            },
          ],
          volumes: [tmpVolume, ...secrets.volumes],
        },
      },
    },
  });
}

/** The Service every caller uses: all of the deployable's pods (stable and canary). */
export function service(d: Deployable, namespace: string, labels: Record<string, string>, name = d.name, instance?: string): Service {
  const selector = instance ? selectorLabels(d.name, instance) : { 'app.kubernetes.io/name': d.name };
  return new Service({
    metadata: { name, namespace, labels },
    spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: servicePort, targetPort: 'http', protocol: 'TCP' }] },
  });
}

/**
 * Scales on CPU between the deployable's replicas and its ceiling. Event consumers scale out too: per-key order holds
 * across replicas (partitioned delivery), so more consumers only spread the keys.
 */
export function autoscaler(d: Deployable, namespace: string, labels: Record<string, string>): HorizontalPodAutoscaler {
  return new HorizontalPodAutoscaler({
    metadata: { name: d.name, namespace, labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: d.name },
      minReplicas: d.replicas,
      maxReplicas: resourcesOf(d).maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    },
  });
}

/** Only with more than one replica: a budget on one replica would block every node drain. */
export function disruptionBudget(d: Deployable, namespace: string, labels: Record<string, string>): PodDisruptionBudget | undefined {
  if (d.replicas <= 1) return undefined;
  return new PodDisruptionBudget({
    metadata: { name: d.name, namespace, labels },
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(d.name) } },
  });
}
