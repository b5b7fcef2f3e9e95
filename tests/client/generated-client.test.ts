import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import process from 'node:process';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../tools/client/cli.ts';
import { loadOpenApiDocument, type OpenApiDocument } from '../../tools/client/openapi-document.ts';
import { renderClient, type ClientFiles } from '../../tools/client/render-client.ts';
import { tempDir } from '../support/temp-dir.ts';
import { typeCheck } from './typescript-check.ts';
import { createCleaveClient } from '../../clients/typescript/index.ts';

const clientDir = 'clients/typescript';

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

// Each snippet is type-checked as a file beside this one; `// wrong` marks the line that must not compile.
const usage = (body: string) => `import { createCleaveClient, type Schema } from '../../clients/typescript/index.ts';
const api = createCleaveClient('http://127.0.0.1:3000');
export async function use(productId: string, reservationId: string): Promise<unknown> {
  void reservationId;
${body}
}
export type { Schema };
`;
const snippets = {
  'reads stock, narrowing data and typed problem': `  const { data, error } = await api.GET('/inventory/v1/stock/{productId}', { params: { path: { productId } } });
  if (error) return error.code satisfies string;
  const problem: Schema<'Problem'> = { type: 'urn:cleave:problem:x', title: 'Conflict', status: 409, code: 'x' };
  return [data.available satisfies number, problem];`,
  'a misspelt body field': `  return api.POST('/inventory/v1/stock/{productId}/receipts', { params: { path: { productId } },
    body: { quantiy: 4 } }); // wrong`,
  'a body field of the wrong type': `  return api.PUT('/inventory/v1/reservations/{reservationId}', { params: { path: { reservationId } },
    body: { productId, quantity: '3' } }); // wrong`,
  'a path that is not in the API': `  return api.GET('/inventory/v1/stocks/{productId}', { params: { path: { productId } } }); // wrong`,
  'a missing path parameter': `  return api.GET('/inventory/v1/stock/{productId}'); // wrong`,
  'a response field that does not exist': `  const { data } = await api.GET('/inventory/v1/stock/{productId}', { params: { path: { productId } } });
  return data?.onhand; // wrong`,
  'a token from the environment, as the README shows': `  void api;
  const client = createCleaveClient('http://127.0.0.1:3000', { token: process.env.TOKEN });
  return client.GET('/inventory/v1/stock/{productId}', { params: { path: { productId } } });`,
  'a method the path does not have': `  return api.DELETE('/inventory/v1/stock/{productId}', { params: { path: { productId } } }); // wrong`,
};
const snippetPath = (name: string) => `tests/client/typed-usage-${name.replace(/[^a-z]+/g, '-')}.ts`;

describe('npm run client', () => {
  let document: OpenApiDocument;
  let source: string;
  let files: ClientFiles;
  beforeAll(async () => {
    ({ document, source } = await loadOpenApiDocument());
    files = await renderClient(document);
  }, 60_000);

  it('the committed clients/typescript is what the generator writes for the merged OpenAPI document (run npm run client if this fails)', () => {
    for (const [name, content] of Object.entries(files)) expect(readFileSync(join(clientDir, name), 'utf8'), `${name} from ${source}`).toBe(content);
  });

  it('renders the same files from the same document, and types every path of it', async () => {
    expect(await renderClient(document)).toEqual(files);
    for (const path of Object.keys(document.paths)) expect(files['schema.ts']).toContain(`    ${JSON.stringify(path)}: {`);
    expect(files['index.ts']).toContain('export function createCleaveClient(baseUrl: string, options: CleaveClientOptions = {}): CleaveClient');
  });

  it("tsc accepts the generated client under the repository's strict settings, and rejects wrong fields, paths and methods", () => {
    const checked = typeCheck(
      [`${clientDir}/index.ts`, `${clientDir}/schema.ts`],
      Object.fromEntries(Object.entries(snippets).map(([name, body]) => [snippetPath(name), usage(body)])),
    );

    expect(checked[`${clientDir}/index.ts`]?.errors).toEqual([]);
    expect(checked[`${clientDir}/schema.ts`]?.errors).toEqual([]);
    expect(checked[snippetPath('reads stock, narrowing data and typed problem')]?.errors).toEqual([]);
    expect(checked[snippetPath('a token from the environment, as the README shows')]?.errors).toEqual([]);
    for (const [name, body] of Object.entries(snippets).filter(([, b]) => b.includes('// wrong'))) {
      const wrongLine =
        usage(body)
          .split('\n')
          .findIndex((line) => line.includes('// wrong')) + 1;
      const errors = checked[snippetPath(name)]?.errors ?? [];
      expect(errors.length, `${name} compiled`).toBeGreaterThan(0);
      expect(
        errors.every((e) => e.startsWith(`${wrongLine}: `)),
        `${name}: ${errors.join('; ')}`,
      ).toBe(true);
    }
  });

  it('writes the client where --out says from the --spec document, and --check fails once it is stale', async () => {
    const dir = tempDir('client');
    const spec = join(dir, 'cleave.json');
    writeFileSync(spec, JSON.stringify(document));
    const out = join(dir, 'client');

    expect(await run(['--spec', spec, '--out', out, '--check'])).toMatchObject({ code: 1 });
    expect(await run(['--spec', spec, '--out', out])).toMatchObject({ code: 0, out: [`client: wrote ${out}/schema.ts, ${out}/index.ts from ${spec}`] });
    expect(readFileSync(join(out, 'schema.ts'), 'utf8')).toBe(files['schema.ts']);
    expect(await run(['--spec', spec, '--out', out, '--check'])).toMatchObject({ code: 0 });
    writeFileSync(join(out, 'index.ts'), '// edited\n');
    expect(await run(['--spec', spec, '--out', out, '--check'])).toMatchObject({
      code: 1,
      err: [`client: ${out}/index.ts is out of date with ${spec}; run npm run client -- --spec ${spec} --out ${out}`],
    });
  });

  it('an --out it cannot write exits 1 with one line naming it, and writes nothing', async () => {
    const dir = tempDir('client');
    const spec = join(dir, 'cleave.json');
    writeFileSync(spec, JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {} }));
    writeFileSync(join(dir, 'afile'), '');
    const { code, err } = await run(['--spec', spec, '--out', join(dir, 'afile')]);
    expect(code).toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(new RegExp(`^client: cannot write ${join(dir, 'afile')}/\\w+\\.ts: ${join(dir, 'afile')} is a file, not a folder$`));
  });

  it('a document with an unresolvable $ref exits 2 with one line, and writes nothing', async () => {
    const dir = tempDir('client');
    const spec = join(dir, 'ref.json');
    const schema = { $ref: '#/components/schemas/Nope' };
    const responses = { 200: { description: 'ok', content: { 'application/json': { schema } } } };
    writeFileSync(spec, JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/x': { get: { responses } } } }));
    const { code, err } = await run(['--spec', spec, '--out', join(dir, 'out')]);
    expect(code).toBe(2);
    expect(err).toEqual([
      "client: the OpenAPI document cannot be turned into a client: Can't resolve $ref at #/paths/~1x/get/responses/200/content/application~1json/schema",
    ]);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('a --spec that is not JSON is one line, its newlines escaped as in JSON, exit 2, nothing written', async () => {
    const dir = tempDir('client');
    const spec = join(dir, 'notes.md');
    writeFileSync(spec, '# Cleave\n\nA modular monolith.\r\n');
    const { code, out, err } = await run(['--spec', spec, '--out', join(dir, 'out')]);
    expect(code).toBe(2);
    expect(err[0]).toContain(`client: ${spec} is not readable JSON: Unexpected token '#', "# Cleave\\n\\n`);
    expect(err[0]).not.toMatch(/[\r\n]/);
    expect(out).toEqual([]);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('reads contracts/openapi/cleave.json when it exists instead of building the document from code', async () => {
    const root = tempDir('client');
    mkdirSync(join(root, 'contracts/openapi'), { recursive: true });
    const tiny = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {} };
    writeFileSync(join(root, 'contracts/openapi/cleave.json'), JSON.stringify(tiny));
    const here = process.cwd();
    process.chdir(root);
    try {
      expect(await loadOpenApiDocument()).toEqual({ document: tiny, source: 'contracts/openapi/cleave.json' });
    } finally {
      process.chdir(here);
    }
  });

  it.each([
    [['--colour'], "client: Unknown option '--colour'"],
    [['clients/go'], "client: Unexpected argument 'clients/go'"],
    [['--spec'], "client: Option '--spec <value>' argument missing"],
    [['--spec', 'nowhere/cleave.json'], 'client: nowhere/cleave.json does not exist; run npm run openapi first, or omit --spec'],
    [['--spec', 'package.json'], 'client: package.json is not an OpenAPI 3.1 document'],
    [['--spec', 'README.md'], 'client: README.md is not readable JSON'],
  ])('bad arguments %j exit 2 with a readable message', async (args, message) => {
    const { code, err } = await run(args);

    expect(code).toBe(2);
    expect(err[0]).toContain(message);
  });
});

describe('the generated client at run time', () => {
  /** A server that answers every request as `answer` says, and counts them. */
  async function server(answer: (res: ServerResponse) => void): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
    const requests: string[] = [];
    const listener = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      answer(res);
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => listener.close(() => resolve())) };
  }

  it('refuses a path parameter of . or .. before sending (URL parsing would make it another resource); other odd values are encoded', async () => {
    const upstream = await server((res) => res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"status":404,"code":"x"}'));
    try {
      const api = createCleaveClient(upstream.url);
      for (const productId of ['..', '.'])
        await expect(api.GET('/catalog/v1/products/{id}', { params: { path: { id: productId } } })).rejects.toThrow(/Path parameter id cannot be/);
      expect(upstream.requests).toEqual([]);
      await api.GET('/catalog/v1/products/{id}', { params: { path: { id: '.../a b/%' } } });
      expect(upstream.requests).toEqual(['GET /catalog/v1/products/...%2Fa%20b%2F%25']);
    } finally {
      await upstream.close();
    }
  });

  it('an error answer that is not JSON (a proxy page) or is cut short arrives as a problem with its status; JSON problems pass untouched', async () => {
    const answers = [
      (res: ServerResponse) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>'),
      (res: ServerResponse) => res.writeHead(503, { 'content-type': 'application/problem+json' }).end('{"status":503,"co'),
      (res: ServerResponse) => res.writeHead(409, { 'content-type': 'application/problem+json' }).end('{"status":409,"code":"inventory/insufficient-stock"}'),
    ];
    let next = 0;
    const upstream = await server((res) => answers[next++]?.(res));
    try {
      const api = createCleaveClient(upstream.url);
      const get = async () => (await api.GET('/inventory/v1/stock/{productId}', { params: { path: { productId: 'p' } } })).error;
      expect(await get()).toMatchObject({ status: 502, code: 'client/unreadable-answer', detail: expect.stringContaining('<html><body>Bad gateway') });
      expect(await get()).toMatchObject({ status: 503, code: 'client/unreadable-answer', detail: expect.stringContaining('{"status":503,"co') });
      expect(await get()).toEqual({ status: 409, code: 'inventory/insufficient-stock' });
    } finally {
      await upstream.close();
    }
  });

  it('a success answer cut short rejects the call as a network failure does (the operation may have been done), not as an error answer', async () => {
    const answers = [
      (res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' }).write('{"productId":"p","avail');
        setImmediate(() => res.destroy());
      },
      (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"productId":"p","avail'),
    ];
    let next = 0;
    const upstream = await server((res) => answers[next++]?.(res));
    try {
      const api = createCleaveClient(upstream.url);
      const get = () => api.GET('/inventory/v1/stock/{productId}', { params: { path: { productId: 'p' } } });
      await expect(get()).rejects.toThrow(/terminated|aborted|closed/i);
      await expect(get()).rejects.toThrow(SyntaxError);
    } finally {
      await upstream.close();
    }
  });
});
