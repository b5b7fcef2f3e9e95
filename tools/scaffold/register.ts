import ts from 'typescript';

/** What to add to `apps/modules.ts`: the module's folder name and the name its index.ts exports the definition as. */
export interface Registration {
  module: string;
  /** `loyaltyPointsModule`. */
  binding: string;
}

/**
 * Adds a module to the source text of `apps/modules.ts`: an import of its index.ts among the other module imports
 * (in alphabetical order), and its definition at the end of the exported `modules` array. Works on the syntax tree,
 * so the file's other contents and formatting stay as they are; throws when the file does not have that shape.
 */
export function registerModule(source: string, registration: Registration): string {
  const file = ts.createSourceFile('modules.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const specifier = `../modules/${registration.module}/index.ts`;
  const imports = file.statements.filter(ts.isImportDeclaration);
  const moduleImports = imports.filter((i) => ts.isStringLiteral(i.moduleSpecifier) && i.moduleSpecifier.text.startsWith('../modules/'));
  if (moduleImports.some((i) => (i.moduleSpecifier as ts.StringLiteral).text === specifier)) {
    throw new Error(`apps/modules.ts already imports ${specifier}.`);
  }
  const array = modulesArray(file);
  if (!array) throw new Error('apps/modules.ts has no `export const modules = [...]` to add the module to.');
  if (array.elements.some((e) => ts.isIdentifier(e) && e.text === registration.binding)) {
    throw new Error(`apps/modules.ts already lists ${registration.binding}.`);
  }

  const edits: { at: number; text: string }[] = [];
  const importLine = `import { ${registration.binding} } from '${specifier}';`;
  const before = moduleImports.find((i) => (i.moduleSpecifier as ts.StringLiteral).text.localeCompare(specifier) > 0);
  const after = moduleImports.at(-1) ?? imports.at(-1);
  if (before) edits.push({ at: before.getStart(file), text: `${importLine}\n` });
  else if (after) edits.push({ at: after.getEnd(), text: `\n${importLine}` });
  else edits.push({ at: 0, text: `${importLine}\n` });
  edits.push(arrayEdit(file, array, registration.binding));

  return edits.sort((a, b) => b.at - a.at).reduce((text, edit) => text.slice(0, edit.at) + edit.text + text.slice(edit.at), source);
}

/** The array literal of `export const modules = [...]`, looking through `as const` and `satisfies`. */
function modulesArray(file: ts.SourceFile): ts.ArrayLiteralExpression | undefined {
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.name.text !== 'modules') continue;
      let value = declaration.initializer;
      while (value && (ts.isAsExpression(value) || ts.isSatisfiesExpression(value) || ts.isParenthesizedExpression(value))) value = value.expression;
      if (value && ts.isArrayLiteralExpression(value)) return value;
    }
  }
  return undefined;
}

/** Appends `binding` to the array, one per line if the array is written one per line, else on the same line. */
function arrayEdit(file: ts.SourceFile, array: ts.ArrayLiteralExpression, binding: string): { at: number; text: string } {
  const text = file.getFullText();
  const last = array.elements.at(-1);
  if (!last) return { at: array.getStart(file) + 1, text: binding };
  const multiline = text.slice(array.getStart(file), array.elements[0]?.getStart(file)).includes('\n');
  if (!multiline) return { at: last.getEnd(), text: `, ${binding}` };
  const lineStart = text.lastIndexOf('\n', last.getStart(file)) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '  ';
  if (array.elements.hasTrailingComma) {
    const comma = text.indexOf(',', last.getEnd());
    return { at: comma + 1, text: `\n${indent}${binding},` };
  }
  return { at: last.getEnd(), text: `,\n${indent}${binding}` };
}
