// ESLint (flat config): `npm run lint`. TypeScript files are linted with type information from
// tsconfig.json (it covers src/, e2e/, bench/, scripts/ and the tool configs); the few plain
// JavaScript files outside it
// (this file, bin/) are linted without. The rule set is typescript-eslint's `recommended` plus a
// chosen handful of type-aware rules that catch real bugs (mostly promises), and the React hooks
// rules for the app. Purely stylistic rules stay off.
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default defineConfig(
  {
    // node_modules/ and .git/ are ignored by ESLint itself.
    ignores: [
      'dist/',
      'public/', // copied verbatim into the build (the service worker); not part of the TypeScript program
      'runs/',
      'tmp/',
      'results/',
      'test-results/',
      'playwright-report/',
      'bench/results/',
      'bench/packs/',
      '.cache/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,mts,cts}'],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Promises: an un-awaited or misused promise loses its rejection or runs out of order.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      // Types: an assertion that changes nothing hides the real type from the reader.
      '@typescript-eslint/no-unnecessary-type-assertion': [
        'error',
        // A TF.js op returns Tensor<R> with the rank R inferred from the `as tf.Tensor2D` around the
        // call; the rule would have every such op spelt tf.op<tf.Rank.R2>(…) instead, the same type.
        { typesToIgnore: ['tf.Scalar', 'tf.Tensor1D', 'tf.Tensor2D', 'tf.Tensor3D', 'tf.Tensor4D'] },
      ],
      '@typescript-eslint/no-duplicate-type-constituents': 'error',
      // Values that misbehave at run time: "[object Object]" in a message, for-in over an array, etc.
      '@typescript-eslint/no-base-to-string': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/no-array-delete': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
      '@typescript-eslint/no-unsafe-unary-minus': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // The repository's convention (as tsc's noUnusedLocals/noUnusedParameters): a leading `_` marks
      // a name that is unused on purpose, and rest siblings drop properties from an object.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Left off from recommendedTypeChecked on purpose: unbound-method (zustand actions and the RNGs'
      // `next` are closures typed with method syntax: every finding was a false alarm), require-await
      // (async functions without await implement Promise-returning interfaces; dropping `async` would
      // turn their rejections into synchronous throws), no-unsafe-* (`any` from JSON.parse: ~140
      // findings, nearly all in tests and scripts reading JSON they wrote themselves), and
      // restrict-template-expressions (no-base-to-string above catches the "[object Object]" case).
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['src/app/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
  },
  {
    files: ['e2e/**/*.ts'],
    rules: {
      // Playwright reads a test's fixtures from its first parameter, so a test that uses none but
      // needs testInfo writes `({}, info) =>`.
      'no-empty-pattern': ['error', { allowObjectPatternsAsParameters: true }],
    },
  },
);
