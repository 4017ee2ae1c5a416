/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 120000,
  // Four workers on two cores: the real-server suites mostly wait (Redis replication and Sentinel
  // timers), and they start first (test/slow-first-sequencer.js), so two workers keep both cores
  // busy with the other suites meanwhile.
  maxWorkers: 4,
  testSequencer: '<rootDir>/test/slow-first-sequencer.js',
};
