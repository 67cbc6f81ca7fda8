// Lint rules for every target. Type-aware rules are left out on purpose: `tsc`
// already type-checks each target in `npm test`, and plain rules keep lint fast.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'release/', 'test-results/', 'coverage/', 'bench/.build/', '.tmp/'] },
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
  {
    // Tests, the fake server, benchmarks and command-line entry points may print.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'main/headless/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
