import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'models', 'test-results', 'playwright-report'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.worker, ...globals.node } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', {
        paths: [{ name: 'onnxruntime-web', message: 'Only workers/ort-web.ts imports onnxruntime-web.' }],
      }],
    },
  },
  { files: ['workers/ort-web.ts'], rules: { 'no-restricted-imports': 'off' } },
  // Playwright fixtures call their continuation `use`, which is not a React hook.
  { files: ['e2e/**/*.ts'], rules: { 'react-hooks/rules-of-hooks': 'off' } },
  {
    files: ['src/lib/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'onnxruntime-web', message: 'src/lib talks to onnxruntime through OrtApi only.' }],
        patterns: [{ group: ['**/app/**', '**/store/**', '**/workers/**', 'react', 'react-dom'], message: 'src/lib is pure: no UI, store or worker imports.' }],
      }],
    },
  },
);
