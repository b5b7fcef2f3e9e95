/**
 * Everything an entry point imports statically is loaded (through tsx, on Node) before the host can start, and counts
 * towards "ready after restart" (budgets in bench/README.md). Packages that only some configurations use load on demand: BullMQ and
 * ioredis (the Redis bus and the registry) are imported dynamically by the host, cockatiel and undici with the first
 * call to a remote module, so a monolith on the in-process bus never pays for them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The packages reachable from `entry` through static imports and re-exports (type-only ones are erased, so they do not
 * count; `import { type X } from 'p'` still loads `p` under verbatimModuleSyntax), following the project's own files.
 */
function staticPackages(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [resolve(root, entry)];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      let specifier: ts.Expression | undefined;
      if (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly) specifier = statement.moduleSpecifier;
      if (ts.isExportDeclaration(statement) && !statement.isTypeOnly) specifier = statement.moduleSpecifier;
      if (!specifier || !ts.isStringLiteral(specifier)) continue;
      const name = specifier.text;
      if (name.startsWith('.')) queue.push(resolve(dirname(file), name));
      else if (!name.startsWith('node:'))
        packages.set(
          name
            .split('/')
            .slice(0, name.startsWith('@') ? 2 : 1)
            .join('/'),
          relative(root, file),
        );
    }
  }
  return packages;
}

const entries = [
  'apps/monolith/main.ts',
  ...readdirSync(join(root, 'apps/extracted'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `apps/extracted/${d.name}/main.ts`),
];
// cockatiel (the remote-call policies) loads with the first call to a remote module, undici with the first send.
const onDemand = ['bullmq', 'ioredis', 'cockatiel', 'undici'];

describe('start-up imports', () => {
  it.each(entries)('%s loads none of BullMQ, ioredis, cockatiel, undici statically', (entry) => {
    const packages = staticPackages(entry);
    expect(packages.size).toBeGreaterThan(0);
    for (const name of onDemand) expect(packages.get(name), `${name}, imported by ${packages.get(name)}`).toBeUndefined();
  });

  it('the check sees a package imported statically (the BullMQ bus imports BullMQ and ioredis; the Node sender undici)', () => {
    const bus = staticPackages('platform/events/bullmq-bus.ts');
    for (const name of ['bullmq', 'ioredis']) expect(bus.has(name)).toBe(true);
    expect(staticPackages('platform/contracts/http-send-undici.ts').has('undici')).toBe(true);
  });
});
