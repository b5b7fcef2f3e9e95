import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { openDatabase, readPgliteImage, type DatabaseHandle } from '../../platform/db/index.ts';

// createRequire: vitest's module runner has no import.meta.resolve (global setups import this file).
const pgliteDist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
const pgliteVersion = (JSON.parse(readFileSync(join(pgliteDist, '..', 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Where the fresh cluster's image is kept between runs: one per PGlite version, beside the other tools' caches
 * (node_modules/.cache is untracked, and `npm ci` starts it over).
 */
export const pgliteImageFile = resolve(import.meta.dirname, '../../node_modules/.cache/cleave', `pglite-${pgliteVersion}-fresh-cluster.tar`);

// Hosts the tests start on DATA_DIR=memory get it as PGLITE_IMAGE (`pgliteImageSetting`), whose folder must exist.
mkdirSync(dirname(pgliteImageFile), { recursive: true });

let image: Promise<Blob> | undefined;

/** The image of a new, empty PGlite cluster, made once per PGlite version and read once per process. */
export function freshPgliteImage(): Promise<Blob> {
  image ??= readPgliteImage(pgliteImageFile).then((read) => read.image);
  return image;
}

/**
 * `PGLITE_IMAGE` for a host the tests start with these settings: the fresh cluster's image when it keeps PGlite in
 * memory and names no image of its own (each such host would otherwise run initdb: 3 to 5 s).
 */
export function pgliteImageSetting(env: Record<string, string | undefined>, dataDir = env.DATA_DIR): Record<string, string> {
  return dataDir === 'memory' && env.PGLITE_IMAGE === undefined ? { PGLITE_IMAGE: pgliteImageFile } : {};
}

/**
 * A new in-memory PGlite database, as `openDatabase({ dataDir: 'memory' })` opens, started from the fresh cluster's
 * image rather than by initdb: a second instead of four, for every database the suites open.
 */
export async function openTestPglite(): Promise<DatabaseHandle> {
  return openDatabase({ dataDir: 'memory', image: await freshPgliteImage() });
}
