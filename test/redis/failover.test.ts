/**
 * Issue 13, item 3: the generated replicated Redis of support-copilot (prod) runs as real
 * redis-server and redis-sentinel processes with the generated HAProxy in front. Writes are
 * acknowledged with WAIT by the replicas; then the primary's pod is lost (its Redis and its
 * Sentinel are SIGKILLed, as when its node dies). A replica must be promoted within the configured
 * failover timeout, every acknowledged write must still be there, the clients that follow the
 * generated settings (Sentinel-aware, plain through HAProxy, and KEDA's redis-sentinel trigger)
 * must find the new primary, and the old primary must rejoin as a replica when its pod restarts.
 * Several failovers in a row, each timed.
 */
import * as fs from 'fs';
import { type KubeObject, renderApps, type RenderedEnvironment } from '../../lib';
import { supportCopilot } from '../../apps/support-copilot';
import { describeWithPrograms, stopAllProcesses, waitFor } from '../helpers/programs';
import { at } from '../helpers/synth';
import { cli, cliPipe, type ContainerSpec, expandVariables, generatedRedis, kubeletEnv, type LocalNode, LocalRedis } from './local-redis';

const PASSWORD = 'fail"over pass\\word';
const NAME = 'task-queue';
const RUNS = 3;

const env: RenderedEnvironment = (() => {
  const found = renderApps([supportCopilot]).find((e) => e.environment === 'prod');
  if (!found) throw new Error('no support-copilot prod');
  return found;
})();
const objectOf = (kind: string, name: string): KubeObject => {
  const found = env.objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const generated = generatedRedis(env.objects, NAME);
const sentinelConf = generated.files['sentinel.conf'];
const setting = (key: string) => Number(new RegExp(`^sentinel ${key} ${NAME} (\\d+)$`, 'm').exec(sentinelConf)?.[1]);
const FAILOVER_TIMEOUT_MS = setting('failover-timeout');
const DOWN_AFTER_MS = setting('down-after-milliseconds');

/** The worker's environment as the kubelet gives it: the Redis variables, the password expanded into the URLs. */
function workerEnv(): Record<string, string> {
  const container = (at(objectOf('Deployment', 'copilot-worker'), 'spec.template.spec.containers') as ContainerSpec[])[0];
  const redis = { ...container, env: (container.env ?? []).filter((e) => e.name.startsWith('REDIS_')) };
  return kubeletEnv(redis, { name: 'copilot-worker-0' }, { 'task-queue-auth/password': PASSWORD });
}

/** `redis+sentinel://:password@host:port/master/db`, as REDIS_SENTINEL_URL gives it. */
function parseSentinelUrl(url: string): { password: string; host: string; port: number; master: string; db: number } {
  const match = /^redis\+sentinel:\/\/:(.*)@([^:@/]+):(\d+)\/([^/]+)\/(\d+)$/s.exec(url);
  if (!match) throw new Error(`not a sentinel URL: ${url}`);
  return { password: match[1], host: match[2], port: Number(match[3]), master: match[4], db: Number(match[5]) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

describeWithPrograms(['redis-server', 'redis-cli', 'redis-sentinel', 'haproxy'])('a real failover of the generated Redis (support-copilot prod)', () => {
  let local: LocalRedis;
  const acknowledged: string[] = [];
  const promotions: number[] = [];

  beforeAll(async () => {
    local = await LocalRedis.create(generated, PASSWORD, 'failover');
    try {
      await local.startAll();
      await local.startProxy();
      await local.waitForSteadyState();
    } catch (error) {
      throw new Error(`${String(error)}\n${local.logs()}`);
    }
  });
  afterAll(async () => {
    await local?.stop();
    await stopAllProcesses();
  });

  const masterNode = (): LocalNode => {
    const address = local.masterAddress();
    if (!address) throw new Error('no Sentinel names a master');
    return local.nodeAt(address);
  };

  /** Writes keys on the master; those WAIT confirms on every replica count as acknowledged. */
  function writeAcknowledged(prefix: string, count: number): void {
    const master = masterNode();
    const replicas = generated.nodes - 1;
    const commands = Array.from({ length: count }, (_, i) => [`SET ${prefix}:${i} v${i}`, `WAIT ${replicas} 2000`]).flat();
    const replies = cliPipe(PASSWORD, master.ip, local.ports.redis, commands);
    for (let i = 0; i < count; i++) {
      if (replies[2 * i] === 'OK' && replies[2 * i + 1] === String(replicas)) acknowledged.push(`${prefix}:${i}`);
    }
    expect(acknowledged.filter((k) => k.startsWith(`${prefix}:`))).toHaveLength(count);
  }

  /** What a Sentinel-aware client does with REDIS_SENTINEL_URL: ask a Sentinel behind the Service, then talk to the master it names. */
  function sentinelAwareClient(): { master: string; role: string; write: string } {
    const url = parseSentinelUrl(workerEnv().REDIS_SENTINEL_URL);
    expect(url.password).toBe(PASSWORD);
    for (const [host, port] of local.serviceEndpoints(url.host, url.port)) {
      const reply = cli(url.password, host, port, 'SENTINEL', 'get-master-addr-by-name', url.master).split('\n');
      if (reply.length === 2) {
        const [masterHost, masterPort] = [reply[0], Number(reply[1])];
        return {
          master: masterHost,
          role: cli(url.password, masterHost, masterPort, 'ROLE').split('\n')[0],
          write: cli(url.password, masterHost, masterPort, 'SET', 'sentinel-client', 'ok'),
        };
      }
    }
    throw new Error('no Sentinel behind the Service answered');
  }

  /** What a plain client does with REDIS_URL: connect to the client Service, which is HAProxy. */
  function plainClient(): { role: string; write: string } {
    const url = new URL(workerEnv().REDIS_URL);
    expect(decodeURIComponent(url.password)).toBe(PASSWORD);
    const [[host, port]] = local.serviceEndpoints(url.hostname, Number(url.port));
    return { role: cli(PASSWORD, host, port, 'ROLE').split('\n')[0], write: cli(PASSWORD, host, port, 'SET', 'plain-client', 'ok') };
  }

  /** What KEDA's redis-sentinel scaler does with the generated trigger: the Sentinels, the master, LLEN of the list. */
  function kedaListLength(): number {
    const trigger = (at(objectOf('ScaledObject', 'copilot-worker'), 'spec.triggers') as { type: string; metadata: Record<string, string>; authenticationRef: { name: string } }[])[0];
    expect(trigger.type).toBe('redis-sentinel');
    const auth = at(objectOf('TriggerAuthentication', trigger.authenticationRef.name), 'spec.secretTargetRef') as { parameter: string; name: string; key: string }[];
    expect(auth.map((a) => a.parameter).sort()).toEqual(['password', 'sentinelPassword']);
    for (const address of trigger.metadata.addresses.split(',')) {
      const [host, port] = address.trim().split(':');
      for (const [sentinelHost, sentinelPort] of local.serviceEndpoints(host, Number(port))) {
        const reply = cli(PASSWORD, sentinelHost, sentinelPort, 'SENTINEL', 'get-master-addr-by-name', trigger.metadata.sentinelMaster).split('\n');
        if (reply.length === 2) return Number(cli(PASSWORD, reply[0], Number(reply[1]), 'LLEN', trigger.metadata.listName));
      }
    }
    throw new Error('KEDA would find no Sentinel');
  }

  test('the generated settings: failover within 60 s after 10 s unreachable; the worker\'s environment points at the Sentinels and HAProxy', () => {
    expect([DOWN_AFTER_MS, FAILOVER_TIMEOUT_MS]).toEqual([10_000, 60_000]);
    const variables = workerEnv();
    expect(variables.REDIS_SENTINEL_MASTER).toBe(NAME);
    expect(expandVariables('$(REDIS_PASSWORD)', variables)).toBe(PASSWORD);
    expect(sentinelAwareClient().role).toBe('master');
    expect(plainClient().role).toBe('master');
  });

  /** Runs a step of the test; when it fails, the message carries every process's output. */
  async function withLogs(step: () => Promise<void> | void): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (error instanceof Error) error.message = `${error.message}\n--- process output ---\n${local.logs().slice(-20_000)}`;
      throw error;
    }
  }

  test.each(Array.from({ length: RUNS }, (_, i) => [i + 1]))('failover %i: SIGKILL of the primary\'s pod, promotion within the timeout, no acknowledged write lost, clients follow, the old primary rejoins', (run) => withLogs(async () => {
    // GIVEN acknowledged writes, and a queue KEDA reads
    writeAcknowledged(`run${run}`, 100);
    expect(cliPipe(PASSWORD, masterNode().ip, local.ports.redis, [`RPUSH support-tasks job-${run}-a job-${run}-b`, `WAIT ${generated.nodes - 1} 2000`])[1]).toBe(String(generated.nodes - 1));
    const before = kedaListLength();
    const old = masterNode();
    const survivors = local.nodes.filter((n) => n !== old);

    // WHEN the primary's pod is lost: its Redis and its Sentinel die at once
    const lost = Date.now();
    await Promise.all([old.redis?.kill(), old.sentinel?.kill()]);

    // THEN a replica is promoted within the configured failover timeout
    const promotedAddress = await waitFor('a promotion', () => {
      const address = local.masterAddress(survivors);
      return address !== undefined && address !== old.ip ? address : undefined;
    }, FAILOVER_TIMEOUT_MS, 50);
    const promotedAfter = Date.now() - lost;
    promotions.push(promotedAfter);
    expect(promotedAfter).toBeLessThanOrEqual(FAILOVER_TIMEOUT_MS);
    const promoted = local.nodeAt(promotedAddress);
    await waitFor('the new master to take writes', () => local.redisCli(promoted, 'SET', `after-${run}`, 'ok') === 'OK', FAILOVER_TIMEOUT_MS, 50);

    // AND every write acknowledged by the replicas is there
    const values = cliPipe(PASSWORD, promoted.ip, local.ports.redis, acknowledged.map((k) => `GET ${k}`));
    expect(values).toEqual(acknowledged.map((k) => `v${k.split(':')[1]}`));

    // AND the clients that follow the generated settings find the new primary
    expect(sentinelAwareClient()).toEqual({ master: promoted.ip, role: 'master', write: 'OK' });
    await waitFor('HAProxy to route to the new master', () => plainClient().role === 'master', 10_000, 100);
    expect(plainClient().write).toBe('OK');
    expect(kedaListLength()).toBe(before);

    // AND the old primary's pod comes back as a replica of the new one, with the data
    await local.startNode(old);
    await waitFor('the old primary to follow the new one', () => local.role(old) === 'slave'
      && local.info(old, 'replication', 'master_host') === promoted.ip && local.info(old, 'replication', 'master_link_status') === 'up', 60_000, 200);
    expect(old.redis?.output()).toContain(`node.sh: starting as a replica of ${promoted.ip}:${local.ports.redis}`);
    expect(local.redisCli(old, 'GET', `after-${run}`)).toBe('ok');
    await local.waitForSteadyState(60_000);
  }), 180_000);

  test('a stopping primary hands its role over first (preStop): no acknowledged write lost, it follows the new master, the Sentinels agree', async () => {
    writeAcknowledged('switchover', 50);
    const old = masterNode();
    const started = Date.now();
    const hook = generated.redis.lifecycle?.preStop?.exec?.command ?? [];
    const result = local.exec(generated.redis, hook, old);
    const hookMs = Date.now() - started;
    expect(result.status).toBe(0);
    expect(result.output).toContain('node.sh: role at stop: slave');
    expect(local.role(old)).toBe('slave');
    const promoted = await waitFor('the Sentinels to name the new master', () => {
      const address = local.masterAddress();
      return address !== undefined && address !== old.ip ? local.nodeAt(address) : undefined;
    }, FAILOVER_TIMEOUT_MS, 50);
    const agreedMs = Date.now() - started;
    expect(local.info(old, 'replication', 'master_host')).toBe(promoted.ip);
    expect(cliPipe(PASSWORD, promoted.ip, local.ports.redis, acknowledged.map((k) => `GET ${k}`))).toEqual(acknowledged.map((k) => `v${k.split(':')[1]}`));
    expect(agreedMs).toBeLessThan(DOWN_AFTER_MS);
    console.log(`Redis switchover by the preStop hook: the old primary follows the new one after ${(hookMs / 1000).toFixed(1)} s, the Sentinels agree after ${(agreedMs / 1000).toFixed(1)} s (an unplanned failover first waits down-after-milliseconds, ${DOWN_AFTER_MS / 1000} s)`);
  }, 60_000);

  test('a primary that comes back with an empty volume while the Sentinels still name it waits for the failover instead of serving (and replicating) an empty dataset', async () => {
    await local.waitForSteadyState(60_000);
    writeAcknowledged('empty-disk', 20);
    const old = masterNode();
    // WHEN its Redis dies (the Sentinel of its pod stays) and its volume is replaced by an empty one
    await old.redis?.kill();
    fs.rmSync(old.dirs.data, { recursive: true, force: true });
    fs.mkdirSync(old.dirs.data, { recursive: true });
    local.startRedis(old);
    // THEN it waits, the Sentinels promote a replica, and it starts as that replica's replica with the data
    await waitFor('the empty node to follow the new master', () => local.role(old) === 'slave' && local.info(old, 'replication', 'master_link_status') === 'up', FAILOVER_TIMEOUT_MS + 20_000, 250);
    expect(old.redis?.output()).toContain('node.sh: the Sentinels name this node as the master, but its volume is empty: waiting for a failover');
    expect(masterNode()).not.toBe(old);
    expect(cliPipe(PASSWORD, old.ip, local.ports.redis, acknowledged.map((k) => `GET ${k}`))).toEqual(acknowledged.map((k) => `v${k.split(':')[1]}`));
  }, 120_000);

  test('the measured failover times', () => {
    expect(promotions).toHaveLength(RUNS);
    expect(Math.max(...promotions)).toBeLessThanOrEqual(FAILOVER_TIMEOUT_MS);
    console.log(`Redis failover (SIGKILL of the primary's pod to a promoted replica), ${RUNS} runs: median ${(median(promotions) / 1000).toFixed(1)} s, max ${(Math.max(...promotions) / 1000).toFixed(1)} s (down-after ${DOWN_AFTER_MS / 1000} s, failover timeout ${FAILOVER_TIMEOUT_MS / 1000} s): ${promotions.map((p) => (p / 1000).toFixed(1)).join(', ')} s`);
  });
});
