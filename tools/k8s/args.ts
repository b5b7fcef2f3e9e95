import { parseArgsOnce, wholeNumber } from '../../platform/cli/index.ts';
import type { K8sOptions } from './model.ts';

/** Bad flags: the command line prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Where the manifests go by default. */
export const defaultOut = 'deploy/k8s';

export const usage = `usage: npm run k8s -- [--module <m>]... | [--all-in-one] [--out deploy/k8s] [--image <image>] [--namespace cleave]
  [--replicas <deployable>=<n>]... [--canary <module>=<percent> [--canary-image <image>]] [--gateway <name>]
  [--gateway-namespace <ns>] [--issuer <origin>] [--otlp-endpoint <url>] [--monitoring-namespace monitoring] [--check] [--help]`;

export interface K8sCommand {
  options: K8sOptions;
  out: string;
  check: boolean;
  help: boolean;
  /** The flags that made the output, as the files' header repeats them. */
  command: string;
  /** The same flags one by one, to say what to run. */
  commandArgs: string[];
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Whether `value` reads as an OCI image reference (`registry.example/cleave:1.2.0`): lower-case start, no spaces. */
export function isImageReference(value: string): boolean {
  return /^[a-z0-9][\w./:@-]*$/.test(value);
}

/** `name=value` pairs of a repeated flag, each value a whole number in `[min, max]`. */
function pairs(flag: string, values: readonly string[], min: number, max: number): [string, number][] {
  return values.map((v) => {
    const match = /^([a-z][a-z0-9-]*)=(.*)$/.exec(v);
    const n = wholeNumber(match?.[2] ?? '', min, max);
    if (!match?.[1] || n === undefined) throw new UsageError(`--${flag} must be <name>=<whole number from ${min} to ${max}>, got "${v}"`);
    return [match[1], n];
  });
}

function url(flag: string, value: string | undefined, origin = false): string | undefined {
  if (value === undefined) return undefined;
  const shape = origin ? /^https?:\/\/[^\s/?#]+$/ : /^https?:\/\/[^\s/]+(\/\S*)?$/;
  const wanted = origin ? 'origin such as https://api.example.com' : 'URL';
  if (!shape.test(value)) throw new UsageError(`--${flag} must be an http(s) ${wanted}, got "${value}"`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`--${flag} must be an http(s) ${wanted}, got "${value}" (not a valid URL: a port above 65535, say)`);
  }
  // The value goes into a ConfigMap, and manifests never hold secret values: credentials belong in a Secret.
  if (parsed.username !== '' || parsed.password !== '')
    throw new UsageError(`--${flag} must not carry credentials (user:password@): manifests hold no secrets; give credentials through a Secret`);
  return value;
}

/**
 * Parses and checks the flags. `extracted` is the default of `--module`: the modules already extracted with
 * `npm run extract` (those with `apps/extracted/<m>/`), so the plain command reproduces the committed manifests;
 * `--all-in-one` extracts none.
 */
export function parseK8sArgs(args: readonly string[], defaults: { extracted: string[]; appVersion: string }): K8sCommand {
  let values;
  try {
    values = parseArgsOnce({
      args: [...args],
      options: {
        module: { type: 'string', multiple: true },
        'all-in-one': { type: 'boolean', default: false },
        out: { type: 'string', default: defaultOut },
        image: { type: 'string', default: `cleave:${defaults.appVersion}` },
        namespace: { type: 'string', default: 'cleave' },
        replicas: { type: 'string', multiple: true, default: [] },
        canary: { type: 'string' },
        'canary-image': { type: 'string' },
        gateway: { type: 'string', default: 'cleave' },
        'gateway-namespace': { type: 'string' },
        issuer: { type: 'string' },
        'otlp-endpoint': { type: 'string' },
        'monitoring-namespace': { type: 'string', default: 'monitoring' },
        check: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.out.trim() === '') throw new UsageError('--out needs a folder');
  for (const flag of ['namespace', 'gateway', 'gateway-namespace', 'monitoring-namespace'] as const) {
    const v = values[flag];
    if (v !== undefined && !dnsLabel.test(v)) throw new UsageError(`--${flag} must be a DNS label (lower-case letters, digits, dashes), got "${v}"`);
  }
  for (const flag of ['image', 'canary-image'] as const) {
    const v = values[flag];
    if (v !== undefined && !isImageReference(v)) throw new UsageError(`--${flag} must be an image reference such as registry.example/cleave:1.2.0, got "${v}"`);
  }
  if (values['all-in-one'] && values.module) throw new UsageError('--all-in-one runs every module in the monolith: give it or --module, not both');
  const extract = values['all-in-one'] ? [] : [...new Set(values.module ?? defaults.extracted)];
  const canary = values.canary === undefined ? undefined : pairs('canary', [values.canary], 0, 100)[0];
  if (values['canary-image'] !== undefined && !canary) throw new UsageError('--canary-image needs --canary <module>=<percent>');
  const options: K8sOptions = {
    namespace: values.namespace,
    image: values.image,
    extract,
    replicas: Object.fromEntries(pairs('replicas', values.replicas, 1, 100)),
    canary: canary ? { module: canary[0], weight: canary[1], image: values['canary-image'] ?? values.image } : undefined,
    gateway: { name: values.gateway, namespace: values['gateway-namespace'] ?? values.namespace },
    issuer: url('issuer', values.issuer, true),
    otlpEndpoint: url('otlp-endpoint', values['otlp-endpoint']),
    monitoringNamespace: values['monitoring-namespace'],
    appVersion: defaults.appVersion,
  };
  // The header repeats what shapes the output, so the files say how to make them again: the modules (defaults
  // included), then the other flags as given; not where the files go or whether they are only checked.
  const commandArgs = [...extract.flatMap((m) => ['--module', m]), ...shapingFlags(args)];
  return { options, out: values.out, check: values.check, help: values.help, command: commandArgs.join(' '), commandArgs };
}

/** The flags as given, without `--module`, `--out` (each with its value) and `--check`. */
function shapingFlags(args: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const a = args[i] as string;
    if (a === '--module' || a === '--out') i += 1;
    else if (a !== '--check' && a !== '--help' && !a.startsWith('--module=') && !a.startsWith('--out=')) kept.push(a);
  }
  return kept;
}
