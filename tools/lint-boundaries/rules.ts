import { findModuleCycles } from './module-cycles.ts';
import { findForeignSchemaSql } from './foreign-schema-sql.ts';
import type { BoundaryRule } from './types.ts';

/**
 * The boundary rules of docs/architecture.md ("Layout", "A module"), one row each. A `depcruise` row is handed to dependency-cruiser as a
 * forbidden rule (`$1` in `to` refers to the group captured in `from`); a `check` row reads the cruised graph or the
 * sources itself. Paths are relative to the linted root.
 */
export const boundaryRules: readonly BoundaryRule[] = [
  {
    id: 'module-internals',
    kind: 'depcruise',
    description: "A module imports another module only through that module's index.ts.",
    allowed: 'import it from modules/<other>/index.ts; if what you need is not exported there, ask its owner to add it to the contract',
    depcruise: {
      from: { path: '^modules/([^/]+)/' },
      to: { path: '^modules/[^/]+/', pathNot: ['^modules/$1/', '^modules/[^/]+/index\\.ts$'] },
    },
    message: (d) => `imports the internals of another module: '${d.specifier}' (${d.to})`,
  },
  {
    id: 'platform-imports-module',
    kind: 'depcruise',
    description: 'platform/ never imports a module: the dependency direction is apps → modules → platform.',
    allowed: 'invert it: platform defines an interface or takes a parameter, and the module passes itself in via defineModule or the app wires it',
    depcruise: {
      from: { path: '^platform/' },
      to: { path: '^modules/' },
    },
    message: (d) => `platform code imports a module: '${d.specifier}' (${d.to})`,
  },
  {
    id: 'app-imports-internals',
    kind: 'depcruise',
    description: 'Apps contain wiring only and import a module only through its index.ts.',
    allowed: 'import the module from modules/<m>/index.ts; move logic the app needs into the module and export it there',
    depcruise: {
      from: { path: '^apps/' },
      to: { path: '^modules/[^/]+/', pathNot: '^modules/[^/]+/index\\.ts$' },
    },
    message: (d) => `an app imports module internals: '${d.specifier}' (${d.to})`,
  },
  {
    id: 'module-cycle',
    kind: 'check',
    description: "Modules depend on each other without cycles (graph of imports of other modules' index.ts).",
    allowed: 'make one direction an event subscription instead of an import, or move what both need into the module that owns it',
    check: findModuleCycles,
  },
  {
    id: 'foreign-schema-sql',
    kind: 'check',
    description: "A module's SQL names only its own schema; another module's tables are reached through its contract.",
    allowed: 'call the owning module through its contract client (ctx.client(<contract>)), or keep a local copy fed by its events',
    check: findForeignSchemaSql,
  },
  {
    id: 'domain-purity',
    kind: 'depcruise',
    description: 'A domain file is pure TypeScript: it imports only other files of the same domain folder.',
    allowed: 'keep the domain pure: move I/O and framework code to infrastructure/ or application/, and pass values in as arguments',
    depcruise: {
      // Everything outside the module's own domain folder is forbidden: packages (hono, drizzle-orm, postgres, pino,
      // bullmq, ...), node: built-ins, platform/, ../application, ../infrastructure, other modules. zod too, on
      // purpose: the architecture makes the domain pure TypeScript, and zod schemas are the contract's job (contract/), where
      // they also feed OpenAPI. A domain rule that validates is a plain function returning a domain error.
      from: { path: '^modules/([^/]+)/domain/' },
      to: { pathNot: '^modules/$1/domain/' },
    },
    message: (d) => `a domain file imports '${d.specifier}', which is outside its own domain folder`,
  },
];
