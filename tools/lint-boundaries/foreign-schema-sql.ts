import ts from 'typescript';
import { isModuleSpecifier, lineOf } from './source-index.ts';
import type { CheckContext, CheckRule, Finding } from './types.ts';

/** Words that make a plain string SQL; a string without any of them is a name, a scope or prose. */
const SQL_WORDS = /\b(select|insert|update|delete|from|join|into|table|truncate|alter|references|returning|where)\b/i;
/** A tag or callee that takes SQL: sql`…`, sql.raw('…'), db.execute('…'), client.query('…'), sql.unsafe('…'). */
const SQL_CALLEE = /(^|\.)(sql|raw|execute|query|unsafe)$/;
const SCHEMA_CALLEE = /(^|\.)pgSchema$/;

interface Piece {
  /** The literal's text (raw text for template parts, so line counting matches the source). */
  text: string;
  /** Position of the literal's first character in the file. */
  start: number;
  sql: boolean;
  /** The literal is the argument of pgSchema(…). */
  schemaName: boolean;
}

/**
 * Rule `foreign-schema-sql`: dependency-cruiser sees imports, not SQL. Walks every string and template literal of a
 * module's files (TypeScript AST, so comments and import paths are never read) and reports another module's schema:
 * `"catalog"."products"` always, `catalog.products` when the literal is SQL (sql tag, SQL call, or SQL words in it),
 * and `pgSchema('catalog')` redeclaring its tables. Event names (`catalog.product-created`) are kebab-case: no match.
 */
export function findForeignSchemaSql(context: CheckContext, rule: CheckRule): Finding[] {
  const findings: Finding[] = [];
  for (const file of context.files) {
    const owner = /^modules\/([^/]+)\//.exec(file)?.[1];
    const others = context.moduleNames.filter((name) => name !== owner);
    if (!owner || others.length === 0) continue;
    const names = others.map(escape).join('|');
    const quoted = new RegExp(`"(${names})"\\s*\\.\\s*"?([A-Za-z_][\\w$]*)"?`, 'g');
    const bare = new RegExp(`(?<![\\w$.-])(${names})\\.([A-Za-z_][\\w$]*)(?![\\w$-])`, 'g');
    const source = context.sources.get(file);
    const report = (piece: Piece, index: number, message: string): void => {
      const newlines = piece.text.slice(0, index).split('\n').length - 1;
      findings.push({ file, line: lineOf(source, piece.start) + newlines, ruleId: rule.id, message, allowed: rule.allowed });
    };
    for (const piece of literalPieces(source)) {
      if (piece.schemaName && others.includes(piece.text)) {
        report(piece, 0, `module '${owner}' declares the schema of module '${piece.text}': pgSchema('${piece.text}')`);
      }
      const matches = [...piece.text.matchAll(quoted), ...(piece.sql ? piece.text.matchAll(bare) : [])];
      for (const match of matches) {
        report(piece, match.index, `SQL in module '${owner}' names table '${match[2]}' of module '${match[1]}': ${match[0]}`);
      }
    }
  }
  return findings;
}

function literalPieces(source: ts.SourceFile): Piece[] {
  const pieces: Piece[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) && !isModuleSpecifier(node)) {
      const sql = calledWith(node, SQL_CALLEE, source) || SQL_WORDS.test(node.text);
      pieces.push({ text: node.text, start: node.getStart(source), sql, schemaName: calledWith(node, SCHEMA_CALLEE, source) });
    } else if (ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      const template = templateOf(node);
      const tagged = ts.isTaggedTemplateExpression(template.parent) && SQL_CALLEE.test(template.parent.tag.getText(source));
      const sql = tagged || calledWith(template, SQL_CALLEE, source) || SQL_WORDS.test(template.getText(source));
      pieces.push({ text: node.rawText ?? node.text, start: node.getStart(source), sql, schemaName: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return pieces;
}

/** The whole template a part belongs to, so SQL words in one part make every part SQL. */
function templateOf(node: ts.TemplateLiteralLikeNode): ts.Node {
  if (ts.isNoSubstitutionTemplateLiteral(node)) return node;
  return ts.isTemplateHead(node) ? node.parent : node.parent.parent;
}

/** The node is an argument of a call whose callee text matches. */
function calledWith(node: ts.Node, callee: RegExp, source: ts.SourceFile): boolean {
  const parent = node.parent;
  return ts.isCallExpression(parent) && parent.arguments.some((argument) => argument === node) && callee.test(parent.expression.getText(source));
}

function escape(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}
