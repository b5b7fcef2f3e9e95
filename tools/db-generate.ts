/**
 * Generates each module's SQL migrations from its drizzle schema with drizzle-kit, one folder per module:
 * `migrations/<module>/`. Usage: `npm run db:generate [-- <module> ...]`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import process from 'node:process';
import { ignoreClosedOutput, parseCommandLine, usageError } from '../platform/cli/index.ts';

ignoreClosedOutput();

const all = readdirSync('modules', { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`modules/${d.name}/infrastructure/schema.ts`))
  .map((d) => d.name);
const command = {
  name: 'db:generate',
  usage: `usage: npm run db:generate [-- <module>...]
  generates each module's SQL migrations from its drizzle schema into migrations/<module>/
  <module>  one or more of ${all.join(', ')} (all by default)`,
};
const wanted = parseCommandLine({ ...command, options: {}, positionals: true }).positionals;
const unknown = wanted.filter((m) => !all.includes(m));
if (unknown.length > 0) usageError(command, `unknown module(s): ${unknown.join(', ')}`);
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
