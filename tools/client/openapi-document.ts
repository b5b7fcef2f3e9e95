import { existsSync, readFileSync } from 'node:fs';
import { loadModules } from '../../apps/load-modules.ts';
import { loadConfig } from '../../platform/config/index.ts';
import { createHost } from '../../platform/host/index.ts';

/** Where `npm run openapi` writes the merged OpenAPI 3.1 document of every module. */
export const defaultSpecPath = 'contracts/openapi/cleave.json';

/** A spec path that cannot be used; the command line reports it and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An OpenAPI document as far as the tools need to know it: JSON, with its version and paths. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, unknown>;
  [key: string]: unknown;
}

export interface LoadedDocument {
  document: OpenApiDocument;
  /** Where it came from, for messages: the file, or the module contracts. */
  source: string;
}

/**
 * The merged OpenAPI document: read from `specPath` when given (it must exist), else from
 * `contracts/openapi/cleave.json` when present, else built from the module contracts as `/openapi.json` serves it.
 */
export async function loadOpenApiDocument(specPath?: string): Promise<LoadedDocument> {
  if (specPath !== undefined && !existsSync(specPath)) throw new UsageError(`${specPath} does not exist; run npm run openapi first, or omit --spec`);
  const path = specPath ?? (existsSync(defaultSpecPath) ? defaultSpecPath : undefined);
  if (path === undefined) return { document: await buildOpenApiDocument(), source: 'the module contracts (/openapi.json)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    // JSON.parse quotes the text it stopped at, newlines and all: escaped as in JSON, so the message stays one line.
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\r/g, '\\r').replace(/\n/g, '\\n');
    throw new UsageError(`${path} is not readable JSON: ${reason}`);
  }
  if (!isOpenApi31(parsed)) throw new UsageError(`${path} is not an OpenAPI 3.1 document (no "openapi": "3.1.x" or no "paths")`);
  return { document: parsed, source: path };
}

/**
 * Builds the merged document exactly as a host serves `/openapi.json`: a host of every module, in memory, that
 * migrates nothing, starts no relay and answers one request through its app (no socket).
 */
export async function buildOpenApiDocument(): Promise<OpenApiDocument> {
  const config = loadConfig({ DATA_DIR: 'memory', DEMO_DATA: 'false', LOG_LEVEL: 'silent', MIGRATE_ON_START: 'false' });
  const host = await createHost({ config, modules: await loadModules('client'), startRelays: false });
  try {
    const response = await host.app.request('/openapi.json');
    const document: unknown = await response.json();
    if (!response.ok || !isOpenApi31(document)) throw new Error(`/openapi.json answered ${response.status} without an OpenAPI 3.1 document`);
    return document;
  } finally {
    await host.stop();
  }
}

function isOpenApi31(value: unknown): value is OpenApiDocument {
  if (typeof value !== 'object' || value === null) return false;
  const { openapi, paths } = value as Record<string, unknown>;
  return typeof openapi === 'string' && openapi.startsWith('3.1') && typeof paths === 'object' && paths !== null;
}
