import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// One lint setup for the whole tree. Size caps follow pepr's (warnings: they point at code to split).
export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'proto/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-restricted-exports': ['error', { restrictDefaultExports: { direct: true, named: true, defaultFrom: true, namedFrom: true, namespaceFrom: true } }],
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      complexity: ['warn', 12],
      'max-depth': ['warn', 3],
      'max-params': ['warn', 4],
    },
  },
  {
    // No unhandled rejection: every promise is awaited, returned, or has a rejection handler. `void` alone does not
    // count (ignoreVoid: false); `void p.catch(handler)` does. Typed linting through the project service, only
    // where the rule is on (tests keep their exemption below and are parsed without types, which keeps lint fast).
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['**/*.test.ts', 'test/**'],
    languageOptions: {
      parserOptions: {
        projectService: {
          // Scripts, benches and examples belong to tsconfig.tools.json, which no tsconfig.json references.
          allowDefaultProject: ['scripts/*.ts', 'scripts/dev/*.ts', 'scripts/proto/*.ts', 'bench/*.ts', 'docs/examples/*.ts'],
          defaultProject: 'tsconfig.tools.json',
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 40,
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: { '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }] },
  },
  {
    // Migrations are frozen in time: they take Kysely<any>, never the app's table types.
    files: ['**/migrations/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['eslint.config.js'],
    rules: { 'no-restricted-exports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The sample project's apps run on Node in their images (npm run images).
    files: ['test/fixtures/**/*.mjs'],
    languageOptions: { globals: { fetch: 'readonly', AbortSignal: 'readonly', Buffer: 'readonly', setTimeout: 'readonly' } },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
);
