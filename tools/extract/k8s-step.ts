import { join } from 'node:path';
import { appVersion, extractedModules, k8sFiles, writeK8sFiles } from '../k8s/files.ts';
import { parseK8sArgs } from '../k8s/args.ts';
import type { K8sModule } from '../k8s/model.ts';

/**
 * `npm run extract -- <m> --k8s`: the Kubernetes manifests of the application as extracted now (every module with an
 * `apps/extracted/<m>/`, the monolith with the rest), written to `<root>/deploy/k8s` with the defaults of
 * `npm run k8s`. Returns what to print.
 */
export function manifestsAfterExtract(root: string, modules: readonly K8sModule[]): string {
  const { options, command } = parseK8sArgs([], { extracted: extractedModules(modules, root), appVersion: appVersion() });
  const { written, removed } = writeK8sFiles(join(root, 'deploy', 'k8s'), k8sFiles(modules, options, command));
  return `
Kubernetes manifests (npm run k8s -- ${command}): deploy/k8s/${written.join(', deploy/k8s/')}${removed.length > 0 ? `; removed ${removed.join(', ')}` : ''}
  apply: kubectl apply -k deploy/k8s   (Secrets and the admin Job: docs/operations/kubernetes.md)
`;
}
