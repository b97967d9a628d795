import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.local/', 'glue-scripts/', '.tmp*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The domain core must stay free of AWS, CDK and the local stand-ins (ARCHITECTURE.md, Layers).
      'no-restricted-imports': 'off',
    },
  },
  {
    // Tests build deliberately malformed inputs; typing each one would hide what is being broken.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['lambdas/core/**/*.ts', 'lambdas/ports/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', '@aws-lambda-powertools/*'], message: 'lambdas/core and lambdas/ports must not depend on AWS or the CDK.' },
        { group: ['**/adapters/**', '**/handlers/**', '**/local/**', '@duckdb/*', 'dynalite', 's3rver'], message: 'lambdas/core must not import adapters, handlers or local stand-ins.' },
      ] }],
    },
  },
  {
    files: ['lambdas/handlers/**/*.ts', 'lambdas/adapters/aws/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/adapters/local/**', '**/local/**', '@duckdb/*', 'dynalite', 's3rver', 'aws-cdk-lib', 'aws-cdk-lib/*'], message: 'Production handlers never load local stand-ins or the CDK.' },
      ] }],
    },
  },
);
