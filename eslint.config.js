// Lint rules that keep the layers of DESIGN.md visible: imports point down only, and stdout belongs
// to the response encoders (no console in driver/, plugins/, lib/).
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: forbidden.map((group) => ({ group: [group], message })) },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['driver/**/*.ts', 'plugins/**/*.ts', 'lib/**/*.ts', 'gc/**/*.ts', 'agent/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  layer(['lib/**/*.ts'], ['**/driver/**', '**/plugins/**', '**/gc/**', '**/tools/**', '**/sim/**', '**/agent/**'], 'lib/ never imports the layers above it'),
  layer(['driver/**/*.ts'], ['**/plugins/**', '**/gc/**', '**/tools/**', '**/sim/**', '**/agent/**'], 'driver/ shares code with other entries only through lib/'),
  layer(['plugins/**/*.ts'], ['**/driver/**', '**/gc/**', '**/tools/**', '**/sim/**', '**/agent/**'], 'plugins/ shares code only through lib/'),
  layer(['gc/**/*.ts'], ['**/driver/**', '**/plugins/**', '**/tools/**', '**/sim/**', '**/agent/**'], 'gc/ shares code only through lib/'),
  layer(['tools/**/*.ts'], ['**/driver/**', '**/plugins/**', '**/gc/**', '**/sim/**', '**/agent/**'], 'tools/ share code only through lib/'),
  // The agent runs the driver's and the plugin's calls (their call modules), nothing else above lib/.
  layer(['agent/**/*.ts'], ['**/gc/**', '**/tools/**', '**/sim/**'], 'agent/ runs driver and plugin calls only'),
  layer(['lib/log/**/*.ts'], ['../*/**', '!./**'], 'lib/log depends on nothing'),
  layer(['lib/blktap/**/*.ts'], ['**/smapi/**'], 'lib/blktap does the host duties; the driver speaks SMAPI'),
  {
    // Every entry opens an SR through lib/sr-context: its discovery, client lifetime and repair choice.
    files: ['driver/**/*.ts', 'plugins/**/*.ts', 'gc/**/*.ts', 'tools/**/*.ts', 'lib/**/*.ts'],
    ignores: ['lib/sr-context/**', 'lib/volume/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='VolumeManager'][property.name='open']", message: 'open the SR through openSrContext (lib/sr-context)' },
      ],
    },
  },
  layer(['sim/**/*.ts'], ['**/test/**'], 'sim/ never imports test/: code shared with bench/ lives in sim/fixtures/'),
  layer(['bench/**/*.ts'], ['**/test/**'], 'bench/ never imports test/: shared fixtures live in sim/fixtures/'),
);
