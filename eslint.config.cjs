const nx = require('@nx/eslint-plugin');

module.exports = [
  { ignores: ['**/dist', '**/node_modules', '**/var', '**/tmp', '**/.nx', '**/fixtures/**', '**/*.cjs', '**/vendor/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          // The AWS drivers are required on demand (only where a part runs on AWS); elsewhere the lib is imported as usual.
          checkDynamicDependenciesExceptions: ['@dbre/drivers', '@dbre/drivers/aws'],
          // Every lib's tests use libs/testing, which builds on some of those libs: not a real cycle.
          ignoredCircularDependencies: ['service-kit', 'config', 'queue', 'store', 'domain', 'mysql', 'drivers', 'slack', 'docs', 'review'].map((lib) => ['testing', lib]),
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:domain', 'type:adapter', 'type:util', 'type:testing'] },
            // A feature lib owns one capability's steps (libs/access); apps only wire it.
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:domain', 'type:adapter', 'type:util', 'type:testing'] },
            { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:domain', 'type:adapter', 'type:util', 'type:testing'] },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:testing'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:domain', 'type:adapter', 'type:util'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:feature', 'type:domain', 'type:adapter', 'type:util', 'type:testing'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['**/*.test.ts', 'tools/**/*.ts', 'libs/testing/**/*.ts', '**/cli*.ts', '**/bin/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
