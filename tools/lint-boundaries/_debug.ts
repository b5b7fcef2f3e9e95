import { cruise } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
const root = process.argv[2] ?? process.cwd();
const ts = `${root}/tsconfig.json`;
const r = await cruise(['modules','platform','apps'], { baseDir: root, tsPreCompilationDeps: true, doNotFollow: { path: 'node_modules' }, tsConfig: { fileName: ts } }, {}, { tsConfig: extractTSConfig(ts) });
if (typeof r.output === 'string') throw new Error();
const mods = r.output.modules;
console.log('modules', mods.length, 'unresolved', mods.filter(m=>m.couldNotResolve).map(m=>m.source));
for (const m of mods.filter(m=>m.source.startsWith('modules/inventory/'))) for (const d of m.dependencies) console.log(m.source, '->', d.module, '=>', d.resolved, d.dependencyTypes.join(','), d.typeOnly);
