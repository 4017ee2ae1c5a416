/**
 * Runs the containers the library generates for an MCP tool as local processes: the same
 * programs, with exactly the generated commands and arguments, on 127.0.0.1 and free ports.
 * Only what cannot exist on this machine is remapped, in one function (`remapToLocal`).
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { findProgram, freePort, makeTempDir, runProgram, type RunningProcess, startProcess, waitFor } from '../helpers/programs';
import { at, type Synthesized } from '../helpers/synth';

/** A container of the rendered pod template, as far as these tests read it. */
export interface RenderedContainer {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: { name: string; value?: string }[];
  readonly ports?: { name: string; containerPort: number }[];
  readonly startupProbe?: { exec?: { command: string[] }; httpGet?: { path: string } };
  readonly readinessProbe?: { exec?: { command: string[] }; httpGet?: { path: string } };
}

export interface RenderedPod {
  readonly containers: RenderedContainer[];
  readonly initContainers?: RenderedContainer[];
}

export function podOf(s: Synthesized, deployment: string): RenderedPod {
  return at(s.get('Deployment', deployment), 'spec.template.spec') as RenderedPod;
}

export function containerOf(pod: RenderedPod, name: string): RenderedContainer {
  const found = [...pod.containers, ...(pod.initContainers ?? [])].find((c) => c.name === name);
  if (!found) throw new Error(`no container "${name}" (there are: ${pod.containers.map((c) => c.name).join(', ')})`);
  return found;
}

/** The value an agent container was given for an environment variable. */
export function agentEnv(s: Synthesized, agent: string, variable: string): string {
  const env = at(s.get('Deployment', agent), 'spec.template.spec.containers.0.env') as { name: string; value?: string }[];
  const value = env.find((e) => e.name === variable)?.value;
  if (value === undefined) throw new Error(`agent ${agent} has no ${variable} (it has ${env.map((e) => e.name).join(', ')})`);
  return value;
}

/** What stands in, on this machine, for a path or a port of the pod. */
export interface LocalRemap {
  /** Container path prefix → local path (e.g. `/mcp-relay` → a temp folder). */
  readonly paths: Readonly<Record<string, string>>;
  /** Container port → free local port. */
  readonly ports: Readonly<Record<number, number>>;
}

/**
 * The only place where the generated words change: container paths that cannot exist here
 * become local ones (by prefix, also inside a shell-command word), and a word (or a space
 * separated token of one) that is exactly a container port becomes its free local port.
 */
export function remapToLocal(words: readonly string[], remap: LocalRemap): string[] {
  const prefixes = Object.entries(remap.paths);
  const mapToken = (token: string): string => {
    const port = /^\d+$/.test(token) ? remap.ports[Number(token)] : undefined;
    return port === undefined ? token : String(port);
  };
  return words.map((word) => {
    const withPaths = prefixes.reduce((w, [from, to]) => w.split(from).join(to), word);
    return withPaths.split(' ').map(mapToken).join(' ');
  });
}

/** The URL an agent was handed, pointed at 127.0.0.1 and the local port of the Service. */
export function localUrl(url: string, port: number): URL {
  const local = new URL(url);
  local.hostname = '127.0.0.1';
  local.port = String(port);
  return local;
}

/** Runs a generated command to completion (an init container, an exec probe). */
export function runGenerated(words: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 15_000): { status: number | null; output: string; ms: number } {
  const started = Date.now();
  const result = runProgram(words[0], words.slice(1), { env, timeoutMs });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, ms: Date.now() - started };
}

/** The literal environment of a container, on top of this machine's PATH (standing in for the image's). */
export function containerEnv(container: RenderedContainer, remap: LocalRemap): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = remapToLocal([e.value], remap)[0];
  }
  return env;
}

export async function waitForPort(port: number, process: RunningProcess, timeoutMs = 10_000): Promise<void> {
  await waitFor(`127.0.0.1:${port} to accept connections (${process.output()})`, () => new Promise<boolean>((resolve) => {
    if (process.exited()) throw new Error(`exited: ${process.output()}`);
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  }), timeoutMs);
}

export async function waitForHttpOk(url: string, process: RunningProcess, timeoutMs = 10_000): Promise<void> {
  await waitFor(`${url} to answer 200`, async () => {
    if (process.exited()) throw new Error(`exited: ${process.output()}`);
    const response = await fetch(url).catch(() => undefined);
    return response?.status === 200;
  }, timeoutMs);
}

/** The supergateway the tests run: the npm package of the version pinned as the bridge image. */
export const SUPERGATEWAY = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'supergateway');

/** A bridged tool's pod, running: relay installed by its init container, server container, bridge. */
export interface RunningBridgedPod {
  readonly bridgePort: number;
  readonly relayPort: number;
  readonly remap: LocalRemap;
  readonly server: RunningProcess;
  readonly bridge: RunningProcess;
  readonly serverContainer: RenderedContainer;
}

/**
 * Starts one replica of a bridged tool from its rendered pod: runs the init container, then the
 * server container's command (the relay), then the bridge's entrypoint (supergateway) with its
 * arguments, and waits for the bridge's readiness endpoint.
 */
export async function startBridgedPod(
  pod: RenderedPod, serverName: string, serverFiles: Readonly<Record<string, string>>, changeBridgeArgs: (args: string[]) => string[] = (args) => args,
): Promise<RunningBridgedPod> {
  const init = containerOf(pod, 'install-relay');
  const serverContainer = containerOf(pod, serverName);
  const bridgeContainer = containerOf(pod, 'mcp-bridge');
  const relayDir = makeTempDir('mcp-relay');
  const busybox = findProgram('busybox');
  if (!busybox) throw new Error('busybox is not installed');
  const [bridgePort, relayPort] = [await freePort(), await freePort()];
  const containerRelayPort = serverContainer.ports?.find((p) => p.name === 'mcp-relay')?.containerPort ?? 0;
  const containerBridgePort = bridgeContainer.ports?.find((p) => p.name === 'http')?.containerPort ?? 0;
  const remap: LocalRemap = {
    paths: { '/mcp-relay': relayDir, '/bin/busybox': busybox, ...serverFiles },
    ports: { [containerRelayPort]: relayPort, [containerBridgePort]: bridgePort },
  };
  const installed = runGenerated(remapToLocal(init.command ?? [], remap));
  if (installed.status !== 0 || !fs.existsSync(path.join(relayDir, 'busybox'))) throw new Error(`install-relay failed: ${installed.output}`);
  const serverCommand = remapToLocal(serverContainer.command ?? [], remap);
  const server = startProcess(serverCommand[0], serverCommand.slice(1), { env: containerEnv(serverContainer, remap) });
  await waitForPort(relayPort, server);
  const bridge = startProcess(SUPERGATEWAY, changeBridgeArgs(remapToLocal(bridgeContainer.args ?? [], remap)), { env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  await waitForHttpOk(`http://127.0.0.1:${bridgePort}${bridgeContainer.readinessProbe?.httpGet?.path ?? '/'}`, bridge);
  return { bridgePort, relayPort, remap, server, bridge, serverContainer };
}

/** An MCP client connected with the transport the agent was told to use. */
export async function connectClient(url: URL, transport: string): Promise<{ client: Client; close: () => Promise<void> }> {
  const client = new Client({ name: 'agent', version: '1.0.0' });
  if (transport === 'streamable-http') {
    const http = new StreamableHTTPClientTransport(url);
    await client.connect(http);
    return {
      client,
      close: async () => {
        if (http.sessionId) await http.terminateSession();
        await client.close();
      },
    };
  }
  if (transport === 'sse') {
    await client.connect(new SSEClientTransport(url));
    return { client, close: () => client.close() };
  }
  throw new Error(`the agent was handed a transport no MCP client speaks: ${transport}`);
}
