// @ts-check
/**
 * `npm start`: runs an app's TypeScript entry as one bundled JavaScript module, built by esbuild when its sources
 * changed since the last build. Loading one bundle skips what `node --import tsx` pays at every start (the loader,
 * then transforming and resolving each of several hundred files): the monolith's restart is ready about a second
 * sooner (bench/README.md, "Start-up"). The build itself takes a quarter of a second and happens only after an edit.
 *
 *   node tools/start/launch.mjs [entry.ts] [--build-only] [program arguments…]
 *
 * - The program sees `process.argv` as if run as `node entry.ts <program arguments>` (the launcher's own removed), so
 *   `npm start -- --help` reaches the app's usage.
 *
 * - The bundle goes to `dist/start/<entry path>.mjs` (or `CLEAVE_START_DIR`), with a source map (run node with
 *   `--enable-source-maps` for TypeScript positions in stacks) and `<bundle>.meta.json`: the sources it was built
 *   from and when. Packages stay external, loaded from node_modules as usual.
 * - Fresh means: every source of the last build unchanged (mtime) since that build began, and this file too. An edit
 *   during a build is caught at the next start; a file that is gone or an import that is new changes some source.
 * - `import.meta.url` in a source means that source's place (migrations, assets are found beside it): each use is
 *   rewritten to the source file's URL, relative to the bundle, so the tree can move; `import.meta.filename` and
 *   `import.meta.dirname` likewise (POSIX paths).
 * - Written to a temporary name and renamed, so two starts at once never load a half-written bundle.
 * - A build error prints esbuild's message and exits 1. Without esbuild (a production install) it says what to run
 *   instead: the container image's compiled JavaScript.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '../..');
const self = import.meta.filename;
const args = process.argv.slice(2);
const buildOnly = args.includes('--build-only');
const entryArg = args.find((a) => !a.startsWith('-'));
const entry = resolve(root, entryArg ?? 'apps/monolith/main.ts');
// The rest is the program's: it sees `process.argv` as under `node entry.ts …` (`npm start -- --help` reaches the app).
const programArgs = args.filter((a, i) => a !== '--build-only' && i !== (entryArg === undefined ? -1 : args.indexOf(entryArg)));
const outDir = resolve(root, process.env.CLEAVE_START_DIR || join('dist', 'start'));
const name = relative(root, entry).split(sep).join('/');
const outfile = join(outDir, `${name.startsWith('../') || isAbsolute(name) ? name.replaceAll(/[/:.]+/g, '-') : name.replace(/\.[cm]?ts$/, '')}.mjs`);
const metafile = `${outfile}.meta.json`;

/** @param {string} file */
const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
};

/** True when there is no bundle, or one of the files it was built from (or this launcher) changed since. */
function stale() {
  if (!existsSync(outfile) || !existsSync(metafile)) return true;
  /** @type {{ startedAt: number, inputs: string[] }} */
  let meta;
  try {
    meta = JSON.parse(readFileSync(metafile, 'utf8'));
  } catch {
    return true;
  }
  if (typeof meta.startedAt !== 'number' || !Array.isArray(meta.inputs)) return true;
  return [self, ...meta.inputs.map((input) => resolve(root, input))].some((file) => mtime(file) >= meta.startedAt);
}

/** @param {string} text */
const fail = (text) => {
  process.stderr.write(`${text}\n`);
  process.exit(1);
};

async function build() {
  /** @type {typeof import('esbuild')} */
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return fail(
      'npm start bundles the TypeScript sources with esbuild, a dev dependency, which is not installed here.\n' +
        'Install every dependency (npm ci), or run the compiled JavaScript the container image builds (docs/operations/container-image.md).',
    );
  }
  const startedAt = Date.now();
  /** @type {import('esbuild').Plugin} */
  const sourceUrls = {
    name: 'source-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?ts$/ }, (file) => {
        if (file.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const text = readFileSync(file.path, 'utf8');
        if (!text.includes('import.meta')) return { contents: text, loader: 'ts' };
        const fromBundle = relative(dirname(outfile), file.path).split(sep).join('/');
        const at = (/** @type {string} */ path) => `new URL(${JSON.stringify(path)}, import.meta.url)`;
        const contents = text
          .replaceAll('import.meta.url', `${at(fromBundle)}.href`)
          .replaceAll('import.meta.filename', `decodeURIComponent(${at(fromBundle)}.pathname)`)
          .replaceAll('import.meta.dirname', `decodeURIComponent(${at(`${dirname(fromBundle)}/`)}.pathname).slice(0, -1)`);
        return { contents, loader: 'ts' };
      });
    },
  };
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: `node${process.versions.node.split('.')[0]}`,
      packages: 'external',
      sourcemap: 'linked',
      metafile: true,
      write: false,
      outfile,
      logLevel: 'silent',
      plugins: [sourceUrls],
    });
  } catch (error) {
    const errors = /** @type {{ errors?: import('esbuild').Message[] }} */ (error).errors ?? [];
    const text = errors.length > 0 ? (await esbuild.formatMessages(errors, { kind: 'error' })).join('') : String(error);
    return fail(`npm start: could not build ${name}:\n${text}`);
  }
  mkdirSync(dirname(outfile), { recursive: true });
  const suffix = `.${process.pid}.tmp`;
  for (const file of result.outputFiles) writeFileSync(file.path + suffix, file.contents);
  const inputs = Object.keys(result.metafile.inputs).map((input) => relative(root, resolve(process.cwd(), input)).split(sep).join('/'));
  writeFileSync(metafile + suffix, JSON.stringify({ entry: name, startedAt, inputs }));
  // The map before the bundle naming it, the metadata last: a start that sees the metadata finds both.
  const maps = result.outputFiles.filter((file) => file.path.endsWith('.map'));
  for (const file of [...maps, ...result.outputFiles.filter((f) => !maps.includes(f))]) renameSync(file.path + suffix, file.path);
  renameSync(metafile + suffix, metafile);
  process.stderr.write(`built ${relative(root, outfile)} from ${inputs.length} sources in ${Date.now() - startedAt} ms\n`);
}

if (stale()) await build();
if (!buildOnly) {
  process.argv.splice(1, Number.POSITIVE_INFINITY, entry, ...programArgs);
  await import(pathToFileURL(outfile).href);
}
