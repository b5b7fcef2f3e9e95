import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { modules } from '../../apps/modules.ts';
import { loadConfig } from '../../platform/config/index.ts';
import { resolveTopology } from '../../platform/host/index.ts';
import { parseK8sArgs } from '../../tools/k8s/args.ts';
import { appVersion, driftOf, extractedModules, generatedFilesIn, k8sFiles } from '../../tools/k8s/files.ts';
import { labelValue } from '../../tools/k8s/labels.ts';
import { ManifestError, manifestObjects, validateObjects, type K8sObject } from '../../tools/k8s/manifests.ts';
import { tempDir } from '../support/temp-dir.ts';

const version = appVersion();
const optionsFor = (args: string[]) => parseK8sArgs(args, { extracted: extractedModules(modules), appVersion: version }).options;
type Obj = { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: Record<string, unknown>; data?: Record<string, string> };
const plain = (files: Map<string, K8sObject[]>) => new Map([...files].map(([f, objects]) => [f, objects.map((o) => o.toJSON() as unknown as Obj)]));
const find = (objects: Obj[] | undefined, kind: string, name?: string) => {
  const found = objects?.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''}`);
  return found;
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking parsed manifests by path
const at = (o: unknown, path: string): any => path.split('.').reduce<any>((v, k) => v?.[k], o);

describe('committed Kubernetes manifests', () => {
  it('deploy/k8s is exactly what npm run k8s makes from the modules (drift)', () => {
    const { options, command } = parseK8sArgs([], { extracted: extractedModules(modules), appVersion: version });
    const drift = driftOf(k8sFiles(modules, options, command), generatedFilesIn('deploy/k8s'));
    expect(drift, 'deploy/k8s is out of date: run npm run k8s').toEqual({ stale: [], missing: [], extra: [] });
  });

  it('every committed document parses and every object validates against the Kubernetes schemas', () => {
    const files = manifestObjects(modules, optionsFor([]));
    expect(() => validateObjects(files)).not.toThrow();
    const kinds = [...files.values()].flat().map((o) => (o as unknown as Obj).kind);
    for (const kind of [
      'Namespace',
      'ResourceQuota',
      'LimitRange',
      'Job',
      'ConfigMap',
      'Deployment',
      'Service',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'NetworkPolicy',
    ])
      expect(kinds).toContain(kind);
    // No Secret objects (values never leave the cluster's own store): only references to named Secrets.
    expect(kinds).not.toContain('Secret');
    for (const [file, text] of generatedFilesIn('deploy/k8s')) {
      const documents = parseAllDocuments(text);
      expect(
        documents.flatMap((d) => d.errors),
        file,
      ).toEqual([]);
      if (file !== 'kustomization.yaml') expect(documents.length, file).toBe(files.get(file)?.length);
    }
  });

  it('validation fails on an object the schemas refuse, naming the file and object', () => {
    const files = manifestObjects(modules, optionsFor([]));
    const deployment = files.get('inventory.yaml')?.find((o) => (o as unknown as Obj).kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } };
    };
    const port = deployment.spec.template.spec.containers[0]?.ports[0];
    if (!port) throw new Error('no port');
    port.containerPort = 'http';
    expect(() => validateObjects(files)).toThrow(/inventory\.yaml: Deployment inventory does not validate: .*containerPort must be integer/);
  });
});

describe('Deployments', () => {
  const files = plain(manifestObjects(modules, optionsFor([])));

  it.each(['monolith', 'inventory'])('%s: probes, shutdown grace, security context, labels from defineModule', (name) => {
    const d = find(files.get(`${name}.yaml`), 'Deployment');
    const pod = at(d, 'spec.template.spec');
    const container = pod.containers[0];
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    expect(container.startupProbe.httpGet.path).toBe('/health/live');
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
    const env = find(files.get(`${name}.yaml`), 'ConfigMap').data ?? {};
    // The grace period covers the preStop sleep and the whole shutdown deadline the ConfigMap gives the process.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(5 + Number(env.SHUTDOWN_TIMEOUT_MS) / 1000);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.requests.cpu).toMatch(/m$/);
    expect(container.resources.limits.memory).toMatch(/Mi$/);
    expect(pod.volumes[0]).toEqual({ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } });
    expect(d.spec?.replicas).toBeUndefined();
    for (const key of ['name', 'instance', 'version', 'component', 'part-of', 'managed-by'])
      expect(d.metadata.labels?.[`app.kubernetes.io/${key}`]).toBeTruthy();
  });

  it('owner and cost centre come from defineModule; a deployable of several owners says shared', () => {
    expect(find(files.get('inventory.yaml'), 'Deployment').metadata.labels).toMatchObject({ owner: 'team-fulfilment', 'cost-centre': 'cc-1200-fulfilment' });
    expect(find(files.get('monolith.yaml'), 'Deployment').metadata.labels).toMatchObject({ owner: 'shared', 'cost-centre': 'shared' });
  });

  it('pods read secrets only from named Secrets, as files, and only their own modules’ database logins', () => {
    const inventory = at(find(files.get('inventory.yaml'), 'Deployment'), 'spec.template.spec.volumes') as { secret?: { secretName: string } }[];
    expect(inventory.flatMap((v) => (v.secret ? [v.secret.secretName] : []))).toEqual([
      'cleave-db-inventory',
      'cleave-redis',
      'cleave-client-inventory',
      'cleave-ops',
    ]);
    const monolith = at(find(files.get('monolith.yaml'), 'Deployment'), 'spec.template.spec.volumes') as { secret?: { secretName: string } }[];
    expect(monolith.flatMap((v) => (v.secret ? [v.secret.secretName] : []))).toEqual([
      'cleave-db-catalog',
      'cleave-db-identity',
      'cleave-db-ordering',
      'cleave-db-notifications',
      'cleave-redis',
      'cleave-identity',
      'cleave-ops',
      'cleave-data-kek',
    ]);
    const job = at(find(files.get('admin-job.yaml'), 'Job'), 'spec.template.spec.volumes') as { secret?: { secretName: string } }[];
    expect(job.flatMap((v) => (v.secret ? [v.secret.secretName] : []))).toEqual([
      'cleave-db-admin',
      'cleave-db-catalog',
      'cleave-db-inventory',
      'cleave-db-identity',
      'cleave-db-payments',
      'cleave-db-ordering',
      'cleave-db-notifications',
    ]);
    for (const text of generatedFilesIn('deploy/k8s').values()) expect(text).not.toMatch(/postgres:\/\/\w+:|redis:\/\/:/);
  });

  it('each ConfigMap is a configuration platform/config accepts, and the topology resolves: every module it calls has an address', () => {
    const dir = tempDir('k8s-secrets');
    const values: Record<string, string> = {
      url: 'postgres://cleave_x:pw@db:5432/cleave',
      kek: Buffer.alloc(32, 7).toString('base64'),
      'module-client-key': Buffer.alloc(32, 9).toString('base64'),
      'session-key': Buffer.alloc(32, 5).toString('base64'),
      'admin-secret': Buffer.alloc(32, 3).toString('base64'),
      secret: 'x'.repeat(43),
    };
    for (const name of ['monolith', 'inventory', 'payments']) {
      const env = { ...find(files.get(`${name}.yaml`), 'ConfigMap').data };
      for (const [variable, path] of Object.entries(env).filter(([k]) => k.endsWith('_FILE'))) {
        const file = join(dir, path.replaceAll('/', '_'));
        writeFileSync(file, variable === 'REDIS_URL_FILE' ? 'redis://redis:6379' : (values[path.split('/').at(-1) ?? ''] ?? ''));
        env[variable] = file;
      }
      const config = loadConfig(env);
      expect(config.env).toBe('production');
      expect(config.shutdownTimeoutMs).toBe(Number(env.SHUTDOWN_TIMEOUT_MS));
      const topology = resolveTopology(config, modules);
      expect(topology.local.map((m) => m.name)).toEqual(name === 'monolith' ? ['catalog', 'identity', 'ordering', 'notifications'] : [name]);
      // Every module it exchanges events with has an address too: its relay holds their events until they registered.
      expect(topology.warnings, name).toEqual([]);
    }
  });
});

describe('canary', () => {
  it('--canary inventory=10 adds a canary Deployment, stable and canary Services and an HTTPRoute weighted 90/10', () => {
    const objects = manifestObjects(
      modules,
      optionsFor(['--canary', 'inventory=10', '--canary-image', 'registry.example/cleave:0.2.0', '--gateway-namespace', 'edge']),
    );
    validateObjects(objects);
    const canary = plain(objects).get('canary-inventory.yaml');
    const route = find(canary, 'HTTPRoute', 'cleave');
    expect(at(route, 'spec.parentRefs')).toEqual([{ name: 'cleave', namespace: 'edge' }]);
    expect(at(route, 'spec.rules.0')).toEqual({
      matches: [{ path: { type: 'PathPrefix', value: '/inventory' } }],
      backendRefs: [
        { name: 'inventory-stable', port: 80, weight: 90 },
        { name: 'inventory-canary', port: 80, weight: 10 },
      ],
    });
    expect(at(find(canary, 'Service', 'inventory-stable'), 'spec.selector')).toEqual({
      'app.kubernetes.io/name': 'inventory',
      'app.kubernetes.io/instance': 'inventory',
    });
    expect(at(find(canary, 'Service', 'inventory-canary'), 'spec.selector')).toEqual({
      'app.kubernetes.io/name': 'inventory',
      'app.kubernetes.io/instance': 'inventory-canary',
    });
    const deployment = find(canary, 'Deployment', 'inventory-canary');
    expect(at(deployment, 'spec.template.spec.containers.0.image')).toBe('registry.example/cleave:0.2.0');
    expect(deployment.metadata.labels?.['app.kubernetes.io/version']).toBe('0.2.0');
    // The Gateway's proxies may now reach inventory directly.
    const policy = find(plain(objects).get('inventory.yaml'), 'NetworkPolicy');
    expect(JSON.stringify(at(policy, 'spec.ingress.0.from'))).toContain('"kubernetes.io/metadata.name":"edge"');
  });

  it('a canary of a module that runs in the monolith is refused with a readable reason', () => {
    expect(() => manifestObjects(modules, optionsFor(['--canary', 'catalog=10']))).toThrow(ManifestError);
    expect(() => manifestObjects(modules, optionsFor(['--canary', 'catalog=10']))).toThrow(/only an extracted module.*--module catalog/);
  });
});

describe('namespace quota', () => {
  it('holds every deployable at its HPA ceiling plus a surge pod, with the requests and limits its pods state', () => {
    const files = plain(manifestObjects(modules, optionsFor(['--replicas', 'monolith=3'])));
    const hard = at(find(files.get('namespace.yaml'), 'ResourceQuota'), 'spec.hard') as Record<string, string>;
    const milli = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
    const mebi = (q: string) => Number(q.replace(/Mi$/, ''));
    const need = { pods: 1, cpu: 0, memory: 0, cpuLimit: 0, memoryLimit: 0 };
    for (const name of ['monolith', 'inventory', 'payments']) {
      const objects = files.get(`${name}.yaml`);
      const pods = Number(at(find(objects, 'HorizontalPodAutoscaler'), 'spec.maxReplicas')) + 1;
      const resources = at(find(objects, 'Deployment'), 'spec.template.spec.containers.0.resources');
      need.pods += pods;
      need.cpu += pods * milli(resources.requests.cpu);
      need.memory += pods * mebi(resources.requests.memory);
      need.cpuLimit += pods * milli(resources.limits.cpu);
      need.memoryLimit += pods * mebi(resources.limits.memory);
    }
    expect(at(find(files.get('monolith.yaml'), 'HorizontalPodAutoscaler'), 'spec.minReplicas')).toBe(3);
    expect(Number(hard.pods)).toBeGreaterThanOrEqual(need.pods);
    expect(milli(hard['requests.cpu'] ?? '0')).toBeGreaterThanOrEqual(need.cpu);
    expect(mebi(hard['requests.memory'] ?? '0')).toBeGreaterThanOrEqual(need.memory);
    expect(milli(hard['limits.cpu'] ?? '0')).toBeGreaterThanOrEqual(need.cpuLimit);
    expect(mebi(hard['limits.memory'] ?? '0')).toBeGreaterThanOrEqual(need.memoryLimit);
  });
});

describe('all in one', () => {
  it('--all-in-one: the monolith hosts every module and forwards nowhere; no module deployables', () => {
    const files = plain(manifestObjects(modules, optionsFor(['--all-in-one'])));
    expect([...files.keys()].sort()).toEqual(['admin-job.yaml', 'monolith.yaml', 'namespace.yaml']);
    const env = find(files.get('monolith.yaml'), 'ConfigMap').data ?? {};
    expect(env.MODULES).toBe('catalog,inventory,identity,payments,ordering,notifications');
    expect(env.REMOTE_MODULES).toBeUndefined();
    expect(at(find(files.get('monolith.yaml'), 'NetworkPolicy'), 'spec.egress').some((r: { to?: unknown }) => r.to)).toBe(false);
  });
});

describe("the command in the files' header", () => {
  it.each([
    [[], '--module inventory'],
    [['--out', '/tmp/x', '--check', '--module=catalog', '--canary', 'catalog=5'], '--module catalog --canary catalog=5'],
    [['--all-in-one', '--image', 'cleave:2.0.0'], '--all-in-one --image cleave:2.0.0'],
    [['--namespace', 'shop', '--out=/tmp/y', '--module', 'inventory', '--module', 'catalog'], '--module inventory --module catalog --namespace shop'],
  ])('%j → npm run k8s -- %s', (args, command) => {
    expect(parseK8sArgs(args, { extracted: ['inventory'], appVersion: version }).command).toBe(command);
  });
});

describe('labelValue', () => {
  it.each([
    ['team-fulfilment', 'team-fulfilment'],
    ['Team Platform / Security', 'Team-Platform-Security'],
    ['--ops@acme.example--', 'ops-acme.example'],
    ['x'.repeat(70) + '-y', 'x'.repeat(63)],
    ['???', ''],
  ])('%j → %j', (input, expected) => {
    expect(labelValue(input)).toBe(expected);
    expect(expected).toMatch(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/);
  });
});
