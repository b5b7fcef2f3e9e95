import type { TableData } from '../../platform/compliance/index.ts';
import { reachedBy, type EventfulModule } from '../extract/templates.ts';

/**
 * What the manifests need of a module: a structural subset of `ModuleDefinition`, so the real modules fit as they are
 * and tests can describe a module graph in a line.
 */
export interface K8sModule {
  name: string;
  version: string;
  owner: string;
  costCentre: string;
  uses?: readonly { module: string }[];
  data?: Record<string, TableData>;
  contract?: EventfulModule['contract'] | undefined;
  subscriptions?: EventfulModule['subscriptions'] | undefined;
}

/** How the manifests are made: the command line's flags, checked. */
export interface K8sOptions {
  namespace: string;
  image: string;
  /** Modules that run as deployables of their own; the monolith hosts the rest and is the gateway. */
  extract: string[];
  /** Minimum replicas per deployable (the HPA's floor); 2 unless set. */
  replicas: Record<string, number>;
  /** A canary of an extracted module: a second Deployment on `image`, and an HTTPRoute sending it `weight` percent. */
  canary: { module: string; weight: number; image: string } | undefined;
  /** The Gateway API Gateway the HTTPRoute attaches to, and the namespace its proxies run in (NetworkPolicy). */
  gateway: { name: string; namespace: string };
  /** The tokens' issuer every deployable agrees on; by default the monolith's Service URL. */
  issuer: string | undefined;
  /** OTLP/HTTP endpoint of the telemetry collector; without it no traces are exported (egress still allowed on 4318). */
  otlpEndpoint: string | undefined;
  /** Namespace of Prometheus, allowed to scrape `/metrics`. */
  monitoringNamespace: string;
  /** The application's version (package.json), for labels when the image tag is not a version. */
  appVersion: string;
}

/** One Deployment and what goes with it: the monolith (gateway) or an extracted module. */
export interface Deployable {
  name: string;
  /** `gateway`: the monolith, the public entry that forwards extracted modules' prefixes; `module`: extracted. */
  component: 'gateway' | 'module';
  modules: K8sModule[];
  /** Modules this deployable reaches elsewhere, by name → the deployable hosting them. */
  remote: Record<string, string>;
  replicas: number;
}

export const httpPort = 3000;
export const servicePort = 80;
export const ports = { dns: 53, postgres: 5432, redis: 6379, otlp: 4318 } as const;
/** Where the image keeps the compiled entry points (the image runs `node dist/apps/monolith/main.js` by default). */
export const provisionEntry = ['node', 'dist/apps/provision-databases.js'];
export const defaultReplicas = 2;
/** preStop sleep: time for endpoints and proxies to stop sending new requests before SIGTERM starts the drain. */
export const preStopSeconds = 5;

/** The Service URL of a deployable inside the cluster. */
export const serviceUrl = (deployable: string, namespace: string) => `http://${deployable}.${namespace}.svc`;

/**
 * The deployables: each extracted module alone, the monolith with the rest. Like `npm run extract`, an extracted
 * module reaches the modules it calls and identity (tokens, JWKS) where they run; the monolith forwards to each
 * extracted one.
 */
export function deployablesOf(all: readonly K8sModule[], options: Pick<K8sOptions, 'extract' | 'replicas'>): Deployable[] {
  const extracted = all.filter((m) => options.extract.includes(m.name));
  const kept = all.filter((m) => !options.extract.includes(m.name));
  const hostOf = (module: string) => (options.extract.includes(module) ? module : 'monolith');
  const replicas = (name: string) => options.replicas[name] ?? defaultReplicas;
  const monolith: Deployable = {
    name: 'monolith',
    component: 'gateway',
    modules: kept,
    remote: Object.fromEntries(extracted.map((m) => [m.name, m.name])),
    replicas: replicas('monolith'),
  };
  return [
    monolith,
    ...extracted.map((m): Deployable => {
      return {
        name: m.name,
        component: 'module',
        modules: [m],
        remote: Object.fromEntries(reachedBy(m, all).map((r) => [r, hostOf(r)])),
        replicas: replicas(m.name),
      };
    }),
  ];
}

export { variablePrefix } from '../../platform/config/index.ts';
