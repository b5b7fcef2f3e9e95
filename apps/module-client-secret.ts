/**
 * `npm run keys:module-secret -- <module>`: prints module `<module>`'s client secret, derived from MODULE_CLIENT_KEY
 * (or MODULE_CLIENT_KEY_FILE) as the identity module checks it. Run it where the key is (the identity host's
 * configuration) and give the extracted module's host only its own secret as `<MODULE>_CLIENT_SECRET`: a host with
 * the shared key could prove itself as any module. Exit codes: 0 printed, 1 no key configured, 2 bad usage.
 */
import process from 'node:process';
import { ignoreClosedOutput, parseCommandLine, usageError } from '../platform/cli/index.ts';
import { loadConfigOrExit, readEnvironment, variablePrefix } from '../platform/config/index.ts';
import { moduleClientSecret } from '../platform/security/index.ts';
import { loadModules } from './load-modules.ts';

ignoreClosedOutput();

function fail(message: string, code: number): never {
  process.stderr.write(`keys:module-secret: ${message}\n`);
  process.exit(code);
}

const names: readonly string[] = (await loadModules('keys:module-secret')).map((m) => m.name);
const command = {
  name: 'keys:module-secret',
  usage: `usage: npm run keys:module-secret -- <module>
  prints the module's client secret, derived from MODULE_CLIENT_KEY (or MODULE_CLIENT_KEY_FILE)
  <module>  one of ${names.join(', ')}`,
};
const [module, extra] = parseCommandLine({ ...command, options: {}, positionals: true }).positionals;
if (module === undefined || extra !== undefined) usageError(command, 'name exactly one module');
if (!names.includes(module)) usageError(command, `no module named "${module}" (modules: ${names.join(', ')})`);
const config = loadConfigOrExit(readEnvironment(), { command: 'keys:module-secret' });
const key = config.identity.moduleClientKey;
if (!key) fail('MODULE_CLIENT_KEY (or MODULE_CLIENT_KEY_FILE) is not set: the secrets derive from it.', 1);
if (config.identity.moduleClientKeySource === 'development-default') {
  process.stderr.write("keys:module-secret: MODULE_CLIENT_KEY is not set; this is the public development key's secret (development only)\n");
}
const variable = `${variablePrefix(module)}_CLIENT_SECRET`;
process.stderr.write(`keys:module-secret: give this to ${module}'s host as ${variable} (or ${variable}_FILE)\n`);
process.stdout.write(`${moduleClientSecret(key, module)}\n`);
