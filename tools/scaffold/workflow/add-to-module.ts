import ts from 'typescript';

/** A definition to list in the module's `defineModule({ ... })`: under which property, imported from where. */
export interface ModuleAddition {
  property: 'aggregates' | 'projections' | 'sagas';
  /** `ticketAggregate`. */
  binding: string;
  /** Relative to module.ts: `./application/ticket.aggregate.ts`. */
  specifier: string;
}

/**
 * Adds a definition to the source text of a module's `module.ts`: an import after the last import, and the binding at
 * the end of the `defineModule` argument's `property` array (the property is added before `routes` when missing).
 * Works on the syntax tree, so the rest of the file keeps its text; throws when the file has no `defineModule({ ... })`
 * or already lists the binding.
 */
export function addToModule(source: string, addition: ModuleAddition): string {
  const file = ts.createSourceFile('module.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const definition = defineModuleArgument(file);
  if (!definition) throw new Error('module.ts has no `defineModule({ ... })` call with an object literal to add to.');
  const imports = file.statements.filter(ts.isImportDeclaration);
  if (imports.some((i) => ts.isStringLiteral(i.moduleSpecifier) && i.moduleSpecifier.text === addition.specifier)) {
    throw new Error(`module.ts already imports ${addition.specifier}.`);
  }
  const edits: { at: number; text: string }[] = [];
  const importLine = `import { ${addition.binding} } from '${addition.specifier}';`;
  const lastImport = imports.at(-1);
  edits.push(lastImport ? { at: lastImport.getEnd(), text: `\n${importLine}` } : { at: 0, text: `${importLine}\n` });

  const existing = definition.properties.find(
    (p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === addition.property,
  );
  if (existing) {
    if (!ts.isArrayLiteralExpression(existing.initializer))
      throw new Error(`module.ts: \`${addition.property}\` is not an array literal; add ${addition.binding} by hand.`);
    const array = existing.initializer;
    if (array.elements.some((e) => ts.isIdentifier(e) && e.text === addition.binding)) throw new Error(`module.ts already lists ${addition.binding}.`);
    const last = array.elements.at(-1);
    edits.push(last ? { at: last.getEnd(), text: `, ${addition.binding}` } : { at: array.getStart(file) + 1, text: addition.binding });
  } else {
    const routes = definition.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === 'routes');
    const anchor = routes ?? definition.properties.at(-1);
    if (!anchor) throw new Error('module.ts: `defineModule({ ... })` is empty.');
    const text = file.getFullText();
    const lineStart = text.lastIndexOf('\n', anchor.getStart(file)) + 1;
    const indent = /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '  ';
    const line = `${indent}${addition.property}: [${addition.binding}],\n`;
    if (routes) edits.push({ at: lineStart, text: line });
    else edits.push({ at: text.indexOf('\n', anchor.getEnd()) + 1, text: line });
  }
  return edits.sort((a, b) => b.at - a.at).reduce((text, edit) => text.slice(0, edit.at) + edit.text + text.slice(edit.at), source);
}

/** The object literal passed to `defineModule(...)`, wherever the call sits (an exported const, a factory's return). */
function defineModuleArgument(file: ts.SourceFile): ts.ObjectLiteralExpression | undefined {
  let found: ts.ObjectLiteralExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'defineModule') {
      const [argument] = node.arguments;
      if (argument && ts.isObjectLiteralExpression(argument)) found = argument;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}
