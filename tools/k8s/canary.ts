import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
import { servicePort, type Deployable, type K8sOptions } from './model.ts';

/** The canary's Deployment and Service names, and the stable Service's, for module `m`. */
export const canaryNames = (m: string) => ({ deployment: `${m}-canary`, stable: `${m}-stable`, canary: `${m}-canary` });

/**
 * A Gateway API HTTPRoute for the application behind a Gateway: the canaried module's prefix split by weight between
 * its stable and canary Services, everything else to the monolith (the gateway, which serves or forwards the rest).
 */
export function canaryRoute(
  canary: NonNullable<K8sOptions['canary']>,
  options: Pick<K8sOptions, 'namespace' | 'gateway'>,
  labels: Record<string, string>,
): HTTPRoute {
  const names = canaryNames(canary.module);
  return new HTTPRoute({
    metadata: { name: 'cleave', namespace: options.namespace, labels },
    spec: {
      parentRefs: [{ name: options.gateway.name, namespace: options.gateway.namespace }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: `/${canary.module}` } }],
          backendRefs: [
            { name: names.stable, port: servicePort, weight: 100 - canary.weight },
            { name: names.canary, port: servicePort, weight: canary.weight },
          ],
        },
        { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'monolith', port: servicePort }] },
      ],
    },
  });
}

/** The canaried deployable, or a readable reason why `module` cannot have a canary. */
export function canaryTarget(module: string, deployables: readonly Deployable[]): Deployable | string {
  const target = deployables.find((d) => d.component === 'module' && d.name === module);
  return target ?? `--canary ${module}: only an extracted module has a deployment of its own to canary; extract it with --module ${module}`;
}
