import type { Deployable, K8sOptions } from './model.ts';

/**
 * A label value from any text: characters outside `[A-Za-z0-9._-]` become `-`, ends trimmed to alphanumerics, at most
 * 63 characters (Kubernetes label syntax). Empty when nothing is left.
 *
 * @example
 * labelValue('Team Platform / Security') // 'Team-Platform-Security'
 */
export function labelValue(text: string): string {
  const trim = (s: string) => s.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
  return trim(trim(text.replace(/[^A-Za-z0-9._-]+/g, '-')).slice(0, 63));
}

/** The application's name in `app.kubernetes.io/part-of`, and the tool in `managed-by`. */
export const partOf = 'cleave';
export const managedBy = 'cleave-k8s';

/** The version label: the image's tag when it looks like a version, else the application's version. */
export function versionOf(image: string, appVersion: string): string {
  const tag = /:([^:/@]+)(@.*)?$/.exec(image)?.[1];
  return labelValue(tag && /^v?\d/.test(tag) ? tag : appVersion);
}

/** Labels that pick a deployable's pods: stable across releases, as a Deployment's selector must be. */
export function selectorLabels(name: string, instance = name): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance };
}

/**
 * The recommended `app.kubernetes.io/*` labels, plus `owner` and `cost-centre` from `defineModule` (what cost tools
 * group by). A deployable hosting modules of several owners says `shared`; its annotations list them.
 */
export function deployableLabels(d: Deployable, options: Pick<K8sOptions, 'appVersion'>, image: string, instance = d.name): Record<string, string> {
  const owners = [...new Set(d.modules.map((m) => m.owner))];
  const centres = [...new Set(d.modules.map((m) => m.costCentre))];
  return {
    ...selectorLabels(d.name, instance),
    'app.kubernetes.io/version': versionOf(image, options.appVersion),
    'app.kubernetes.io/component': d.component,
    'app.kubernetes.io/part-of': partOf,
    'app.kubernetes.io/managed-by': managedBy,
    owner: owners.length === 1 ? labelValue(owners[0] as string) : 'shared',
    'cost-centre': centres.length === 1 ? labelValue(centres[0] as string) : 'shared',
  };
}

/** Which modules a deployable hosts, at which version, and who owns each: what labels cannot hold. */
export function deployableAnnotations(d: Deployable): Record<string, string> {
  return {
    'cleave/modules': d.modules.map((m) => `${m.name}@${m.version}`).join(','),
    'cleave/owners': d.modules.map((m) => `${m.name}=${m.owner}`).join(','),
    'cleave/cost-centres': d.modules.map((m) => `${m.name}=${m.costCentre}`).join(','),
  };
}

/** Labels of the namespace-level objects (Namespace, quota, limits, admin Job). */
export function platformLabels(component: string, version: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': partOf,
    'app.kubernetes.io/instance': partOf,
    'app.kubernetes.io/version': version,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': partOf,
    'app.kubernetes.io/managed-by': managedBy,
  };
}
