import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { modules } from '../../apps/modules.ts';
import { loadConfig } from '../../platform/config/index.ts';
import { createHost, type Host } from '../../platform/host/index.ts';
import { toJsonText } from '../../tools/contracts/canonical.ts';
import { contractFiles, mergedFile } from '../../tools/contracts/documents.ts';
import { findDrift, repositoryRoot, workingTreeFiles } from '../../tools/contracts/files.ts';
import { testLogger } from '../support/test-host.ts';

type Json = Record<string, unknown>;

const files = contractFiles(modules);
const openapiFiles = [...files.keys()].filter((p) => p.endsWith('.json'));
const asyncapiFiles = [...files.keys()].filter((p) => p.endsWith('.yaml'));
const text = (path: string) => files.get(path) ?? '';

async function openapiErrors(document: unknown): Promise<unknown> {
  const validator = new Validator();
  const result = await validator.validate(document as Json);
  return result.valid && validator.version === '3.1' ? [] : (result.errors ?? `version ${validator.version}`);
}

async function asyncapiErrors(source: string): Promise<string[]> {
  const diagnostics = await new Parser().validate(source);
  return diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).map((d) => `${d.path.join('.')}: ${d.message}`);
}

describe('the generated contract files', () => {
  it('are one OpenAPI and one AsyncAPI file per module, plus the merged document, each ending in one newline', () => {
    expect([...files.keys()]).toEqual([...modules.flatMap((m) => [`contracts/asyncapi/${m.name}.yaml`, `contracts/openapi/${m.name}.json`]), mergedFile].sort());
    for (const content of files.values()) expect(content.endsWith('\n') && !content.endsWith('\n\n')).toBe(true);
  });

  it.each(openapiFiles)('%s is valid OpenAPI 3.1', async (path) => {
    expect(await openapiErrors(JSON.parse(text(path)))).toEqual([]);
  });

  it.each(openapiFiles)('%s has no null that cannot pass: no allOf branch allowing null beside one that does not', (path) => {
    // zod-to-openapi renders `.nullable()` on a named schema as allOf [$ref, {type: [..., null]}]: null fails the $ref,
    // so a generated client or a validator refuses the null the server sends. A union renders anyOf instead.
    const found: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
      if (typeof node !== 'object' || node === null) return;
      const branches = (node as { allOf?: unknown[] }).allOf;
      if (branches?.some((b) => Array.isArray((b as { type?: unknown }).type) && ((b as { type: unknown[] }).type).includes('null'))) found.push(at);
      for (const [key, value] of Object.entries(node)) walk(value, `${at}/${key}`);
    };
    walk(JSON.parse(text(path)), '#');
    expect(found).toEqual([]);
  });

  it('the OpenAPI validator rejects a broken document, so the check above can fail', async () => {
    const broken = JSON.parse(text(mergedFile)) as Json;
    delete broken.info;
    expect(await openapiErrors(broken)).not.toEqual([]);
  });

  it.each(asyncapiFiles)('%s is valid AsyncAPI 3.0', async (path) => {
    expect(await asyncapiErrors(text(path))).toEqual([]);
  });

  it('the AsyncAPI parser rejects a broken document, so the check above can fail', async () => {
    expect(await asyncapiErrors(text('contracts/asyncapi/catalog.yaml').replaceAll('action: send', 'action: publish'))).not.toEqual([]);
  });

  it('describe published events as send and subscriptions as receive, with the envelope around the payload schema', () => {
    const catalog = parseYaml(text('contracts/asyncapi/catalog.yaml')) as { operations: Record<string, Json>; components: { messages: Record<string, { payload: Json }> } };
    const inventory = parseYaml(text('contracts/asyncapi/inventory.yaml')) as { operations: Record<string, Json> };
    expect(Object.entries(catalog.operations).map(([id, op]) => `${id} ${String(op.action)}`)).toEqual([
      'send.catalog.product-archived.v1 send',
      'send.catalog.product-created.v1 send',
      'send.catalog.product-created.v2 send',
      'send.catalog.product-updated.v1 send',
    ]);
    expect(Object.values(inventory.operations).map((op) => `${String(op.action)} ${String(op['x-consumer'])}`)).toEqual([
      'receive inventory:deactivate-stock-item',
      'receive inventory:create-stock-item',
      'receive inventory:follow-product-change',
    ]);
    const payload = catalog.components.messages['catalog.product-created.v1']?.payload as { properties: Record<string, Json>; required: string[] };
    expect(payload.required).toEqual(['id', 'name', 'version', 'occurredAt', 'key', 'correlationId', 'causationId', 'traceparent', 'payload']);
    expect(payload.properties.name).toMatchObject({ const: 'catalog.product-created' });
    expect(payload.properties.version).toMatchObject({ const: 1 });
    expect(Object.keys((payload.properties.payload as { properties: Json }).properties)).toEqual(['productId', 'sku', 'name', 'price']);
  });

  it('are committed as generated (run `npm run openapi` when this fails)', () => {
    expect(findDrift(files, workingTreeFiles(repositoryRoot))).toEqual([]);
  });

  it('generate the same bytes twice', () => {
    expect(contractFiles(modules)).toEqual(files);
  });
});

describe('a host of every module', () => {
  let host: Host;
  beforeAll(async () => {
    const config = loadConfig({ DATA_DIR: 'memory', DEMO_DATA: 'false', LOG_LEVEL: 'silent', MIGRATE_ON_START: 'false' });
    host = await createHost({ config, modules, startRelays: false, logger: testLogger() });
  });
  afterAll(() => host.stop());

  const served = async (path: string) => toJsonText(await (await host.app.request(path)).json());

  it('serves /openapi.json exactly as contracts/openapi/cleave.json, platform routes included', async () => {
    const merged = await served('/openapi.json');
    expect(merged).toBe(text(mergedFile));
    expect(Object.keys((JSON.parse(merged) as { paths: Json }).paths)).toEqual(expect.arrayContaining(['/ops/dead-letters', '/registry']));
  });

  it.each(modules.map((m) => m.name))('serves /%s/openapi.json exactly as contracts/openapi/<module>.json', async (name) => {
    expect(await served(`/${name}/openapi.json`)).toBe(text(`contracts/openapi/${name}.json`));
  });
});
