/**
 * No raw crashes, nothing invalid: every public construct, factory and method, with random
 * valid, invalid and garbage inputs, in dev and in prod. `npm test` runs a small seeded count
 * (FUZZ_RUNS, default 25); `npm run fuzz` runs the campaign (1,000 per target and environment,
 * with Helm 3 and 4 on a sample). Reproduce a failure with the FUZZ_SEED it prints.
 */
import * as fs from 'fs';
import { type EnvName, formatStats, runTarget, TARGETS, type TargetStats } from './campaign';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const SEED = Number(process.env.FUZZ_SEED ?? 20240610);
const HELM_EVERY = Number(process.env.FUZZ_HELM_EVERY ?? 0);
const all: TargetStats[] = [];

afterAll(() => {
  const table = formatStats(all);
  if (process.env.FUZZ_REPORT) {
    fs.writeFileSync(process.env.FUZZ_REPORT, `${table}\n`);
  }
});

test('there are targets in both environments', () => {
  expect(TARGETS.length).toBeGreaterThan(10);
});

describe.each(['dev', 'prod'] as EnvName[])('in %s', (env) => {
  test.each(TARGETS.map((t) => [t.name, t] as const))('%s: every run succeeds with valid output or fails with a SynthesisError', (_, target) => {
    const stats = runTarget(target, env, RUNS, SEED, HELM_EVERY);
    all.push(stats);
    expect(stats.runs).toBe(RUNS);
    expect(stats.crashes.slice(0, 3)).toEqual([]);
    expect(stats.invalid.slice(0, 3)).toEqual([]);
    expect(stats.helmFailures.slice(0, 3)).toEqual([]);
    expect(stats.successes + stats.cleanErrors).toBe(RUNS);
  });
});
