/**
 * `npm run keys:module-secret -- <module>`: prints module `<module>`'s client secret, derived from MODULE_CLIENT_KEY
 * (or MODULE_CLIENT_KEY_FILE) as the identity module checks it. Run it where the key is (the identity host's
 * configuration) and give the extracted module's host only its own secret as `<MODULE>_CLIENT_SECRET`: a host with
 * the shared key could prove itself as any module. Exit codes: 0 printed, 1 no key configured, 2 bad usage.
 */
import process from 'node:process';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../platform/config/index.ts';
import { moduleClientSecret } from '../platform/security/index.ts';
import { modules } from './modules.ts';

function fail(message: string, code: number): never {
  process.stderr.write(`keys:module-secret: ${message}\n`);
  process.exit(code);
}

let positionals: string[] = [];
try {
  positionals = parseArgs({ allowPositionals: true, options: {} }).positionals;
} catch (error) {
  fail(error instanceof Error ? error.message : String(error), 2);
}
const names: readonly string[] = modules.map((m) => m.name);
const [module, extra] = positionals;
if (module === undefined || extra !== undefined) fail(`usage: npm run keys:module-secret -- <module> (one of ${names.join(', ')})`, 2);
if (!names.includes(module)) fail(`no module named "${module}" (modules: ${names.join(', ')})`, 2);
const config = loadConfigOrExit();
const key = config.identity.moduleClientKey;
if (!key) fail('MODULE_CLIENT_KEY (or MODULE_CLIENT_KEY_FILE) is not set: the secrets derive from it.', 1);
if (config.identity.moduleClientKeySource === 'development-default') {
  process.stderr.write("keys:module-secret: MODULE_CLIENT_KEY is not set; this is the public development key's secret (development only)\n");
}
const variable = `${module.toUpperCase().replaceAll('-', '_')}_CLIENT_SECRET`;
process.stderr.write(`keys:module-secret: give this to ${module}'s host as ${variable} (or ${variable}_FILE)\n`);
process.stdout.write(`${moduleClientSecret(key, module)}\n`);
