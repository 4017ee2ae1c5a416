/**
 * How a stdio-only MCP server is served over HTTP while it keeps its own image.
 *
 * The pod has three parts:
 * - an init container from a pinned BusyBox image copies its static `busybox` binary into a
 *   small emptyDir (`/mcp-relay`);
 * - the server's container keeps its image, runtime, files and environment, and runs that
 *   binary as a relay: `busybox nc -ll -p <relay port> -e <server command>` starts one server
 *   process per TCP connection, with the connection as its stdin and stdout (inetd style);
 * - a bridge container (supergateway) speaks MCP over streamable HTTP on the Service port
 *   and runs, per MCP session, the stdio command `busybox nc 127.0.0.1 <relay port>`, which
 *   reaches the relay over the pod's loopback.
 *
 * No runtime is shared between the images: the only thing the server's image receives is a
 * statically linked binary, so a Python, Go, JVM or distroless image works as it is.
 */
import { type ResolvedResources } from '../core/resources';
import { looksLikeSecretName } from '../core/env-value';
import { type PropIssue } from '../core/errors';
import { McpTransport } from './transport';

/** Name of the container running supergateway. */
export const BRIDGE_CONTAINER = 'mcp-bridge';
/** Name of the init container that installs the relay binary. */
export const RELAY_INSTALL_CONTAINER = 'install-relay';
/** Name of the emptyDir holding the relay binary. */
export const RELAY_VOLUME = 'mcp-relay';
/** Where the relay binary lives in the server's and the bridge's containers. */
export const RELAY_DIR = '/mcp-relay';
export const RELAY_BINARY = `${RELAY_DIR}/busybox`;
/** Where the relay image keeps its static binary. */
export const RELAY_IMAGE_BINARY = '/bin/busybox';
/** supergateway's health endpoint: answers 200 while the bridge serves HTTP. */
export const BRIDGE_HEALTH_PATH = '/healthz';
export const DEFAULT_RELAY_PORT = 9000;
/** Name of the relay's container port. */
export const RELAY_PORT_NAME = 'mcp-relay';

/** supergateway runs in Node.js; one small process serves every session. */
export const BRIDGE_RESOURCES: ResolvedResources = { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
/** Copying one binary. */
export const RELAY_INSTALL_RESOURCES: ResolvedResources = { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } };

/**
 * The transports the bridge serves correctly for a stdio server, and its flags for each.
 * supergateway's SSE output is left out on purpose: it runs one server process for every SSE
 * client and sends each of its answers to every client, so concurrent agents receive each
 * other's results (test/mcp/real-client.test.ts shows it).
 */
const BRIDGE_TRANSPORT_FLAGS: Readonly<Partial<Record<McpTransport, (path: string, stateful: boolean) => string[]>>> = {
  [McpTransport.STREAMABLE_HTTP]: (path, stateful) => ['--outputTransport', 'streamableHttp', '--streamableHttpPath', path, ...(stateful ? ['--stateful'] : [])],
};

/** The transports a stdio bridge can serve. */
export const BRIDGE_TRANSPORTS: readonly McpTransport[] = Object.values(McpTransport).filter((t) => BRIDGE_TRANSPORT_FLAGS[t] !== undefined);

/** What the bridge container is told. */
export interface BridgeArgsOptions {
  readonly transport: McpTransport;
  readonly mcpPath: string;
  readonly port: number;
  readonly relayPort: number;
  readonly statefulSessions: boolean;
}

/** The stdio command supergateway runs per session: a client of the relay on the pod's loopback. */
export function relayClientCommand(relayPort: number): string {
  return [RELAY_BINARY, 'nc', '127.0.0.1', String(relayPort)].join(' ');
}

/** The arguments of supergateway's entrypoint in the bridge container. */
export function bridgeArgs(options: BridgeArgsOptions): string[] {
  const flags = BRIDGE_TRANSPORT_FLAGS[options.transport] ?? BRIDGE_TRANSPORT_FLAGS[McpTransport.STREAMABLE_HTTP];
  return [
    '--stdio', relayClientCommand(options.relayPort),
    '--port', String(options.port),
    ...(flags?.(options.mcpPath, options.statefulSessions) ?? []),
    '--healthEndpoint', BRIDGE_HEALTH_PATH,
  ];
}

/** The init container's command: copy the static binary out of the relay image. */
export function relayInstallCommand(): string[] {
  return ['/bin/cp', RELAY_IMAGE_BINARY, RELAY_BINARY];
}

/**
 * The server container's command: a persistent listener (`-ll`) that starts `serverCommand` for
 * each connection with the connection as stdin and stdout; stderr stays the container's log.
 */
export function relayCommand(relayPort: number, serverCommand: readonly string[]): string[] {
  return [RELAY_BINARY, 'nc', '-ll', '-p', String(relayPort), '-e', ...serverCommand];
}

/** The MCP request the probe sends: an `initialize` a server answers only once it really runs. */
export const PROBE_INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'kubelet-probe', version: '1.0.0' } },
});

/**
 * Sends `initialize` to a fresh server process through the relay and succeeds on a JSON-RPC
 * result. The request's stdin stays open (a FIFO in /tmp) until the answer arrives, because a
 * stdio server may stop without answering once its stdin ends; `timeout` bounds a server that
 * never answers. Every program comes from the relay binary, so the image needs no shell.
 * Positional parameters: $1 relay port, $2 seconds, $3 the request.
 */
const PROBE_SCRIPT = [
  `b=${RELAY_BINARY}`,
  'f=/tmp/.mcp-probe.$$',
  '$b mkfifo "$f" || exit 1',
  '{ printf \'%s\\n\' "$3"; $b cat "$f" >/dev/null; } | $b timeout "$2" $b nc 127.0.0.1 "$1" | { $b grep -q -m 1 \'"result"\'; r=$?; exec 3<>"$f"; exec 3>&-; exit $r; }',
  'r=$?',
  '$b rm -f "$f"',
  'exit $r',
].join('\n');

/** The exec probe of the server container: an MCP `initialize` round trip within `timeoutSeconds`. */
export function mcpInitializeProbeCommand(relayPort: number, timeoutSeconds: number): string[] {
  return [RELAY_BINARY, 'sh', '-c', PROBE_SCRIPT, 'mcp-probe', String(relayPort), String(Math.max(1, timeoutSeconds - 1)), PROBE_INITIALIZE];
}

/** The preStop hook of the server container: its image may have no `sleep`. */
export function relaySleepCommand(seconds: number): string[] {
  return [RELAY_BINARY, 'sleep', String(seconds)];
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh']);
const SHELL_SYNTAX = /[|;&<>`]|\$(?!\([A-Za-z_][A-Za-z0-9_]*\))/;
const KUBERNETES_VARIABLE = /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g;

function isShellScript(command: readonly string[]): boolean {
  const program = command[0]?.split('/').pop() ?? '';
  return SHELLS.has(program) && command[1] === '-c';
}

/**
 * What would stop the relay from starting `command` in the server's image: it execs argv
 * directly (no shell), from the image's working directory, looking bare names up in PATH.
 */
export function stdioCommandIssues(command: readonly string[], path: string | undefined): PropIssue[] {
  const issues: PropIssue[] = [];
  const program = command[0];
  if (program === undefined) {
    return issues;
  }
  const field = 'stdioBridge.command.0';
  if (program.trim() === '') {
    issues.push({ field, value: program, message: 'is empty: name the program that starts the stdio server, e.g. "python3" or "/usr/local/bin/server"' });
  } else if (/\s/.test(program)) {
    const words = program.trim().split(/\s+/);
    issues.push({
      field, value: program,
      message: `is one command line, but the relay runs argv without a shell and would look for a program named "${program}": give one word per element, e.g. ${JSON.stringify([...words, ...command.slice(1)])}`,
    });
  } else if (!program.startsWith('/') && program.includes('/')) {
    issues.push({
      field, value: program,
      message: 'is a relative path, resolved against the image\'s working directory, which the manifest does not know: give an absolute path (e.g. "/app/bin/server") or a program name that the image\'s PATH resolves (e.g. "python3")',
    });
  } else if (!program.startsWith('/') && path !== undefined && !pathResolves(path)) {
    issues.push({
      field: 'env.PATH', value: path,
      message: `must list absolute directories separated by ":" for the relay to find "${program}" in the image: set PATH to e.g. "/usr/local/bin:/usr/bin:/bin", or give stdioBridge.command an absolute path`,
    });
  }
  issues.push(...shellSyntaxIssues(command), ...secretArgumentIssues(command));
  return issues;
}

function pathResolves(path: string): boolean {
  const dirs = path.split(':');
  return dirs.length > 0 && dirs.every((dir) => dir.startsWith('/'));
}

function shellSyntaxIssues(command: readonly string[]): PropIssue[] {
  if (isShellScript(command)) {
    return [];
  }
  return command.flatMap((word, index) => (index > 0 && SHELL_SYNTAX.test(word)
    ? [{
      field: `stdioBridge.command.${index}`, value: word,
      message: 'contains shell syntax, but no shell runs the command: the relay passes each element to the server as one argument. Remove it, or run a shell the image has, e.g. ["sh", "-c", "..."]',
    }]
    : []));
}

function secretArgumentIssues(command: readonly string[]): PropIssue[] {
  return command.flatMap((word, index) => [...word.matchAll(KUBERNETES_VARIABLE)]
    .filter((match) => looksLikeSecretName(match[1]))
    .map((match) => ({
      field: `stdioBridge.command.${index}`, value: word,
      message: `passes $(${match[1]}) on the command line, where every process of the pod and the node can read it: let the server read ${match[1]} from its environment instead`,
    })));
}
