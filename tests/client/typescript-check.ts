import { resolve } from 'node:path';
import ts from 'typescript';

export interface FileDiagnostics {
  /** Errors in the file, as `line: message` (1-based line). */
  errors: string[];
}

/**
 * Type-checks real files and in-memory ones together with the repository's tsconfig.json settings, as `npm run
 * typecheck` would, and returns the errors per file. Virtual files are keyed by a path relative to the repository,
 * so their relative imports resolve as if they were on disk.
 */
export function typeCheck(files: readonly string[], virtual: Record<string, string> = {}): Record<string, FileDiagnostics> {
  const config = ts.getParsedCommandLineOfConfigFile(
    resolve('tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(String(d.messageText));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json could not be read');
  const memory = new Map(Object.entries(virtual).map(([path, text]) => [resolve(path), text]));
  const host = ts.createCompilerHost(config.options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => memory.has(resolve(name)) || fileExists.call(host, name);
  host.readFile = (name) => memory.get(resolve(name)) ?? readFile.call(host, name);
  host.getSourceFile = (name, language, onError, create) => {
    const text = memory.get(resolve(name));
    return text === undefined ? getSourceFile.call(host, name, language, onError, create) : ts.createSourceFile(name, text, language);
  };
  const roots = [...files.map((f) => resolve(f)), ...memory.keys()];
  const program = ts.createProgram({ rootNames: roots, options: config.options, host });
  const result: Record<string, FileDiagnostics> = {};
  for (const [index, root] of roots.entries()) {
    const source = program.getSourceFile(root);
    const key = index < files.length ? (files[index] as string) : (Object.keys(virtual)[index - files.length] as string);
    if (!source) throw new Error(`${key} is not part of the program`);
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    result[key] = {
      errors: diagnostics
        .filter((d) => d.category === ts.DiagnosticCategory.Error)
        .map(
          (d) =>
            `${d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
        ),
    };
  }
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (global.length > 0) throw new Error(global.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'));
  return result;
}
