import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.local/', 'glue-scripts/', '.tmp*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // Tests build deliberately malformed inputs; typing each one would hide what is being broken.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The domain core must stay free of AWS, CDK and the local stand-ins (docs/architecture.md, "Layers").
    files: ['lambdas/core/**/*.ts', 'lambdas/ports/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', '@aws-lambda-powertools/*'],
              message: 'lambdas/core and lambdas/ports must not depend on AWS or the CDK.',
            },
            {
              group: ['**/adapters/**', '**/handlers/**', '**/steps/**', '**/local/**', '@duckdb/*', 'dynalite', 's3rver'],
              message: 'lambdas/core must not import the application layer, adapters, handlers or local stand-ins.',
            },
          ],
        },
      ],
    },
  },
  {
    // The application layer composes the core through ports; it never builds an adapter itself.
    files: ['lambdas/steps/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*', '**/adapters/**', '**/handlers/**', '**/local/**', '@duckdb/*'],
              message: 'lambdas/steps depends on the core and the ports only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lambdas/handlers/**/*.ts', 'lambdas/adapters/aws/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/adapters/local/**', '**/local/**', '@duckdb/*', 'dynalite', 's3rver', 'aws-cdk-lib', 'aws-cdk-lib/*'],
              message: 'Production handlers never load local stand-ins or the CDK.',
            },
          ],
        },
      ],
    },
  },
);
