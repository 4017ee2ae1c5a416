// @ts-check
const Sequencer = require('@jest/test-sequencer').default;

/**
 * The suites that spend most of their time waiting on real servers (Redis replication and
 * Sentinel timers, MCP servers, npm): they start first, in this order, so that their waiting
 * overlaps the CPU-bound suites instead of trailing after them. Jest orders by the durations of
 * the last run only when its cache has them, and CI starts without a cache.
 */
const WAITING_SUITES = [
  'test/redis/failover.test.ts',
  'test/redis/real-redis.test.ts',
  'test/package/pack.test.ts',
  'test/mcp/real-client.test.ts',
];

class SlowFirstSequencer extends Sequencer {
  /** @param {import('@jest/test-result').Test[]} tests */
  sort(tests) {
    const rank = (/** @type {import('@jest/test-result').Test} */ test) => {
      const index = WAITING_SUITES.findIndex((suite) => test.path.endsWith(suite));
      return index < 0 ? WAITING_SUITES.length : index;
    };
    const sorted = super.sort(tests);
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowFirstSequencer;
