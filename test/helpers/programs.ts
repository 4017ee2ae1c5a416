/**
 * Real programs the tests run against (promtool, amtool, alertmanager, redis-server,
 * redis-sentinel, haproxy, ...), and processes started from them: on 127.0.0.1, on a free port, in a
 * temporary folder, with bounded time, stopped by PID.
 *
 * `scripts/setup-system.sh` installs the Debian packages; `.ci/run` calls it. With `CI=true` a
 * missing program fails the test that needs it; elsewhere that test is skipped, and one line
 * says how to install it.
 */
import { type ChildProcess, spawn, spawnSync, type SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** The Debian package that provides each program. */
const PACKAGES: Readonly<Record<string, string>> = {
  busybox: 'busybox-static',
  python3: 'python3',
  promtool: 'prometheus',
  prometheus: 'prometheus',
  amtool: 'prometheus-alertmanager',
  alertmanager: 'prometheus-alertmanager',
  'prometheus-alertmanager': 'prometheus-alertmanager',
  'redis-server': 'redis-server',
  'redis-cli': 'redis-server',
  'redis-sentinel': 'redis-sentinel',
  haproxy: 'haproxy',
  'lua5.1': 'lua5.1',
  sh: 'dash',
  unshare: 'util-linux',
  setpriv: 'util-linux',
};

/** The absolute path of `program` on PATH (or in /usr/sbin, /usr/bin), if installed. */
export function findProgram(program: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = path.join(dir, program);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const announced = new Set<string>();

/**
 * Whether every program is installed. In CI (`CI=true`) a missing one throws, so the suite fails;
 * elsewhere it prints one line naming the install command and returns false (skip the tests).
 */
export function programsAvailable(...programs: string[]): boolean {
  const missing = programs.filter((p) => findProgram(p) === undefined);
  if (missing.length === 0) return true;
  const packages = [...new Set(missing.map((p) => PACKAGES[p] ?? p))].join(' ');
  const message = `${missing.join(', ')} not installed: run "sudo bash scripts/setup-system.sh" (apt-get install -y ${packages})`;
  if (process.env.CI === 'true') {
    throw new Error(`${message}; CI must have every real program the tests use`);
  }
  if (!announced.has(message)) {
    announced.add(message);
    console.warn(`skipped: ${message}`);
  }
  return false;
}

/** `describe` when the programs are installed, `describe.skip` otherwise (a failure in CI). */
export function describeWithPrograms(programs: readonly string[]): jest.Describe {
  return programsAvailable(...programs) ? describe : describe.skip;
}

/** Runs a program to completion with a time bound; never throws on a non-zero exit. */
export function runProgram(program: string, args: readonly string[], options: { cwd?: string; input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  const executable = findProgram(program) ?? program;
  return spawnSync(executable, [...args], {
    cwd: options.cwd,
    input: options.input,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
  });
}

/** A fresh temporary folder, removed by `removeTempDir`. */
export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cdk8s-agents-${prefix}-`));
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A process started by a test. */
export interface RunningProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Whether it has exited. */
  exited(): boolean;
  /** Stops it by PID: SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Kills it at once (SIGKILL), as a lost node would. */
  kill(): Promise<void>;
}

const running = new Set<RunningProcess>();

/** Starts a long-running program (a server); `stop()` it in `afterAll`/`finally`. */
export function startProcess(program: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunningProcess {
  const executable = findProgram(program) ?? program;
  const child = spawn(executable, [...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  const gone = new Promise<void>((resolve) => child.on('exit', () => { exited = true; resolve(); }));
  child.on('error', (error) => { output += `\n[spawn error] ${error.message}`; exited = true; });
  if (child.pid === undefined) {
    throw new Error(`could not start ${executable}`);
  }
  const pid = child.pid;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  const handle: RunningProcess = {
    pid,
    child,
    output: () => output,
    exited: () => exited,
    stop: async (graceMs = 5_000) => {
      running.delete(handle);
      if (exited) return;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    },
    kill: async () => {
      running.delete(handle);
      if (exited) return;
      signal('SIGKILL');
      await gone;
    },
  };
  running.add(handle);
  return handle;
}

/** Stops every process a test file started and did not stop (call in `afterAll`). */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(2_000)));
}
