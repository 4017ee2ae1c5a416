/**
 * MCP tools spoken to by a real MCP client (the TypeScript SDK's), through the URL and transport
 * the library hands an agent:
 * - stdio servers in their own runtime (Python, and Node with the SDK) behind the real bridge
 *   (supergateway, the npm package of the pinned image's version) and the real relay (static
 *   BusyBox), each started with exactly the generated command and arguments;
 * - HTTP-native servers built with the SDK, over streamable HTTP and SSE;
 * - stateful sessions on two replicas, which work only when pinned to their replica.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { randomUUID } from 'crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { AgentMicroservice, type AgentPlatform, McpToolService, McpTransport, type McpToolServiceProps } from '../../lib';
import { describeWithPrograms, freePort, runProgram, stopAllProcesses, waitFor } from '../helpers/programs';
import { problemsOf, synth, type Synthesized } from '../helpers/synth';
import {
  agentEnv, connectClient, containerOf, localUrl, podOf, remapToLocal, runGenerated, type RunningBridgedPod, startBridgedPod,
} from './local-pod';

const FIXTURES = path.join(__dirname, 'fixtures');
const TEST_TIMEOUT_MS = 60_000;

/** A tool and an agent wired to it, synthesized and strictly validated. */
function toolAndAgent(props: McpToolServiceProps): Synthesized {
  return synth((p: AgentPlatform) => {
    const tool = new McpToolService(p, 'doc-search', props);
    new AgentMicroservice(p, 'copilot-api', { image: 'support-copilot-api:2.3.1', tools: [tool] });
  });
}

interface TextContent { readonly type: string; readonly text?: string }

function textOf(result: unknown): string {
  return (((result as { content?: unknown }).content ?? []) as TextContent[]).map((c) => c.text ?? '').join('\n');
}

afterAll(async () => {
  await stopAllProcesses();
});

describeWithPrograms(['busybox'])('what is tested is what is deployed', () => {
  test('the bridge image is the version of supergateway the tests run (from package-lock.json)', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    expect(McpToolService.DEFAULT_BRIDGE_IMAGE).toBe(`docker.io/supercorp/supergateway:${lock.packages['node_modules/supergateway'].version}`);
  });

  test('the relay image is the BusyBox release the tests run (a static build of the same version)', () => {
    const banner = runProgram('busybox', []).stdout;
    const version = /^BusyBox v(\d+\.\d+\.\d+)/.exec(banner)?.[1];
    expect(McpToolService.DEFAULT_RELAY_IMAGE).toBe(`docker.io/library/busybox:${version}-musl`);
  });
});

describeWithPrograms(['busybox', 'python3'])('stdio servers in their own image, behind the bridge and the relay', () => {
  const pythonServer = { image: 'ghcr.io/acme/doc-search:1.3.0', stdioBridge: { command: ['python3', '/app/doc_search_server.py'] } };
  const pods: RunningBridgedPod[] = [];
  const start = async (s: Synthesized, changeBridgeArgs?: (args: string[]) => string[]) => {
    const pod = await startBridgedPod(podOf(s, 'doc-search'), 'doc-search', { '/app': FIXTURES }, changeBridgeArgs);
    pods.push(pod);
    return pod;
  };
  /** How many server processes the relay has started (each fixture logs one line at start). */
  const startsOf = (pod: RunningBridgedPod) => (pod.server.output().match(/: started, pid \d+/g) ?? []).length;
  /** Waits for the process the readiness check's TCP connection started, then counts. */
  const settledStarts = async (pod: RunningBridgedPod, atLeast: number) => waitFor(`${atLeast} server start(s)`, () => startsOf(pod) >= atLeast && startsOf(pod));

  afterEach(async () => {
    await Promise.all(pods.splice(0).flatMap((p) => [p.bridge.stop(), p.server.stop()]));
  });

  test('a Python server over stateful streamable HTTP: initialize, list tools, call one', async () => {
    // GIVEN the generated pod of a Python stdio server, running as local processes
    const s = toolAndAgent(pythonServer);
    const pod = await start(s);
    // WHEN an MCP client uses what the agent was handed
    const url = localUrl(agentEnv(s, 'copilot-api', 'MCP_DOC_SEARCH_URL'), pod.bridgePort);
    const { client, close } = await connectClient(url, agentEnv(s, 'copilot-api', 'MCP_DOC_SEARCH_TRANSPORT'));
    try {
      // THEN the Python server answers through the bridge and the relay
      expect(client.getServerVersion()).toEqual({ name: 'doc-search', version: '1.0.0' });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['search_docs']);
      const result = await client.callTool({ name: 'search_docs', arguments: { query: 'refund' } });
      expect(textOf(result)).toBe('refund-policy: Refunds are granted within 30 days of purchase for annual plans.');
    } finally {
      await close();
    }
    // AND the relay started the server in its own runtime, logging to the container's stderr
    expect(pod.server.output()).toMatch(/doc-search: started, pid \d+, python 3\./);
  }, TEST_TIMEOUT_MS);

  test('the server container\'s MCP probe succeeds on a working server and fails on a broken one', async () => {
    // GIVEN a running pod and its generated startup probe
    const s = toolAndAgent(pythonServer);
    const pod = await start(s);
    const probe = pod.serverContainer.startupProbe?.exec?.command ?? [];
    expect(probe).not.toHaveLength(0);
    // WHEN the kubelet would run it
    const ok = runGenerated(remapToLocal(probe, pod.remap));
    // THEN it succeeds, within its timeout
    expect(ok.output).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.ms).toBeLessThan(10_000);
    // AND the same probe fails against a server whose runtime cannot start it
    const broken = toolAndAgent({ ...pythonServer, stdioBridge: { command: ['python3', '/app/missing_server.py'] } });
    const brokenPod = await start(broken);
    const failed = runGenerated(remapToLocal(containerOf(podOf(broken, 'doc-search'), 'doc-search').startupProbe?.exec?.command ?? [], brokenPod.remap));
    expect(failed.status).not.toBe(0);
  }, TEST_TIMEOUT_MS);

  test('stateless streamable HTTP: one server process per request still answers', async () => {
    // GIVEN statefulSessions: false (the bridge starts the server for each POST)
    const s = toolAndAgent({ ...pythonServer, statefulSessions: false });
    expect(containerOf(podOf(s, 'doc-search'), 'mcp-bridge').args).not.toContain('--stateful');
    const pod = await start(s);
    const { client, close } = await connectClient(localUrl(agentEnv(s, 'copilot-api', 'MCP_DOC_SEARCH_URL'), pod.bridgePort), agentEnv(s, 'copilot-api', 'MCP_DOC_SEARCH_TRANSPORT'));
    try {
      const result = await client.callTool({ name: 'search_docs', arguments: { query: 'password' } });
      // THEN
      expect(textOf(result)).toContain('reset-password');
    } finally {
      await close();
    }
  }, TEST_TIMEOUT_MS);

  const nodeServer = { image: 'ghcr.io/acme/jd-classifier:2.0.0', stdioBridge: { command: ['node', '/app/sdk_stdio_server.mjs'] } };

  test('an SDK-built Node server: two clients at once, each answered by its own server process', async () => {
    // GIVEN a stdio server written with the SDK
    const s = toolAndAgent(nodeServer);
    const pod = await start(s);
    const url = localUrl(agentEnv(s, 'copilot-api', 'MCP_DOC_SEARCH_URL'), pod.bridgePort);
    const before = await settledStarts(pod, 1);
    // WHEN two agents' clients call at once, with the same JSON-RPC ids
    const sessions = await Promise.all([connectClient(url, 'streamable-http'), connectClient(url, 'streamable-http')]);
    try {
      const [a, b] = await Promise.all([
        sessions[0].client.callTool({ name: 'classify', arguments: { text: 'Senior platform engineer' } }),
        sessions[1].client.callTool({ name: 'classify', arguments: { text: 'Accountant' } }),
      ]);
      // THEN each gets its own answer
      expect([textOf(a), textOf(b)]).toEqual(['engineering', 'other']);
    } finally {
      await Promise.all(sessions.map((c) => c.close()));
    }
    expect(startsOf(pod) - before).toBe(2);
  }, TEST_TIMEOUT_MS);

  test('why a stdio bridge refuses SSE: supergateway\'s SSE mode sends every answer to every client', async () => {
    // GIVEN the library refuses SSE for a stdio server
    expect(problemsOf((p) => { new McpToolService(p, 'doc-search', { ...nodeServer, transport: McpTransport.SSE }); })).toEqual([
      expect.stringMatching(/^\[test\/doc-search\] transport: is not served correctly by the stdio bridge, which speaks streamable-http: /),
    ]);
    // WHEN the same pod runs the bridge in SSE mode anyway
    const s = toolAndAgent(nodeServer);
    const pod = await start(s, (args) => {
      const at = args.indexOf('--outputTransport');
      return [...args.slice(0, at), '--outputTransport', 'sse', '--ssePath', '/sse', '--messagePath', '/message', ...args.slice(at + 4).filter((a) => a !== '--stateful')];
    });
    const url = new URL(`http://127.0.0.1:${pod.bridgePort}/sse`);
    // (one process for the relay's readiness connection, one the SSE bridge starts for everyone)
    const before = await settledStarts(pod, 2);
    // AND another client's SSE stream is open, having sent nothing
    const other = await fetch(url, { headers: { accept: 'text/event-stream' } });
    const reader = other.body?.getReader();
    let received = '';
    const reading = (async () => {
      for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) received += Buffer.from(chunk.value).toString('utf8');
    })().catch(() => undefined);
    const { client, close } = await connectClient(url, 'sse');
    try {
      // WHEN one agent calls the tool
      expect(textOf(await client.callTool({ name: 'classify', arguments: { text: 'Senior platform engineer' } }))).toBe('engineering');
      // THEN the other client's stream receives that agent's answer too, from the one shared server process
      await waitFor('the answer on the other stream', () => received.includes('engineering'));
      expect(startsOf(pod)).toBe(before);
    } finally {
      await close();
      await reader?.cancel();
      await reading;
    }
  }, TEST_TIMEOUT_MS);

  test('stateful sessions on two replicas work only when pinned to their replica (why ClientIP affinity is rendered)', async () => {
    // GIVEN two replicas of the same bridged tool, which the prod Service pins clients to
    const s = toolAndAgent(pythonServer);
    expect(affinityOf(s, 'doc-search')).toBe('ClientIP');
    const [a, b] = [await start(s), await start(s)];
    const url = agentEnv(s, 'copilot-api', 'MCP_DOC_SEARCH_URL');
    const { client, close } = await connectClient(localUrl(url, a.bridgePort), 'streamable-http');
    try {
      const sessionId = (client as unknown as { transport: { sessionId?: string } }).transport.sessionId;
      expect(sessionId).toEqual(expect.any(String));
      const listTools = (port: number) => fetch(localUrl(url, port), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId ?? '', 'mcp-protocol-version': '2025-03-26' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
      });
      // WHEN its next request reaches the other replica, THEN that replica does not know the session
      const elsewhere = await listTools(b.bridgePort);
      expect(elsewhere.status).toBeGreaterThanOrEqual(400);
      expect(await elsewhere.text()).not.toContain('search_docs');
      // AND on its own replica the same request works
      const pinned = await listTools(a.bridgePort);
      expect(pinned.status).toBe(200);
      expect(await pinned.text()).toContain('search_docs');
    } finally {
      await close();
    }
  }, TEST_TIMEOUT_MS);
});

/** The Service's ClientIP affinity of a tool. */
function affinityOf(s: Synthesized, tool: string): unknown {
  return (s.get('Service', tool).spec as { sessionAffinity?: string }).sessionAffinity;
}

/** A tiny HTTP-native MCP server built with the SDK, serving what the library says the tool serves. */
async function startSdkHttpServer(options: { transport: McpTransport; mcpPath: string; stateful: boolean; port: number }): Promise<{ close: () => Promise<void> }> {
  const newServer = () => {
    const server = new McpServer({ name: 'jd-classifier', version: '1.0.0' });
    server.registerTool('classify', { description: 'Engineering or not', inputSchema: { text: z.string() } }, async ({ text }) => ({
      content: [{ type: 'text', text: /engineer/i.test(text) ? 'engineering' : 'other' }],
    }));
    return server;
  };
  const streamable = new Map<string, StreamableHTTPServerTransport>();
  const sse = new Map<string, SSEServerTransport>();
  const messagePath = '/messages';
  const httpServer = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (options.transport === McpTransport.SSE) {
        if (req.method === 'GET' && url.pathname === options.mcpPath) {
          const transport = new SSEServerTransport(messagePath, res);
          sse.set(transport.sessionId, transport);
          res.on('close', () => sse.delete(transport.sessionId));
          await newServer().connect(transport);
          return;
        }
        const transport = sse.get(url.searchParams.get('sessionId') ?? '');
        if (req.method === 'POST' && url.pathname === messagePath && transport) {
          await transport.handlePostMessage(req, res);
          return;
        }
        res.writeHead(url.pathname === messagePath ? 400 : 404).end();
        return;
      }
      if (url.pathname !== options.mcpPath) {
        res.writeHead(404).end();
        return;
      }
      const known = streamable.get(String(req.headers['mcp-session-id'] ?? ''));
      if (known) {
        await known.handleRequest(req, res);
        return;
      }
      if (options.stateful && req.headers['mcp-session-id']) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
        return;
      }
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: options.stateful ? () => randomUUID() : undefined,
        onsessioninitialized: (id) => { streamable.set(id, transport); },
      });
      await newServer().connect(transport);
      await transport.handleRequest(req, res);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(options.port, '127.0.0.1', resolve));
  return {
    close: async () => {
      await Promise.all([...streamable.values(), ...sse.values()].map((t) => t.close()));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

describe('HTTP-native tools built with the SDK', () => {
  const httpTool = (props: Partial<McpToolServiceProps> = {}) => toolAndAgent({ image: 'ghcr.io/acme/jd-classifier:2.0.0', ...props });

  /** Serves the tool where its rendered pod says (path of the URL) on a free local port. */
  async function serve(s: Synthesized, stateful: boolean) {
    const url = agentEnv(s, 'copilot-api', 'MCP_DOC_SEARCH_URL');
    const transport = agentEnv(s, 'copilot-api', 'MCP_DOC_SEARCH_TRANSPORT') as McpTransport;
    const port = await freePort();
    const server = await startSdkHttpServer({ transport, mcpPath: new URL(url).pathname, stateful, port });
    return { url, transport, port, server };
  }

  test.each([
    ['streamable HTTP', {}],
    ['SSE', { transport: McpTransport.SSE }],
    ['streamable HTTP on a custom path', { mcpPath: '/v1/mcp' }],
  ] as const)('%s: initialize, list tools, call one', async (_name, props) => {
    // GIVEN a tool server listening where the library says
    const s = httpTool(props);
    const { url, transport, port, server } = await serve(s, 'transport' in props);
    try {
      // WHEN the agent's client connects with the transport it was handed
      const { client, close } = await connectClient(localUrl(url, port), transport);
      try {
        // THEN
        expect(client.getServerVersion()?.name).toBe('jd-classifier');
        expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['classify']);
        expect(textOf(await client.callTool({ name: 'classify', arguments: { text: 'ML engineer' } }))).toBe('engineering');
      } finally {
        await close();
      }
    } finally {
      await server.close();
    }
  }, TEST_TIMEOUT_MS);

  test('a stateful streamable-HTTP tool on two replicas: the session exists only on its replica', async () => {
    // GIVEN statefulSessions on a tool that can run several replicas: the Service pins clients
    const s = httpTool({ statefulSessions: true });
    expect(affinityOf(s, 'doc-search')).toBe('ClientIP');
    const [a, b] = [await serve(s, true), await serve(s, true)];
    try {
      const { client, close } = await connectClient(localUrl(a.url, a.port), a.transport);
      try {
        const sessionId = (client as unknown as { transport: { sessionId?: string } }).transport.sessionId ?? '';
        const call = (port: number) => fetch(localUrl(a.url, port), {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-03-26' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'classify', arguments: { text: 'engineer' } } }),
        });
        // WHEN the session's next request reaches the other replica, THEN it is refused
        expect((await call(b.port)).status).toBe(404);
        // AND on its replica it is answered
        const pinned = await call(a.port);
        expect(pinned.status).toBe(200);
        expect(await pinned.text()).toContain('engineering');
      } finally {
        await close();
      }
    } finally {
      await Promise.all([a.server.close(), b.server.close()]);
    }
  }, TEST_TIMEOUT_MS);
});
