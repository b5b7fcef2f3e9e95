import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** Parses each source file once (TypeScript compiler API) and answers where things are in it. */
export interface SourceIndex {
  /** The parsed file; `file` is relative to the root. */
  get(file: string): ts.SourceFile;
  /** 1-based line of the first import, export, `import()` or `require()` of `specifier`; 1 if not found. */
  importLine(file: string, specifier: string): number;
  /** The specifier as written: dependency-cruiser reports `node:fs` as `fs`. */
  written(file: string, specifier: string): string;
}

/** String literal nodes that are module specifiers: import and export declarations, `import()`, `require()`, `import('x').T`. */
export function isModuleSpecifier(node: ts.Node): boolean {
  if (!ts.isStringLiteral(node)) return false;
  const parent = node.parent;
  if (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent)) return parent.moduleSpecifier === node;
  if (ts.isExternalModuleReference(parent)) return true;
  if (ts.isCallExpression(parent)) {
    const callee = parent.expression;
    const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
    const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
    return (isImport || isRequire) && parent.arguments[0] === node;
  }
  return ts.isLiteralTypeNode(parent) && ts.isImportTypeNode(parent.parent);
}

/** 1-based line of a position in a parsed file. */
export function lineOf(source: ts.SourceFile, position: number): number {
  return source.getLineAndCharacterOfPosition(position).line + 1;
}

export function createSourceIndex(root: string): SourceIndex {
  const parsed = new Map<string, ts.SourceFile>();
  const specifierLines = new Map<string, Map<string, number>>();

  const get = (file: string): ts.SourceFile => {
    let source = parsed.get(file);
    if (!source) {
      const text = readFileSync(join(root, file), 'utf8');
      source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
      parsed.set(file, source);
    }
    return source;
  };

  const linesOf = (file: string): Map<string, number> => {
    let lines = specifierLines.get(file);
    if (!lines) {
      lines = collectSpecifierLines(get(file));
      specifierLines.set(file, lines);
    }
    return lines;
  };
  const written = (file: string, specifier: string): string => {
    const lines = linesOf(file);
    return !lines.has(specifier) && lines.has(`node:${specifier}`) ? `node:${specifier}` : specifier;
  };
  const importLine = (file: string, specifier: string): number => linesOf(file).get(written(file, specifier)) ?? 1;

  return { get, importLine, written };
}

function collectSpecifierLines(source: ts.SourceFile): Map<string, number> {
  const lines = new Map<string, number>();
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) && isModuleSpecifier(node) && !lines.has(node.text)) lines.set(node.text, lineOf(source, node.getStart(source)));
    ts.forEachChild(node, visit);
  };
  visit(source);
  return lines;
}

function scriptKind(file: string): ts.ScriptKind {
  if (file.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (/\.[cm]?js$/.test(file)) return ts.ScriptKind.JS;
  if (file.endsWith('.jsx')) return ts.ScriptKind.JSX;
  return ts.ScriptKind.TS;
}
