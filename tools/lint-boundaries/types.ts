import type { IRegularForbiddenRuleType } from 'dependency-cruiser';
import type { SourceIndex } from './source-index.ts';

/** One broken boundary, located at the import or the string that breaks it. */
export interface Finding {
  /** Path relative to the linted root, with forward slashes. */
  file: string;
  /** 1-based line of the import or of the offending string. */
  line: number;
  ruleId: string;
  message: string;
  /** What to do instead, taken from the rule. */
  allowed: string;
}

/** One import edge as dependency-cruiser resolved it; paths are relative to the linted root. */
export interface Dependency {
  from: string;
  /** Resolved path, core module name, or the specifier itself when unresolvable. */
  to: string;
  /** The specifier as written in the source (`node:` prefixes aside). */
  specifier: string;
  couldNotResolve: boolean;
}

/** What a custom check gets: the cruised graph, parsed sources, and the module names. */
export interface CheckContext {
  root: string;
  /** Source files under modules/, platform/ and apps/, relative to root. */
  files: readonly string[];
  dependencies: readonly Dependency[];
  /** Directory names under modules/. */
  moduleNames: readonly string[];
  sources: SourceIndex;
}

/** The `from`/`to` part of a dependency-cruiser forbidden rule. */
export type DepcruiseSpec = Pick<IRegularForbiddenRuleType, 'from' | 'to'>;

interface RuleBase {
  /** Stable id printed with every finding. */
  id: string;
  description: string;
  /** The allowed alternative, printed after the arrow. */
  allowed: string;
}

/** A rule dependency-cruiser evaluates; `message` turns a violating edge into the finding's text. */
export interface DepcruiseRule extends RuleBase {
  kind: 'depcruise';
  depcruise: DepcruiseSpec;
  message: (dependency: Dependency) => string;
}

/** A rule dependency-cruiser cannot express; it reads the graph or the sources itself. */
export interface CheckRule extends RuleBase {
  kind: 'check';
  check: (context: CheckContext, rule: CheckRule) => Finding[];
}

export type BoundaryRule = DepcruiseRule | CheckRule;
