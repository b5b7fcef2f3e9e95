import { describe, expect, it } from 'vitest';
import { deployablesOf, type K8sModule } from '../../tools/k8s/model.ts';
import { networkPolicy, trafficRules } from '../../tools/k8s/network-policy.ts';
import { disruptionBudget } from '../../tools/k8s/workload.ts';

/** A module graph in a line each: `uses` names the modules it calls. */
const mod = (name: string, uses: string[] = []): K8sModule => ({
  name,
  version: '1.0.0',
  owner: `team-${name}`,
  costCentre: `cc-${name}`,
  uses: uses.map((module) => ({ module })),
});
const graph = [mod('catalog'), mod('inventory', ['catalog']), mod('orders', ['inventory', 'catalog']), mod('identity'), mod('reports')];
const rulesOf = (extract: string[]) => {
  const all = deployablesOf(graph, { extract, replicas: {} });
  return Object.fromEntries(all.map((d) => [d.name, trafficRules(d, all)]));
};

describe('NetworkPolicy from the module graph', () => {
  it('an extracted module accepts traffic only from the gateway and from the deployables whose modules use it', () => {
    const rules = rulesOf(['catalog', 'inventory', 'orders', 'reports']);
    // catalog is used by inventory and orders; reports uses nothing, so it cannot reach catalog.
    expect(rules.catalog?.from).toEqual(['inventory', 'monolith', 'orders']);
    expect(rules.inventory?.from).toEqual(['monolith', 'orders']);
    expect(rules.orders?.from).toEqual(['monolith']);
    expect(rules.reports?.from).toEqual(['monolith']);
  });

  it('egress reaches the modules it uses and identity (JWKS, its client token), wherever they run', () => {
    const rules = rulesOf(['catalog', 'inventory', 'orders', 'reports']);
    expect(rules.orders?.to).toEqual(['catalog', 'inventory', 'monolith']);
    expect(rules.inventory?.to).toEqual(['catalog', 'monolith']);
    expect(rules.reports?.to).toEqual(['monolith']);
    // catalog uses nothing but still verifies tokens against identity, in the monolith.
    expect(rules.catalog?.to).toEqual(['monolith']);
  });

  it('a module used from inside the monolith is reached through the monolith, so only the gateway gets in', () => {
    const rules = rulesOf(['catalog']);
    expect(rules.catalog?.from).toEqual(['monolith']);
    expect(rules.monolith).toEqual({ from: 'anywhere', to: ['catalog'] });
  });

  it('extracted identity accepts every deployable that verifies tokens; the gateway reaches every extracted one', () => {
    const rules = rulesOf(['identity', 'reports']);
    expect(rules.identity?.from).toEqual(['monolith', 'reports']);
    expect(rules.identity?.to).toEqual([]);
    expect(rules.monolith?.to).toEqual(['identity', 'reports']);
  });

  it('the policy object lets callers in on the HTTP port, denies the rest, and allows DNS, PostgreSQL, Redis and OTLP out', () => {
    const all = deployablesOf(graph, { extract: ['catalog', 'inventory'], replicas: {} });
    const catalog = all.find((d) => d.name === 'catalog');
    if (!catalog) throw new Error('no catalog deployable');
    const policy = networkPolicy(catalog, all, { namespace: 'shop', labels: {}, monitoringNamespace: 'prom', gatewayNamespace: undefined, otlpPort: 4318 });
    policy.validate();
    expect(policy.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec?.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'catalog' } });
    const from = policy.spec?.ingress?.[0]?.from ?? [];
    expect(
      from.map((p) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'] ?? p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']),
    ).toEqual(['inventory', 'monolith', 'prom']);
    expect(policy.spec?.ingress?.[0]?.ports).toEqual([{ protocol: 'TCP', port: 3000 }]);
    const egressPorts = (policy.spec?.egress ?? []).filter((r) => !r.to).flatMap((r) => (r.ports ?? []).map((p) => `${p.protocol}/${p.port}`));
    expect(egressPorts).toEqual(['UDP/53', 'TCP/53', 'TCP/5432', 'TCP/6379', 'TCP/4318']);
  });

  it('a canary lets the Gateway API proxies in: their namespace, or in the application’s own only the pods labelled so', () => {
    const all = deployablesOf(graph, { extract: ['catalog'], replicas: {} });
    const catalog = all.find((d) => d.name === 'catalog');
    if (!catalog) throw new Error('no catalog deployable');
    const peers = (gatewayNamespace: string) =>
      networkPolicy(catalog, all, { namespace: 'shop', labels: {}, monitoringNamespace: 'prom', gatewayNamespace, otlpPort: 4318 }).spec?.ingress?.[0]?.from;
    expect(peers('gateways')).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateways' } } });
    const own = peers('shop') ?? [];
    expect(own).toContainEqual({ podSelector: { matchLabels: { 'cleave/gateway-proxy': 'true' } } });
    expect(own.filter((p) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'shop')).toEqual([]);
  });

  it('the gateway policy has no source restriction: it is the public entry', () => {
    const all = deployablesOf(graph, { extract: ['catalog'], replicas: {} });
    const monolith = all.find((d) => d.name === 'monolith');
    if (!monolith) throw new Error('no monolith deployable');
    const policy = networkPolicy(monolith, all, { namespace: 'shop', labels: {}, monitoringNamespace: 'prom', gatewayNamespace: undefined, otlpPort: 4318 });
    expect(policy.spec?.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 3000 }] }]);
  });
});

describe('PodDisruptionBudget', () => {
  it('exists only where replicas > 1', () => {
    const [monolith, catalog] = deployablesOf(graph, { extract: ['catalog'], replicas: { monolith: 3, catalog: 1 } });
    if (!monolith || !catalog) throw new Error('deployables missing');
    expect(disruptionBudget(catalog, 'shop', {})).toBeUndefined();
    const pdb = disruptionBudget(monolith, 'shop', {});
    pdb?.validate();
    expect(pdb?.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'monolith', 'app.kubernetes.io/instance': 'monolith' } },
    });
  });
});
