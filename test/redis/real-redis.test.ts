/**
 * Issue 11: every generated redis.conf runs in a real redis-server, started with the container's
 * exact command and arguments (variables expanded as the kubelet does) on loopback addresses and
 * free ports, with its Sentinels when the Redis is replicated. The documented settings hold on
 * every node, the disabled commands are refused, a password is required, each probe's command
 * passes while the node is up and fails once it is down, the password is in no process's
 * arguments, and the data survives a restart.
 */
import * as fs from 'fs';
import { RedisCacheStatefulSet, type RedisCacheStatefulSetProps, type KubeObject, renderApps } from '../../lib';
import { emm } from '../../apps/emm';
import { supportCopilot } from '../../apps/support-copilot';
import { describeWithPrograms, stopAllProcesses, waitFor } from '../helpers/programs';
import { synth } from '../helpers/synth';
import { cli, cliPipe, type ContainerSpec, generatedRedis, type GeneratedRedis, type LocalNode, LocalRedis } from './local-redis';

/** Contains a quote, a backslash, a space and non-ASCII: whatever a Secret may hold. */
const PASSWORD = 'Pa"ss w\\ord-ü-7';
const REDIS_PROGRAMS = ['redis-server', 'redis-cli', 'redis-sentinel'];

interface Case {
  readonly label: string;
  readonly generated: GeneratedRedis;
}

/** Every Redis of every example app and environment. */
function everyGeneratedRedis(): Case[] {
  return renderApps([emm, supportCopilot]).flatMap((env) => env.objects
    .filter((o: KubeObject) => o.kind === 'StatefulSet' && ((o.spec as { template?: { spec?: { containers?: { name: string }[] } } })?.template?.spec?.containers ?? []).some((c) => c.name === 'redis'))
    .map((o) => ({ label: `${env.app}/${env.environment}/${o.metadata.name}`, generated: generatedRedis(env.objects, o.metadata.name) })));
}

const cases = everyGeneratedRedis();

test('every app and environment has its Redis checked: 6 configurations, 4 of them replicated', () => {
  expect(cases.map((c) => `${c.label} x${c.generated.nodes}`)).toEqual([
    'emm/dev/redis-cache x1', 'emm/staging/redis-cache x3', 'emm/prod/redis-cache x3',
    'support-copilot/dev/task-queue x1', 'support-copilot/staging/task-queue x3', 'support-copilot/prod/task-queue x3',
  ]);
});

/** `maxmemory` and `maxmemory-policy` as redis.conf says them. */
function documented(generated: GeneratedRedis): { maxmemory: string; policy: string; appendonly: string } {
  const conf = generated.files['redis.conf'];
  const value = (key: string) => new RegExp(`^${key} (.+)$`, 'm').exec(conf)?.[1] ?? '';
  return { maxmemory: value('maxmemory'), policy: value('maxmemory-policy'), appendonly: value('appendonly') };
}

/** The command lines of every process running now (what `ps` shows). */
function everyCommandLine(): string[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      return [fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')];
    } catch {
      return [];
    }
  });
}

const probesOf = (container: ContainerSpec) => [container.startupProbe, container.readinessProbe, container.livenessProbe].map((p) => p?.exec?.command).filter((c): c is string[] => c !== undefined);

describeWithPrograms(REDIS_PROGRAMS)('real redis-server from every generated configuration', () => {
  afterAll(stopAllProcesses);

  describe.each(cases.map((c) => [c.label, c] as const))('%s', (label, { generated }) => {
    let local: LocalRedis;
    const replicated = generated.nodes > 1;
    const master = (): LocalNode => local.nodes.find((n) => local.role(n) === 'master') ?? local.nodes[0];

    beforeAll(async () => {
      local = await LocalRedis.create(generated, PASSWORD, label.replace(/\W+/g, '-'));
      try {
        await local.startAll();
        if (replicated) await local.waitForReplication();
      } catch (error) {
        throw new Error(`${String(error)}\n${local.logs()}`);
      }
    });
    afterAll(async () => {
      await local?.stop();
    });

    test('every node answers with the documented maxmemory, eviction policy and append-only file; one master, the others its replicas', () => {
      const conf = documented(generated);
      expect(Number(conf.maxmemory)).toBeGreaterThan(0);
      for (const node of local.nodes) {
        expect([node.ordinal, local.info(node, 'memory', 'maxmemory'), local.info(node, 'memory', 'maxmemory_policy'), local.info(node, 'persistence', 'aof_enabled')])
          .toEqual([node.ordinal, conf.maxmemory, conf.policy, conf.appendonly === 'yes' ? '1' : '0']);
      }
      expect(local.nodes.map((n) => local.role(n))).toEqual(['master', ...Array(generated.nodes - 1).fill('slave')]);
    });

    test('a password is required, by Redis and by the Sentinels', () => {
      for (const node of local.nodes) {
        expect(cli(undefined, node.ip, local.ports.redis, 'GET', 'x')).toMatch(/^NOAUTH/);
        expect(cli('wrong', node.ip, local.ports.redis, 'GET', 'x')).toMatch(/WRONGPASS|invalid password/);
        if (replicated) expect(cli(undefined, node.ip, local.ports.sentinel, 'SENTINEL', 'masters')).toMatch(/^NOAUTH/);
      }
    });

    test('FLUSHALL, FLUSHDB, DEBUG, SHUTDOWN and CONFIG are refused (CONFIG by ACL when Sentinel needs it), and so is REPLICAOF when replicated', () => {
      const node = master();
      for (const command of [['FLUSHALL'], ['FLUSHDB'], ['DEBUG', 'SLEEP', '0'], ['SHUTDOWN', 'NOSAVE']]) {
        expect([command[0], local.redisCli(node, ...command)]).toEqual([command[0], expect.stringMatching(/^ERR unknown command/)]);
      }
      expect(local.redisCli(node, 'CONFIG', 'SET', 'dir', '/tmp')).toMatch(replicated ? /^NOPERM/ : /^ERR unknown command/);
      if (replicated) expect(local.redisCli(node, 'REPLICAOF', 'NO', 'ONE')).toMatch(/^NOPERM/);
      expect(local.ping(node)).toBe('PONG');
    });

    test('the password is on no command line: not in any process\'s arguments, not in the ConfigMap', () => {
      const lines = everyCommandLine();
      expect(lines.some((l) => l.startsWith('redis-server') || l.includes('redis-server '))).toBe(true);
      expect(lines.filter((l) => l.includes(PASSWORD) || l.includes('Pa"ss'))).toEqual([]);
      expect(Object.values(generated.files).join('\n')).not.toContain('Pa"ss');
    });

    test('every probe command of redis (and of the Sentinel) succeeds on every healthy node', () => {
      for (const node of local.nodes) {
        for (const probe of probesOf(generated.redis)) {
          expect([node.ordinal, probe[2], local.exec(generated.redis, probe, node).status]).toEqual([node.ordinal, probe[2], 0]);
        }
        for (const probe of generated.sentinel ? probesOf(generated.sentinel) : []) {
          expect([node.ordinal, probe[2], local.exec(generated.sentinel as ContainerSpec, probe, node).status]).toEqual([node.ordinal, probe[2], 0]);
        }
      }
    });

    test('the data survives a restart of every node: SIGTERM (final save) and SIGKILL (the append-only file, fsync every second)', async () => {
      const keys = Array.from({ length: 50 }, (_, i) => `restart:${i}`);
      const write = (prefix: string) => cliPipe(PASSWORD, master().ip, local.ports.redis, [...keys.map((k) => `SET ${prefix}${k} ${k}`), ...(replicated ? [`WAIT ${generated.nodes - 1} 5000`] : [])]);
      const read = (prefix: string) => cliPipe(PASSWORD, master().ip, local.ports.redis, keys.map((k) => `GET ${prefix}${k}`));
      const restart = async (how: 'stop' | 'kill') => {
        await Promise.all(local.nodes.flatMap((n) => [n.redis, n.sentinel]).map((p) => (how === 'stop' ? p?.stop() : p?.kill())));
        await local.startAll();
        if (replicated) await local.waitForReplication();
      };
      expect(write('term:')).toEqual([...keys.map(() => 'OK'), ...(replicated ? [String(generated.nodes - 1)] : [])]);
      await restart('stop');
      expect(read('term:')).toEqual(keys);
      write('kill:');
      await new Promise((r) => setTimeout(r, 1500));
      await restart('kill');
      expect(read('kill:')).toEqual(keys);
    });

    test('every probe command fails once the node is down', async () => {
      await Promise.all(local.nodes.flatMap((n) => [n.redis, n.sentinel]).map((p) => p?.kill()));
      for (const node of local.nodes) {
        for (const probe of probesOf(generated.redis)) {
          expect([node.ordinal, probe[2], local.exec(generated.redis, probe, node).status]).not.toEqual([node.ordinal, probe[2], 0]);
        }
        for (const probe of generated.sentinel ? probesOf(generated.sentinel) : []) {
          expect([node.ordinal, probe[2], local.exec(generated.sentinel as ContainerSpec, probe, node).status]).not.toEqual([node.ordinal, probe[2], 0]);
        }
      }
    });
  });

  test('save: a snapshot interval of 1 s makes the real server write an RDB snapshot about a second after a change', async () => {
    // GIVEN a single node generated with snapshotIntervalSeconds 1 and no AOF (the app configs use 300 s)
    const props: RedisCacheStatefulSetProps = { snapshotIntervalSeconds: 1, appendOnly: false, replication: { enabled: false } };
    const generated = generatedRedis(synth((p) => { new RedisCacheStatefulSet(p, 'snapshots', props); }).objects, 'snapshots');
    expect(generated.files['redis.conf']).toContain('save 1 1\n');
    const local = await LocalRedis.create(generated, PASSWORD, 'save');
    try {
      await local.startAll();
      const node = local.nodes[0];
      const saves = Number(local.info(node, 'persistence', 'rdb_saves'));
      // WHEN a key changes
      expect(local.redisCli(node, 'SET', 'k', 'v')).toBe('OK');
      // THEN a snapshot follows
      await waitFor('a snapshot holding the change', () => Number(local.info(node, 'persistence', 'rdb_saves')) > saves
        && local.info(node, 'persistence', 'rdb_changes_since_last_save') === '0', 10_000, 100);
      expect(fs.existsSync(`${node.dirs.data}/dump.rdb`)).toBe(true);
    } finally {
      await local.stop();
    }
  });
});
