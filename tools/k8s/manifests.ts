import type { Model } from '@kubernetes-models/base';
import { stringify } from 'yaml';
import { adminJob } from './admin-job.ts';
import { canaryNames, canaryRoute, canaryTarget } from './canary.ts';
import { configMap } from './config-map.ts';
import { deployableLabels, platformLabels, versionOf } from './labels.ts';
import { deployablesOf, ports, type Deployable, type K8sModule, type K8sOptions } from './model.ts';
import { limitRange, namespace, resourceQuota } from './namespace.ts';
import { defaultDenyPolicy, networkPolicy } from './network-policy.ts';
import { autoscaler, deployment, disruptionBudget, service } from './workload.ts';

/** A Kubernetes object as the models build it; every one validates against the Kubernetes schemas. */
export type K8sObject = Model<unknown>;

/** Raised for input the manifests cannot be made from; the command line prints it and exits 2. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

const otlpPort = (endpoint: string | undefined) => (endpoint ? Number(new URL(endpoint).port || (endpoint.startsWith('https') ? 443 : 80)) : ports.otlp);

function deployableObjects(d: Deployable, all: readonly Deployable[], options: K8sOptions): K8sObject[] {
  const labels = deployableLabels(d, options, options.image);
  const { namespace: ns } = options;
  const canaried = options.canary?.module === d.name;
  const pdb = disruptionBudget(d, ns, labels);
  return [
    configMap(d, options, labels),
    deployment(d, { namespace: ns, image: options.image, labels }),
    service(d, ns, labels),
    autoscaler(d, ns, labels),
    ...(pdb ? [pdb] : []),
    networkPolicy(d, all, {
      namespace: ns,
      labels,
      monitoringNamespace: options.monitoringNamespace,
      gatewayNamespace: canaried ? options.gateway.namespace : undefined,
      otlpPort: otlpPort(options.otlpEndpoint),
    }),
  ];
}

function canaryObjects(d: Deployable, options: K8sOptions, canary: NonNullable<K8sOptions['canary']>): K8sObject[] {
  const names = canaryNames(d.name);
  const stableLabels = deployableLabels(d, options, options.image);
  const canaryLabels = deployableLabels(d, options, canary.image, names.deployment);
  return [
    deployment(d, { namespace: options.namespace, image: canary.image, labels: canaryLabels, name: names.deployment, replicas: 1 }),
    service(d, options.namespace, stableLabels, names.stable, d.name),
    service(d, options.namespace, canaryLabels, names.canary, names.deployment),
    canaryRoute(canary, options, platformLabels('routing', versionOf(options.image, options.appVersion))),
  ];
}

/**
 * Every object, by the file it goes to: `namespace.yaml` (Namespace, ResourceQuota, LimitRange, default-deny NetworkPolicy), `admin-job.yaml`,
 * one file per deployable, and `canary-<module>.yaml` when a canary is asked for. Throws `ManifestError` on bad input.
 */
export function manifestObjects(modules: readonly K8sModule[], options: K8sOptions): Map<string, K8sObject[]> {
  const known = modules.map((m) => m.name);
  for (const m of [...options.extract, ...Object.keys(options.replicas).filter((n) => n !== 'monolith')]) {
    if (!known.includes(m)) throw new ManifestError(`unknown module "${m}"; modules: ${known.join(', ')}`);
  }
  if (modules.every((m) => options.extract.includes(m.name))) {
    throw new ManifestError('the monolith must keep at least one module: it is the gateway, and a host serves one module or more');
  }
  for (const name of Object.keys(options.replicas).filter((n) => n !== 'monolith' && !options.extract.includes(n))) {
    throw new ManifestError(`--replicas ${name}: ${name} runs in the monolith; extract it with --module ${name}, or set --replicas monolith=<n>`);
  }
  const deployables = deployablesOf(modules, options);
  const version = versionOf(options.image, options.appVersion);
  const files = new Map<string, K8sObject[]>();
  files.set('namespace.yaml', [
    namespace(options.namespace, platformLabels('namespace', version)),
    resourceQuota(options.namespace, deployables, options.canary ? 1 : 0, platformLabels('namespace', version)),
    limitRange(options.namespace, platformLabels('namespace', version)),
    defaultDenyPolicy(options.namespace, platformLabels('namespace', version)),
  ]);
  files.set('admin-job.yaml', [adminJob(options.namespace, options.image, modules, platformLabels('admin', version))]);
  for (const d of deployables) files.set(`${d.name}.yaml`, deployableObjects(d, deployables, options));
  if (options.canary) {
    const target = canaryTarget(options.canary.module, deployables);
    if (typeof target === 'string') throw new ManifestError(target);
    files.set(`canary-${target.name}.yaml`, canaryObjects(target, options, options.canary));
  }
  return files;
}

/** Validates every object against its Kubernetes schema; the first failure names the object and the field. */
export function validateObjects(files: ReadonlyMap<string, readonly K8sObject[]>): void {
  for (const [file, objects] of files) {
    for (const o of objects) {
      const meta = o as unknown as { kind: string; metadata?: { name?: string } };
      try {
        o.validate();
      } catch (error) {
        throw new Error(`${file}: ${meta.kind} ${meta.metadata?.name ?? ''} does not validate: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
    }
  }
}

/** `# Generated …` first line of every file: marks what the tool may overwrite or remove. */
export const generatedMarker = '# Generated by `npm run k8s';

/** The files' text: a header naming the command, then the objects as YAML documents. */
export function renderFiles(files: ReadonlyMap<string, readonly K8sObject[]>, command: string): Map<string, string> {
  const header = `${generatedMarker}${command ? ` -- ${command}` : ''}\` from the module metadata (defineModule): edit those or the flags, not this file.\n`;
  const rendered = new Map<string, string>();
  for (const [file, objects] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    rendered.set(file, header + objects.map((o) => `---\n${stringify(o.toJSON(), { lineWidth: 0 })}`).join(''));
  }
  const resources = [...rendered.keys()].map((f) => `  - ${f}\n`).join('');
  rendered.set('kustomization.yaml', `${header}apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources}`);
  return rendered;
}
