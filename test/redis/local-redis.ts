/**
 * Runs a generated Redis (its StatefulSet's containers, its ConfigMap, its HAProxy) as real
 * redis-server, redis-sentinel and haproxy processes on loopback addresses, stopped by PID.
 *
 * Pods have an address each and all use the same ports, so node `i` listens on 127.1.i.1 (the
 * whole of 127.0.0.0/8 is loopback) on one free port for Redis and one for Sentinel, as in the
 * cluster. Everything runs exactly as generated (the container's command, arguments, environment
 * as the kubelet resolves it, the ConfigMap's files and probes) except what `localRemap` changes:
 * the container paths, the cluster host names and the ports.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { type KubeObject } from '../../lib';
import { at } from '../helpers/synth';
import { freePort, makeTempDir, removeTempDir, runProgram, type RunningProcess, startProcess, waitFor } from '../helpers/programs';

export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}

export interface ContainerSpec {
  readonly name: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: EnvVar[];
  readonly startupProbe?: { exec?: { command: string[] } };
  readonly readinessProbe?: { exec?: { command: string[] } };
  readonly livenessProbe?: { exec?: { command: string[] } };
  readonly lifecycle?: { preStop?: { exec?: { command: string[] } } };
}

/** Where the local copy of the cluster listens. */
export interface LocalPorts {
  readonly redis: number;
  readonly sentinel: number;
  readonly proxy: number;
  readonly proxyMetrics: number;
}

/** The loopback address of node `ordinal`. */
export function nodeIp(ordinal: number): string {
  return `127.1.${ordinal}.1`;
}

/** What a text is remapped for: a node (its address and folders), or the proxy (127.0.0.1). */
export interface RemapTarget {
  /** The address this process binds and calls "itself". */
  readonly ip: string;
  /** Folders standing in for /etc/redis, /data and /run/redis. */
  readonly dirs: { readonly config: string; readonly data: string; readonly run: string };
}

/**
 * THE remapping of generated text for a local run, and the only change made to it: container
 * paths to the node's folders, `<name>-<i>.<name>-headless.<ns>.svc.cluster.local` to 127.1.i.1,
 * the Redis, Sentinel and HAProxy ports to free ones, and 0.0.0.0 / 127.0.0.1 / `*` listeners to
 * the node's own address.
 */
export function localRemap(text: string, redisName: string, ports: LocalPorts, target: RemapTarget): string {
  const name = redisName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const nodeHost = new RegExp(`${name}-(\\d+|%s)\\.${name}-headless(\\.[a-z0-9.-]+)?\\.svc\\.cluster\\.local`, 'g');
  const path = (from: string, to: string) => (t: string) => t.replace(new RegExp(`(^|[\\s'"=])${from}(?=[/\\s'"]|$)`, 'gm'), `$1${to}`);
  const steps: ((t: string) => string)[] = [
    path('/etc/redis', target.dirs.config),
    path('/data', target.dirs.data),
    path('/run/redis', target.dirs.run),
    path('/usr/local/etc/haproxy', target.dirs.config),
    (t) => t.replace(nodeHost, (_m, ordinal: string) => (ordinal === '%s' ? '127.1.%s.1' : nodeIp(Number(ordinal)))),
    // a node's Redis port, after a remapped host ("host:6379" in haproxy.cfg, "host 6379" in sentinel monitor)
    (t) => t.replace(/(127\.1\.(?:\d+|%s)\.1)([: ])6379\b/g, `$1$2${ports.redis}`),
    (t) => t.replace(/^bind 0\.0\.0\.0 -::\*$/gm, `bind ${target.ip}`),
    (t) => t.replace(/^port 6379$/gm, `port ${ports.redis}`).replace(/^port 26379$/gm, `port ${ports.sentinel}`),
    (t) => t.replace(/^REDIS_PORT=6379$/gm, `REDIS_PORT=${ports.redis}`).replace(/^SENTINEL_PORT=26379$/gm, `SENTINEL_PORT=${ports.sentinel}`),
    (t) => t.replace(/-p 26379\b/g, `-p ${ports.sentinel}`).replace(/-p 6379\b/g, `-p ${ports.redis}`),
    (t) => t.replace(/\b127\.0\.0\.1\b/g, target.ip),
    (t) => t.replace(/^(\s*)bind \*:6379$/gm, `$1bind ${target.ip}:${ports.proxy}`).replace(/^(\s*)bind \*:8404$/gm, `$1bind ${target.ip}:${ports.proxyMetrics}`),
  ];
  return steps.reduce((t, step) => step(t), text);
}

/** The container's environment as the kubelet builds it: Secret keys, the pod's name, `$(VAR)` expanded. */
export function kubeletEnv(container: ContainerSpec, pod: { name: string }, secrets: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = expandVariables(variable.value, env);
    } else if (variable.valueFrom?.secretKeyRef) {
      const { name, key } = variable.valueFrom.secretKeyRef;
      const value = secrets[`${name}/${key}`];
      if (value === undefined) throw new Error(`no test value for secret ${name}/${key}`);
      env[variable.name] = value;
    } else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.name') {
      env[variable.name] = pod.name;
    } else {
      throw new Error(`unsupported variable source for ${variable.name}`);
    }
  }
  return env;
}

/** Kubernetes' `$(VAR)` expansion (`$$` escapes; unknown variables stay as written). */
export function expandVariables(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && env[name] !== undefined ? env[name] : match;
  });
}

/** A port free on every address (a pod's port is the same on each pod). */
export async function freePortOn(addresses: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    const free = await Promise.all(addresses.map((address) => canListen(address, port)));
    if (free.every(Boolean)) return port;
  }
  throw new Error(`no port free on ${addresses.join(', ')}`);
}

function canListen(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, address, () => server.close(() => resolve(true)));
  });
}

/** The generated objects of one Redis. */
export interface GeneratedRedis {
  readonly name: string;
  readonly nodes: number;
  readonly files: Readonly<Record<string, string>>;
  readonly redis: ContainerSpec;
  readonly sentinel?: ContainerSpec;
  readonly proxy?: { readonly container: ContainerSpec; readonly files: Readonly<Record<string, string>> };
  readonly secretName: string;
}

export function generatedRedis(objects: readonly KubeObject[], name: string): GeneratedRedis {
  const find = (kind: string, n: string) => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === n);
    if (!found) throw new Error(`no ${kind} ${n}`);
    return found;
  };
  const statefulSet = find('StatefulSet', name);
  const containers = at(statefulSet, 'spec.template.spec.containers') as ContainerSpec[];
  const redis = containers.find((c) => c.name === 'redis');
  if (!redis) throw new Error(`StatefulSet ${name} has no redis container`);
  const proxyDeployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `${name}-proxy`);
  const secretName = redis.env?.find((e) => e.name === 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef?.name ?? '';
  return {
    name,
    nodes: at(statefulSet, 'spec.replicas') as number,
    files: find('ConfigMap', `${name}-config`).data as Record<string, string>,
    redis,
    sentinel: containers.find((c) => c.name === 'sentinel'),
    proxy: proxyDeployment ? {
      container: (at(proxyDeployment, 'spec.template.spec.containers') as ContainerSpec[])[0],
      files: find('ConfigMap', `${name}-proxy-config`).data as Record<string, string>,
    } : undefined,
    secretName,
  };
}

/** One pod of the local copy. */
export interface LocalNode {
  readonly ordinal: number;
  readonly ip: string;
  readonly dirs: RemapTarget['dirs'];
  redis?: RunningProcess;
  sentinel?: RunningProcess;
}

/** The CLI of the local copy, authenticated like the containers (REDISCLI_AUTH, never an argument). */
export function cli(password: string | undefined, host: string, port: number, ...args: string[]): string {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  if (password !== undefined) env.REDISCLI_AUTH = password;
  const result = runProgram('redis-cli', ['--no-auth-warning', '--raw', '-h', host, '-p', String(port), ...args], { env, timeoutMs: 10_000 });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
}

/** Runs several commands through one redis-cli (its standard input, one command a line); one reply a line. */
export function cliPipe(password: string, host: string, port: number, commands: readonly string[]): string[] {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, REDISCLI_AUTH: password };
  const result = runProgram('redis-cli', ['--no-auth-warning', '-h', host, '-p', String(port)], { env, input: `${commands.join('\n')}\n`, timeoutMs: 60_000 });
  return (result.stdout ?? '').split('\n').filter((line) => line !== '');
}

/** A generated Redis running locally. */
export class LocalRedis {
  public static async create(generated: GeneratedRedis, password: string, label: string): Promise<LocalRedis> {
    const ips = Array.from({ length: generated.nodes }, (_, i) => nodeIp(i));
    const ports: LocalPorts = {
      redis: await freePortOn(ips),
      sentinel: await freePortOn(ips),
      proxy: await freePortOn(['127.0.0.1']),
      proxyMetrics: await freePortOn(['127.0.0.1']),
    };
    return new LocalRedis(generated, password, ports, makeTempDir(`redis-${label}`));
  }

  public readonly nodes: LocalNode[];
  public proxy?: RunningProcess;

  private constructor(public readonly generated: GeneratedRedis, public readonly password: string, public readonly ports: LocalPorts, public readonly dir: string) {
    this.nodes = Array.from({ length: generated.nodes }, (_, ordinal) => {
      const base = path.join(dir, `node-${ordinal}`);
      const dirs = { config: path.join(base, 'config'), data: path.join(base, 'data'), run: path.join(base, 'run') };
      for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
      this.writeFiles(generated.files, dirs.config, { ip: nodeIp(ordinal), dirs });
      return { ordinal, ip: nodeIp(ordinal), dirs };
    });
  }

  private writeFiles(files: Readonly<Record<string, string>>, folder: string, target: RemapTarget): void {
    for (const [file, content] of Object.entries(files)) {
      fs.writeFileSync(path.join(folder, file), localRemap(content, this.generated.name, this.ports, target));
    }
  }

  private get secrets(): Record<string, string> {
    return { [`${this.generated.secretName}/password`]: this.password };
  }

  /** The container's command and arguments, with `$(VAR)` expanded and remapped, and its environment. */
  public invocation(container: ContainerSpec, node: LocalNode): { argv: string[]; env: Record<string, string> } {
    const env = kubeletEnv(container, { name: `${this.generated.name}-${node.ordinal}` }, this.secrets);
    const argv = [...(container.command ?? []), ...(container.args ?? [])]
      .map((a) => localRemap(expandVariables(a, env), this.generated.name, this.ports, { ip: node.ip, dirs: node.dirs }));
    return { argv, env };
  }

  private start(container: ContainerSpec, node: LocalNode): RunningProcess {
    const { argv, env } = this.invocation(container, node);
    return startProcess(argv[0], argv.slice(1), { env: { PATH: process.env.PATH, ...env }, cwd: node.dirs.run });
  }

  public startRedis(node: LocalNode): RunningProcess {
    node.redis = this.start(this.generated.redis, node);
    return node.redis;
  }

  public startSentinel(node: LocalNode): RunningProcess {
    if (!this.generated.sentinel) throw new Error('not replicated');
    node.sentinel = this.start(this.generated.sentinel, node);
    return node.sentinel;
  }

  /** Starts every pod in order, as the StatefulSet does (OrderedReady: the next once this one is ready). */
  public async startAll(): Promise<void> {
    for (const node of this.nodes) {
      await this.startNode(node);
    }
  }

  public async startNode(node: LocalNode): Promise<void> {
    this.startRedis(node);
    if (this.generated.sentinel) this.startSentinel(node);
    await waitFor(`node ${node.ordinal} to answer`, () => this.ping(node) === 'PONG' && (!this.generated.sentinel || this.pingSentinel(node) === 'PONG'), 20_000, 100);
  }

  /** HAProxy from the generated haproxy.cfg, with the container's command. */
  public async startProxy(): Promise<RunningProcess> {
    const proxy = this.generated.proxy;
    if (!proxy) throw new Error('no proxy');
    const dirs = { config: path.join(this.dir, 'proxy'), data: path.join(this.dir, 'proxy'), run: path.join(this.dir, 'proxy') };
    fs.mkdirSync(dirs.config, { recursive: true, mode: 0o700 });
    const target = { ip: '127.0.0.1', dirs };
    this.writeFiles(proxy.files, dirs.config, target);
    const env = kubeletEnv(proxy.container, { name: `${this.generated.name}-proxy` }, this.secrets);
    const argv = [...(proxy.container.command ?? []), ...(proxy.container.args ?? [])].map((a) => localRemap(expandVariables(a, env), this.generated.name, this.ports, target));
    this.proxy = startProcess(argv[0], argv.slice(1), { env: { PATH: process.env.PATH, ...env }, cwd: dirs.run });
    await waitFor('HAProxy to listen', () => cli(this.password, '127.0.0.1', this.ports.proxy, 'PING') === 'PONG', 20_000, 200);
    return this.proxy;
  }

  public redisCli(node: LocalNode, ...args: string[]): string {
    return cli(this.password, node.ip, this.ports.redis, ...args);
  }

  public sentinelCli(node: LocalNode, ...args: string[]): string {
    return cli(this.password, node.ip, this.ports.sentinel, ...args);
  }

  public ping(node: LocalNode): string {
    return this.redisCli(node, 'PING');
  }

  public pingSentinel(node: LocalNode): string {
    return this.sentinelCli(node, 'PING');
  }

  /** `ROLE`'s first line: master or slave. */
  public role(node: LocalNode): string {
    return this.redisCli(node, 'ROLE').split('\n')[0];
  }

  /** A field of `INFO <section>`. */
  public info(node: LocalNode, section: string, field: string): string | undefined {
    const line = this.redisCli(node, 'INFO', section).split('\n').map((l) => l.trim()).find((l) => l.startsWith(`${field}:`));
    return line?.slice(field.length + 1);
  }

  /** The node the Sentinels (any one that answers) name as the master. */
  public masterAddress(from: readonly LocalNode[] = this.nodes): string | undefined {
    for (const node of from) {
      if (node.sentinel && !node.sentinel.exited()) {
        const reply = this.sentinelCli(node, 'SENTINEL', 'get-master-addr-by-name', this.generated.name).split('\n');
        if (reply.length === 2 && /^\d+$/.test(reply[1])) return reply[0];
      }
    }
    return undefined;
  }

  public nodeAt(ip: string): LocalNode {
    const node = this.nodes.find((n) => n.ip === ip);
    if (!node) throw new Error(`no node at ${ip}`);
    return node;
  }

  /** Runs a probe's or hook's exec command as the kubelet would, in the node's container. */
  public exec(container: ContainerSpec, command: string[], node: LocalNode): { status: number | null; output: string } {
    const env = kubeletEnv(container, { name: `${this.generated.name}-${node.ordinal}` }, this.secrets);
    const argv = command.map((a) => localRemap(a, this.generated.name, this.ports, { ip: node.ip, dirs: node.dirs }));
    const result = runProgram(argv[0], argv.slice(1), { env: { PATH: process.env.PATH, ...env }, timeoutMs: 60_000 });
    return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
  }

  /**
   * Where a Service of the generated Redis leads locally, as kube-proxy would: the Sentinel
   * Service to the Sentinels that are up, the client Service to HAProxy. Returns [host, port] pairs.
   */
  public serviceEndpoints(host: string, port: number): [string, number][] {
    const name = this.generated.name;
    if (host.startsWith(`${name}-sentinel.`) && port === SENTINEL_PORT) {
      return this.nodes.filter((n) => n.sentinel && !n.sentinel.exited()).map((n) => [n.ip, this.ports.sentinel]);
    }
    if ((host === name || host.startsWith(`${name}.`)) && port === REDIS_PORT && this.proxy) {
      return [['127.0.0.1', this.ports.proxy]];
    }
    throw new Error(`no local endpoint for ${host}:${port}`);
  }

  /** Waits until every Sentinel knows every other Sentinel and every replica, and every replica's link is up. */
  public async waitForSteadyState(timeoutMs = 40_000): Promise<void> {
    const replicas = this.generated.nodes - 1;
    await waitFor('the Sentinels and replicas to settle', () => {
      const live = this.nodes.filter((n) => n.sentinel && !n.sentinel.exited());
      return live.length > 0 && live.every((n) => {
        const fields = this.sentinelCli(n, 'SENTINEL', 'master', this.generated.name).split('\n');
        const value = (key: string) => fields[fields.indexOf(key) + 1];
        return value('num-slaves') === String(replicas) && value('num-other-sentinels') === String(this.generated.nodes - 1) && value('flags') === 'master';
      }) && this.nodes.filter((n) => this.role(n) === 'slave').every((n) => this.info(n, 'replication', 'master_link_status') === 'up')
        && this.nodes.filter((n) => this.role(n) === 'master').every((n) => [undefined, String(replicas)].includes(this.info(n, 'replication', 'min_slaves_good_slaves')));
    }, timeoutMs, 250);
  }

  /** Waits until one node is the master and every other node replicates from it with its link up. */
  public async waitForReplication(timeoutMs = 40_000): Promise<void> {
    await waitFor('the replicas to follow the master', () => {
      const roles = this.nodes.map((n) => this.role(n));
      const master = this.nodes.find((n) => this.role(n) === 'master');
      // With min-replicas-to-write, the master takes writes once it has counted its replicas' acknowledgements.
      const good = master && this.info(master, 'replication', 'min_slaves_good_slaves');
      return roles.filter((r) => r === 'master').length === 1
        && this.nodes.filter((n) => this.role(n) === 'slave').every((n) => this.info(n, 'replication', 'master_link_status') === 'up')
        && roles.every((r) => r === 'master' || r === 'slave')
        && (good === undefined || good === String(this.generated.nodes - 1));
    }, timeoutMs, 200);
  }

  /** Stops everything it started (SIGTERM, then SIGKILL), and removes the folder. */
  public async stop(): Promise<void> {
    const processes = [...this.nodes.flatMap((n) => [n.redis, n.sentinel]), this.proxy].filter((p): p is RunningProcess => p !== undefined);
    await Promise.all(processes.map((p) => p.stop(5_000)));
    removeTempDir(this.dir);
  }

  /** Everything the processes wrote, for a failing test's message. */
  public logs(): string {
    return this.nodes.map((n) => `--- node ${n.ordinal} redis\n${n.redis?.output() ?? ''}\n--- node ${n.ordinal} sentinel\n${n.sentinel?.output() ?? ''}`).join('\n')
      + (this.proxy ? `\n--- proxy\n${this.proxy.output()}` : '');
  }
}
