import type { Config } from 'jest';

// One jest config for the whole repo. Tests are TypeScript run as ESM through SWC (fast, no type-check: `npm test`'s
// pretest does that, sources with `tsc -b`, tests with tsconfig.test.json). Workspace packages resolve to their sources, so unit tests need no build;
// integration tests start the built apps (`dist/`) as real processes, as production does.
const transform: Config['transform'] = {
  '^.+\\.tsx?$': [
    '@swc/jest',
    {
      jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2022', transform: { react: { runtime: 'automatic' } } },
      module: { type: 'es6' },
      sourceMaps: 'inline',
    },
  ],
};

const common = {
  extensionsToTreatAsEsm: ['.ts', '.tsx'],
  transform,
  moduleNameMapper: {
    '^@netra/(contracts|config|observability|db|bus|runs|usage|llm|agents|webhooks|watch)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
} satisfies Partial<Config>;

const config: Config = {
  maxWorkers: 2,
  // A worker that ran the process-heavy suites takes longer than jest's default 500 ms to exit on its own, and
  // was then force-killed with a "failed to exit gracefully" warning. With 10 s, a full run had no force exit
  // (suite 297 s, wall 302 s). Checked for leaks first: at the start of every test file the worker held only its
  // own pipes and the hook's timer, however many suites it had run before.
  workerGracefulExitTimeout: 10_000,
  // Only a guard against a hang: integration tests start real processes, and the waits inside them stretch with the
  // machine's load (test/support/processes.ts scaledTimeout). At load 6–16 on 2 cores a stack took over 60 s to
  // start, so a 60 s guard failed healthy tests; 5 minutes still ends a real hang well inside CI's budget.
  testTimeout: 300_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      rootDir: '.',
      testMatch: ['<rootDir>/{packages,apps}/*/test/**/*.test.ts?(x)'],
    },
    {
      ...common,
      displayName: 'integration',
      rootDir: '.',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
    {
      // The web client in a real browser (Debian's Chromium via playwright-core) against the real gateway + worker.
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
  ],
};

export default config;
