import { Job } from 'kubernetes-models/batch/v1';
import type { IEnvVar } from 'kubernetes-models/v1';
import { provisionEntry, type K8sModule } from './model.ts';
import { cpu, memory, resourcesOf } from './resources.ts';
import { adminDatabaseSecret, moduleDatabaseSecret, secretPath } from './secrets.ts';
import { containerSecurityContext, podSecurityContext, secretVolumes, tmpVolume } from './workload.ts';

/**
 * The admin Job: `apps/provision-databases.ts` with the admin login (CREATEDB, CREATEROLE) and each module's URL,
 * creating the databases, the module roles with their passwords and their schemas. The only pod holding the admin
 * login; application pods get their own module's URL alone. Idempotent, so it may run on every apply.
 */
export function adminJob(namespace: string, image: string, modules: readonly K8sModule[], labels: Record<string, string>): Job {
  const secrets = [adminDatabaseSecret, ...modules.map((m) => moduleDatabaseSecret(m.name))];
  const { volumes, mounts } = secretVolumes(secrets);
  const env: IEnvVar[] = [
    { name: 'NODE_ENV', value: 'production' },
    { name: 'LOG_FORMAT', value: 'json' },
    ...secrets.map((s) => ({ name: `${s.variable}_FILE`, value: secretPath(s) })),
  ];
  const r = resourcesOf({ modules: [], replicas: 1 });
  return new Job({
    metadata: { name: 'cleave-db-provision', namespace, labels },
    spec: {
      // PostgreSQL may still be starting: retry with back-off, then keep the finished Job an hour for its logs.
      backoffLimit: 6,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'OnFailure',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext,
          containers: [
            {
              name: 'provision',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: provisionEntry,
              env,
              resources: {
                requests: { cpu: cpu(r.cpuRequestM), memory: memory(r.memoryRequestMi) },
                limits: { cpu: cpu(r.cpuLimitM), memory: memory(r.memoryLimitMi) },
              },
              securityContext: containerSecurityContext,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...mounts],
            },
          ],
          volumes: [tmpVolume, ...volumes],
        },
      },
    },
  });
}
