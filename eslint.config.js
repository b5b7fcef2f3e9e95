// @ts-check
/**
 * ESLint flat config: `npm run lint`. typescript-eslint's recommended rules plus a few type-aware ones that fit
 * STYLE.md (promises always handled, `import type`, no `any` without a reason, no default exports, no `export *`).
 * Boundaries between modules are not checked here but by `npm run lint:boundaries`; formatting is Prettier's job.
 */
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** The TypeScript files tsconfig.json includes, so the type-aware rules always find their project. */
const typedFiles = ['{modules,platform,apps,tests,bench,tools}/**/*.ts', '*.ts'];

/** Files a tool loads by its default export. */
const configFiles = ['*.config.{js,mjs,ts}'];

const noExportAll = { selector: 'ExportAllDeclaration', message: 'List the exports by name (STYLE.md §3), so the public surface shows in diffs.' };

export default defineConfig(
  globalIgnores(['**/node_modules/', '.data/', 'coverage/', 'bench/results/', 'tests/architecture/fixtures/', 'clients/', 'contracts/', 'migrations/']),
  // The JavaScript the container image build compiles (tsconfig.build.json), when built locally.
  globalIgnores(['dist/']),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['**/*.{js,mjs}'],
    extends: [js.configs.recommended],
  },
  {
    // Scripts served to browsers as they are (the operations page): browser globals, no modules.
    files: ['platform/**/assets/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'fetch', 'setInterval', 'Node', 'HTMLElement', 'URLSearchParams', 'AbortSignal'].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: typedFiles,
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A `let` assigned once, after a closure that reads it was made (create-host's `app`), cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      // An `any` that is really needed says why: `// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reason`.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': [
        'error',
        { 'ts-expect-error': 'allow-with-description', 'ts-ignore': true, 'ts-nocheck': true, 'ts-check': false, minimumDescriptionLength: 10 },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use a named export (STYLE.md §7); default exports are for tool config files only.' },
        noExportAll,
      ],
    },
  },
  {
    files: configFiles,
    rules: { 'no-restricted-syntax': ['error', noExportAll] },
  },
  {
    // A folder a test makes itself is easily left in /tmp; tempDir() removes its own, and the run checks (temp-root.ts).
    files: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        ...['node:fs', 'node:fs/promises'].map((name) => ({
          name,
          importNames: ['mkdtemp', 'mkdtempSync'],
          message: 'Make temporary folders with tempDir() or createTempDir() from tests/support/temp-dir.ts.',
        })),
      ],
    },
  },
);
