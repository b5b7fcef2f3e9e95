import type { ModuleContext } from '../../../platform/host/index.ts';

/** What catalog's use cases need from the host. */
export type CatalogDeps = Pick<ModuleContext, 'db' | 'transaction' | 'outbox'>;
