import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { environmentSchema } from '../../platform/config/index.ts';
import { parseK8sArgs } from '../../tools/k8s/args.ts';
import { appVersion, extractedModules } from '../../tools/k8s/files.ts';
import { manifestObjects } from '../../tools/k8s/manifests.ts';

type Obj = { kind: string; metadata: { name: string }; spec?: unknown; data?: Record<string, string> };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking generated manifests by path
const at = (o: unknown, path: string): any => path.split('.').reduce<any>((v, k) => v?.[k], o);

/** `500m` or `1` → millicores; `448Mi` → MiB. */
const millicores = (cpu: string) => (cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000);
const mebibytes = (memory: string) => Number(memory.replace(/ ?Mi(B)?$/, ''));

/** What the default manifests hold per deployable (no canary): resources, autoscaler ceiling, database pools. */
function deployables() {
  const { options } = parseK8sArgs([], { extracted: extractedModules(modules), appVersion: appVersion() });
  const objects = [...manifestObjects(modules, options).values()].flat().map((o) => o.toJSON() as unknown as Obj);
  const poolMax = environmentSchema.shape.DB_POOL_MAX.parse(undefined);
  return objects
    .filter((o) => o.kind === 'Deployment')
    .map((d) => {
      const resources = at(d, 'spec.template.spec.containers.0.resources');
      const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === d.metadata.name);
      const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${d.metadata.name}-config`);
      // Each module's URL logs in as its own role, so each is a pool of its own (DATABASE_ROLES=false).
      const pools = Object.keys(config?.data ?? {}).filter((k) => /_DATABASE_URL_FILE$/.test(k)).length;
      return {
        name: d.metadata.name,
        requests: [millicores(resources.requests.cpu), mebibytes(resources.requests.memory)],
        limits: [millicores(resources.limits.cpu), mebibytes(resources.limits.memory)],
        replicas: [at(hpa, 'spec.minReplicas'), at(hpa, 'spec.maxReplicas')],
        connections: pools * poolMax,
      };
    });
}

describe('docs/operations/deploy.md', () => {
  const guide = readFileSync('docs/operations/deploy.md', 'utf8');
  const generated = deployables();

  it('its sizing table lists every generated deployable with the requests and limits of its manifest', () => {
    const rows = [...guide.matchAll(/^\| (\S+)\s+\| (\S+) CPU, (\d+) MiB\s+\| (\S+) CPU, (\d+) MiB\s+\|/gm)].map((m) => ({
      name: m[1],
      requests: [millicores(m[2] as string), Number(m[3])],
      limits: [millicores(m[4] as string), Number(m[5])],
    }));
    expect(rows).toEqual(generated.map(({ name, requests, limits }) => ({ name, requests, limits })));
    for (const d of generated) expect(d.replicas, d.name).toEqual([2, 6]);
  });

  it('its connection count is what the generated deployables open at their autoscalers’ ceilings', () => {
    const sum = generated.map((d) => `${d.connections} × ${d.replicas[1]}`).join(' + ');
    const total = generated.reduce((n, d) => n + d.connections * (d.replicas[1] as number), 0);
    expect(guide.replace(/\s+/g, ' ')).toContain(`${sum} = ${total}`);
  });
});
