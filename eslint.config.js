// One linter config for the whole repo. The layering rules are the point:
// the daemon is plain Node and must never reach for Electron, and the renderer
// sees only the typed client and the contract's types.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.cache/**', '.venv/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['main/daemon/**', 'main/cli/**', 'main/web/**', 'bench/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message:
                'The daemon, CLI and web host are plain Node: inject what you need from main/shell.',
            },
          ],
          patterns: [
            {
              group: ['electron/*', '**/shell/**', '**/renderer/**'],
              message:
                'Imports point down only: the daemon never reaches into the shell or the renderer.',
            },
          ],
        },
      ],
    },
  },
  {
    // SQL lives in the store: everything else calls a named function of
    // main/daemon/store/ over a typed ReadDb or WriteDb handle. (Tests and
    // benchmarks may inspect the database directly.)
    files: ['main/**', 'preload/**', 'renderer/**'],
    ignores: ['main/daemon/store/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression > MemberExpression.callee[property.name='prepare']",
          message:
            'No SQL outside main/daemon/store/: add a named store function (store/<domain>.ts) and call it.',
        },
      ],
    },
  },
  {
    // Tests may exercise the shell's pure policies, but never load Electron itself.
    files: ['test/**', 'e2e/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'Electron cannot run in tests; test the pure parts.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer talks to window.parley only.' }],
          patterns: [
            {
              group: [
                '**/main/daemon/store/**',
                '**/main/daemon/sync/**',
                '**/main/daemon/connectors/**',
                '**/main/shell/**',
                'node:*',
              ],
              message: 'The renderer imports only the API contract types.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/**', 'bin/**', '*.config.*', 'bench/**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
);
