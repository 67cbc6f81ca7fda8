// Lint rules for every target. Type-aware rules are left out on purpose: `tsc`
// already type-checks each target in `npm test`, and plain rules keep lint fast.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'release/', 'test-results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // ---- Layer boundaries (test/lint/boundaries.test.ts shows each one fails) -------------------
  // Import specifiers are matched as written; every import in the tree is relative or a package.
  {
    // The window talks to the rest only through the contract.
    files: ['renderer/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { regex: '(^|/)(main/(?!contract/)|preload/)', message: 'The window imports only the contract (main/contract/); the rest is behind the API.' },
        { regex: '^(electron|node:)', message: 'The window runs in a browser sandbox: no Electron or Node modules.' },
        {
          regex: '(^|/)contract/api(\\.js)?$',
          allowTypeImports: true,
          message: 'Import only types from contract/api.ts here: its values bring zod into the window bundle, and the CSP reports zod\'s eval probe. Take values from the zod-free contract/connection.ts or contract/bounds.ts.',
        },
      ] }],
    },
  },
  {
    // The core runs and is tested in plain Node; the shells import it, never the other way.
    files: ['main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { regex: '^electron($|/|-)', message: 'The core is Electron-free: Electron glue belongs in main/electron/.' },
        { regex: '(^|/)(electron|headless|preload|renderer)/', message: 'The core must not import a shell (main/electron, main/headless) or the window; they import the core.' },
      ] }],
    },
  },
  {
    // The contract is the leaf every side imports: it imports only its own modules and zod.
    files: ['main/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { regex: '^\\.\\./', message: 'The contract is the leaf: it imports nothing from main/* (only main/contract/ and zod).' },
        { regex: '^(electron|node:)', message: 'The contract is browser-safe: no Electron or Node modules.' },
      ] }],
    },
  },
  {
    // Tests, the fake server, benchmarks and command-line entry points may print.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'main/headless/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
