import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IIoK8sApiNetworkingV1NetworkPolicyPeer as Peer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import { httpPort, ports, type Deployable } from './model.ts';

/** Who may open connections to a deployable, and which deployables it may reach, from the module graph. */
export interface TrafficRules {
  /** `anywhere`: the public entry (the gateway). Otherwise the deployables allowed in. */
  from: 'anywhere' | string[];
  /** Deployables it calls: the hosts of the modules it uses, identity's (JWKS), and for the gateway every extracted one. */
  to: string[];
}

/**
 * A module accepts traffic only from the gateway (the monolith) and from the deployables that reach one of its modules:
 * those whose modules' `uses` name it, and for identity's host every deployable that verifies tokens (JWKS) or fetches
 * its own (`Deployable.remote` holds exactly these). The gateway accepts traffic from anywhere and reaches every
 * extracted deployable, as it forwards their prefixes.
 */
export function trafficRules(d: Deployable, all: readonly Deployable[]): TrafficRules {
  const others = all.filter((o) => o.name !== d.name);
  const calls = Object.values(d.remote).filter((n) => n !== d.name);
  const to = [...new Set(d.component === 'gateway' ? [...calls, ...others.map((o) => o.name)] : calls)].sort();
  if (d.component === 'gateway') return { from: 'anywhere', to };
  const hosted = new Set(d.modules.map((m) => m.name));
  const callers = others.filter((o) => o.component === 'gateway' || Object.keys(o.remote).some((m) => hosted.has(m)));
  return { from: callers.map((o) => o.name).sort(), to };
}

export interface NetworkPolicyOptions {
  namespace: string;
  labels: Record<string, string>;
  /** Namespace of Prometheus, let in to scrape `/metrics`. */
  monitoringNamespace: string;
  /** Namespace of the Gateway API proxies, let in when an HTTPRoute sends traffic straight to this deployable. */
  gatewayNamespace: string | undefined;
  /** Port of the telemetry collector (OTLP/HTTP). */
  otlpPort: number;
}

const namespacePeer = (name: string): Peer => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
const podsOf = (deployable: string): Peer => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': deployable } } });

/** The label an operator puts on Gateway API proxy pods that run in the application's own namespace. */
export const gatewayProxyLabel = 'cleave/gateway-proxy';

/**
 * The Gateway API proxies' pods: their whole namespace when it is their own, or, in the application's namespace, only
 * the pods labelled `cleave/gateway-proxy: "true"` (that namespace as a whole would let every pod in it reach the module).
 */
const gatewayPeer = (gatewayNamespace: string, namespace: string): Peer =>
  gatewayNamespace === namespace ? { podSelector: { matchLabels: { [gatewayProxyLabel]: 'true' } } } : namespacePeer(gatewayNamespace);

/**
 * The deployable's NetworkPolicy: ingress on the HTTP port from its callers (see `trafficRules`) and Prometheus;
 * egress to DNS, PostgreSQL, Redis, the telemetry collector and the deployables it calls. Anything else is denied.
 */
export function networkPolicy(d: Deployable, all: readonly Deployable[], options: NetworkPolicyOptions): NetworkPolicy {
  const rules = trafficRules(d, all);
  const http = [{ protocol: 'TCP' as const, port: httpPort }];
  const fromPeers: Peer[] = [
    ...(rules.from === 'anywhere' ? [] : rules.from.map(podsOf)),
    ...(options.gatewayNamespace && rules.from !== 'anywhere' ? [gatewayPeer(options.gatewayNamespace, options.namespace)] : []),
    namespacePeer(options.monitoringNamespace),
  ];
  return new NetworkPolicy({
    metadata: { name: d.name, namespace: options.namespace, labels: options.labels },
    spec: {
      // Every instance of the deployable, stable and canary alike.
      podSelector: { matchLabels: { 'app.kubernetes.io/name': d.name } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: rules.from === 'anywhere' ? [{ ports: http }] : [{ from: fromPeers, ports: http }],
      egress: [
        {
          ports: [
            { protocol: 'UDP' as const, port: ports.dns },
            { protocol: 'TCP' as const, port: ports.dns },
          ],
        },
        { ports: [{ protocol: 'TCP' as const, port: ports.postgres }] },
        { ports: [{ protocol: 'TCP' as const, port: ports.redis }] },
        { ports: [{ protocol: 'TCP' as const, port: options.otlpPort }] },
        ...(rules.to.length > 0 ? [{ to: rules.to.map(podsOf), ports: http }] : []),
      ],
    },
  });
}

/**
 * Every pod of the namespace denied by default, DNS and PostgreSQL egress aside (the admin Job needs no more); the
 * deployables' own policies add what their place in the module graph needs (policies add up).
 */
export function defaultDenyPolicy(namespace: string, labels: Record<string, string>): NetworkPolicy {
  return new NetworkPolicy({
    metadata: { name: 'default-deny', namespace, labels },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      egress: [
        {
          ports: [
            { protocol: 'UDP', port: ports.dns },
            { protocol: 'TCP', port: ports.dns },
          ],
        },
        { ports: [{ protocol: 'TCP', port: ports.postgres }] },
      ],
    },
  });
}
