// One linter config for the whole repo. The layering rules are the point:
// the daemon is plain Node and must never reach for Electron, and the renderer
// sees only the typed client and the contract's types.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const NO_ELECTRON = {
  name: 'electron',
  message: 'The daemon, CLI and web host are plain Node: inject what you need from main/shell.',
};
const NOT_UP = {
  group: ['electron/*', '**/shell/**', '**/renderer/**', '**/preload/**'],
  message: 'Imports point down only: the daemon never reaches into the shell, preload or renderer.',
};

// `import { z } from 'zod'` is zod's whole namespace object, locales included,
// which no bundler can shake: 570 KB more for the daemon worker and the hosts
// to compile at every start (docs/performance.md, cold start).
const WHOLE_ZOD = {
  selector:
    "ImportDeclaration[source.value='zod'][importKind='value'] > ImportSpecifier[imported.name='z']",
  message: "Use `import * as z from 'zod'` so bundles keep only the schemas we use.",
};

/** One no-restricted-imports config per folder: Electron and the UI are out, plus the folder's own rule. */
function layers(table) {
  return Object.entries(table).map(([files, [regex, message]]) => ({
    files: [files],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_ELECTRON],
          patterns: regex ? [NOT_UP, { regex: regex.source, message }] : [NOT_UP],
        },
      ],
    },
  }));
}

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
      'no-restricted-syntax': ['error', WHOLE_ZOD],
    },
  },
  // Layering inside main/: imports point down only, and each folder may reach
  // only the layers below it (docs/architecture.md draws them):
  //   model                 imports nothing of ours (zod only)
  //   store, connectors     import model (connectors also their kit: connectors/*)
  //   sync                  imports connectors and store
  //   api                   imports anything but the shell and the hosts above it
  //   host, cli, web        sit on the daemon; only main/shell and main/index.ts see Electron
  ...layers({
    'main/daemon/model/**': [/^\.\.\//, 'model/ is the ground floor: it imports nothing of ours.'],
    'main/daemon/store/**': [
      /(^|\/)(connectors|sync|api|host|secrets|remoteFetch)\/|(^|\/)daemon\.js$/,
      'The store knows the model only: never connectors, sync, the API or the hosts.',
    ],
    'main/daemon/connectors/**': [
      /(^|\/)(store|sync|api|host|secrets|remoteFetch)\/|(^|\/)daemon\.js$/,
      'A connector knows the model and the connector kit only: it reaches the store through its context.',
    ],
    'main/daemon/sync/**': [
      /(^|\/)(api|host|remoteFetch)\/|(^|\/)daemon\.js$/,
      'Sync drives connectors and writes through the store; it never calls up into the API or the hosts.',
    ],
    'main/daemon/{secrets,remoteFetch}/**': [
      /(^|\/)(store|connectors|sync|api|host)\/|(^|\/)daemon\.js$/,
      'A leaf service: it imports nothing of the daemon above it.',
    ],
    'main/daemon/profile/**': [
      /(^|\/)(connectors|sync|api|host|secrets|remoteFetch)\/|(^|\/)daemon\.js$/,
      'Profile upkeep (backups, archives, export) reads the store and writes files; nothing above.',
    ],
    'main/daemon/api/**': [
      /(^|\/)(host|cli|web|common)\/|(^|\/)daemon\.js$/,
      'The API serves the hosts; it never imports them.',
    ],
    'main/daemon/*.ts': [
      /(^|\/)(host|cli|web)\//,
      'The daemon never imports the hosts that run it.',
    ],
    'main/daemon/host/**': [
      /(^|\/)(cli|web)\//,
      'The worker host runs the daemon; it imports no other host.',
    ],
    'main/{cli,web}/**': [null, null],
    'bench/**': [null, null],
  }),
  {
    // SQL lives in the store: everything else calls a named function of
    // main/daemon/store/ over a typed ReadDb or WriteDb handle. (Tests and
    // benchmarks may inspect the database directly.)
    files: ['main/**', 'preload/**', 'renderer/**'],
    ignores: ['main/daemon/store/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        WHOLE_ZOD,
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
    // The renderer sees the typed client only: the API contract (procedures,
    // events, frames, the chat-list pager) and the model's types, plus the
    // host bridge's types. Nothing of the store, sync, connectors or shell.
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer talks to window.parley only.' }],
          patterns: [
            {
              regex:
                '(^|/)main/(?!daemon/api/(contract|frames|allChats)\\.js$|daemon/model/|common/)',
              message:
                'The renderer imports only the API contract, frames, the model types and main/common.',
            },
            { group: ['node:*'], message: 'The renderer runs in a browser: no Node modules.' },
          ],
        },
      ],
    },
  },
  {
    // The sandboxed preload bridges IPC to window.parley and shares only types.
    files: ['preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(main|renderer)/(?!common/|daemon/api/contract\\.js$)',
              message: 'The preload imports only main/common and the contract types.',
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
