/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 120000,
  // Every core runs test files (jest's default leaves one core to itself, which on two cores runs
  // the suite in a single process); the slowest files start first, from the timings of the last run.
  maxWorkers: '100%',
};
