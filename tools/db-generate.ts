/**
 * Generates each module's SQL migrations from its drizzle schema with drizzle-kit, one folder per module:
 * `migrations/<module>/`. Usage: `npm run db:generate [-- <module> ...]`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import process from 'node:process';

const all = readdirSync('modules', { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`modules/${d.name}/infrastructure/schema.ts`))
  .map((d) => d.name);
const wanted = process.argv.slice(2);
const unknown = wanted.filter((m) => !all.includes(m));
if (unknown.length > 0) {
  console.error(`Unknown module(s): ${unknown.join(', ')}. Modules with a schema: ${all.join(', ')}.`);
  process.exit(2);
}
for (const module of wanted.length > 0 ? wanted : all) {
  const args = [
    'drizzle-kit',
    'generate',
    '--dialect',
    'postgresql',
    '--schema',
    `modules/${module}/infrastructure/schema.ts`,
    '--out',
    `migrations/${module}`,
    '--name',
    module,
  ];
  console.log(`> ${module}`);
  const result = spawnSync('npx', args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
