import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { z } from 'zod';
import { brand, BrandKind } from './core/brand';
import { checkProps } from './core/props';
import { ResourcePreset } from './core/resources';
import { WorkloadComponent } from './core/labels';
import { Connections, NamespacePeer, Protocol } from './core/network';
import { type ContainerSpec } from './core/pod';
import { imageSchema } from './core/image';
import { httpPath, nonNegativeInt, namespaceName, port as portSchema, resourceName } from './core/schemas';
import { OTEL_PROMETHEUS_PORT, ServiceWorkload, type ServiceWorkloadProps, serviceWorkloadSchema } from './core/service-workload';
import { envSegment, type IWireable } from './core/wiring';
import { type EnvValue } from './core/env-value';
import { OTEL_MCP_SERVER_METRICS } from './core/signals';
import { containerPath, type HelmSectionBuilder } from './core/helm-values';
import { formatImage, parseImage } from './core/image';

/** How an MCP client talks to the server over HTTP. */
export enum McpTransport {
  /** Streamable HTTP (MCP 2025-03-26 and later): one endpoint, POST and optional SSE responses. */
  STREAMABLE_HTTP = 'streamable-http',
  /** HTTP with Server-Sent Events (the older transport): a long-lived GET stream plus POSTed messages. */
  SSE = 'sse',
}

/** An MCP tool server agents can be wired to, in this app or outside it. */
export interface IMcpTool extends IWireable {
  /** Name of the tool's Service. */
  readonly toolName: string;
  /** URL of the MCP endpoint, e.g. `http://jd-classifier.agentic-ai.svc.cluster.local:8080/mcp`. */
  readonly mcpUrl: string;
  /** Transport the endpoint speaks. */
  readonly transport: McpTransport;
}

/** Runs a stdio-only MCP server behind an HTTP bridge. */
export interface StdioBridgeOptions {
  /** Command that starts the stdio server, run by the bridge, e.g. `["node", "/app/dist/index.js"]`. */
  readonly command: string[];
  /**
   * Folder of the server inside `image`, copied by an init container into the bridge container at the same path.
   * @default "/app"
   */
  readonly serverPath?: string;
  /**
   * Bridge image: speaks MCP over HTTP and runs the stdio server as a child process.
   * @default McpToolService.DEFAULT_BRIDGE_IMAGE
   */
  readonly bridgeImage?: string;
}

/** Props of an `McpToolService`. */
export interface McpToolServiceProps extends ServiceWorkloadProps {
  /**
   * Path of the MCP endpoint.
   * @default "/mcp" (streamable HTTP) or "/sse" (SSE)
   */
  readonly mcpPath?: string;
  /**
   * MCP transport.
   * @default McpTransport.STREAMABLE_HTTP
   */
  readonly transport?: McpTransport;
  /**
   * Whether MCP sessions live in one server process (an SSE stream, or a streamable-HTTP
   * `Mcp-Session-Id` kept in memory). With more than one replica, the Service then pins each
   * client to one replica (ClientIP affinity): without it a client's next request can reach a
   * replica that does not know its session and fails.
   * @default - true for SSE, false for streamable HTTP
   */
  readonly statefulSessions?: boolean;
  /**
   * Seconds a client stays pinned to a replica when sessions are stateful.
   * @default 10800
   */
  readonly sessionAffinityTimeoutSeconds?: number;
  /**
   * Run a stdio-only server behind an HTTP bridge; `image` is then the server's image.
   * @default - the image speaks MCP over HTTP itself
   */
  readonly stdioBridge?: StdioBridgeOptions;
}

export const mcpToolServiceSchema = serviceWorkloadSchema.extend({
  mcpPath: httpPath.optional(),
  transport: z.enum(McpTransport, { error: `must be one of ${Object.values(McpTransport).join(', ')}` }).optional(),
  statefulSessions: z.boolean().optional(),
  sessionAffinityTimeoutSeconds: nonNegativeInt.min(1, { error: 'must be between 1 and 86400 seconds' }).max(86400, { error: 'must be between 1 and 86400 seconds' }).optional(),
  stdioBridge: z.object({
    command: z.array(z.string()).min(1, { error: 'must name the command that starts the stdio server' }),
    serverPath: httpPath.optional(),
    bridgeImage: imageSchema.optional(),
  }).strict().optional(),
}).strict();

const BRIDGE_SHARE = 'mcp-server';

/** The bridge runs the stdio command through a shell: quote every word that a shell would split or expand. */
export function shellJoin(words: readonly string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * A Model Context Protocol tool server reached over HTTP: its own Deployment and a Service with a
 * stable DNS name (`<name>.<namespace>.svc.cluster.local`), sized as a tool worker by default
 * (128Mi / 0.25 CPU requested, 512Mi / 1 CPU limit). Agents wired to it get `MCP_<NAME>_URL`
 * and `MCP_<NAME>_TRANSPORT`, and its NetworkPolicy admits only them.
 */
export class McpToolService extends ServiceWorkload implements IMcpTool {
  /** The bridge image used for stdio servers unless `stdioBridge.bridgeImage` says otherwise. */
  public static readonly DEFAULT_BRIDGE_IMAGE = 'docker.io/supercorp/supergateway:3.4.0';

  /** An MCP server that runs outside this app: in another namespace of the cluster. */
  public static fromServiceName(scope: Construct, id: string, options: ExternalMcpToolOptions): IMcpTool {
    return new ExternalMcpTool(scope, id, options);
  }

  public readonly toolName: string;
  public readonly mcpPath: string;
  public readonly transport: McpTransport;
  public readonly wireName: string;
  private readonly statefulSessions: boolean;
  private readonly affinityTimeout: number;
  private readonly bridge?: StdioBridgeOptions;

  constructor(scope: Construct, id: string, props: McpToolServiceProps) {
    const parsed = checkProps(mcpToolServiceSchema, props);
    super(scope, id, parsed, props?.name, {
      component: WorkloadComponent.MCP_TOOL,
      resourcePreset: ResourcePreset.TOOL_WORKER,
      startupTimeoutSeconds: 120,
      service: true,
      // A stdio bridge serves MCP only, no /metrics.
      metricsByDefault: parsed.value?.stdioBridge === undefined,
      metricsPort: OTEL_PROMETHEUS_PORT,
      requestMetrics: OTEL_MCP_SERVER_METRICS,
    });
    brand(this, BrandKind.MCP_TOOL);
    const config = parsed.value;
    this.toolName = this.name;
    this.wireName = `MCP tool ${this.name}`;
    this.transport = config?.transport ?? McpTransport.STREAMABLE_HTTP;
    this.mcpPath = config?.mcpPath ?? (this.transport === McpTransport.SSE ? '/sse' : '/mcp');
    this.statefulSessions = config?.statefulSessions ?? this.transport === McpTransport.SSE;
    this.affinityTimeout = config?.sessionAffinityTimeoutSeconds ?? 10800;
    this.bridge = config?.stdioBridge;
    if (this.bridge) {
      this.addBridgeShare(this.bridge.serverPath ?? '/app');
      const bridgeImage = this.bridge.bridgeImage ?? McpToolService.DEFAULT_BRIDGE_IMAGE;
      this.checkImagePolicy('stdioBridge.bridgeImage', parseImage(bridgeImage) ?? { repository: 'invalid' }, bridgeImage);
    }
  }

  /** The server's files, copied from its image into a volume the bridge container mounts. */
  private addBridgeShare(serverPath: string): void {
    this.addVolume({ name: BRIDGE_SHARE, emptyDir: {} }, { name: BRIDGE_SHARE, mountPath: serverPath, readOnly: true });
    this.addInitContainer({
      name: 'copy-server',
      image: this.imageName,
      imagePullPolicy: this.environment.images.pullPolicy,
      command: ['cp', '-a', `${serverPath}/.`, '/share/'],
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
      security: this.config.security,
      volumeMounts: [{ name: BRIDGE_SHARE, mountPath: '/share' }],
    });
  }

  public get mcpUrl(): string {
    return `${this.url}${this.mcpPath}`;
  }

  public bindingEnv(): Record<string, string | EnvValue> {
    const segment = envSegment(this.name);
    return { [`MCP_${segment}_URL`]: this.mcpUrl, [`MCP_${segment}_TRANSPORT`]: this.transport };
  }

  protected override serviceSpecExtras(): Partial<k8s.ServiceSpec> {
    if (!this.statefulSessions || this.maxPods <= 1) {
      return {};
    }
    return { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIp: { timeoutSeconds: this.affinityTimeout } } };
  }

  protected override addHelmImages(builder: HelmSectionBuilder): void {
    if (!this.bridge) {
      super.addHelmImages(builder);
      return;
    }
    const bridgeImage = parseImage(this.bridge.bridgeImage ?? McpToolService.DEFAULT_BRIDGE_IMAGE) ?? { repository: 'invalid' };
    builder
      .image(['image'], this.image, this.deployment, containerPath('copy-server', true), 'Image of the stdio MCP server (copied into the bridge)')
      .image(['bridge', 'image'], bridgeImage, this.deployment, containerPath(this.name), 'Image of the stdio-to-HTTP bridge');
  }

  protected override mainContainerSpec(): ContainerSpec {
    const spec = super.mainContainerSpec();
    if (!this.bridge) {
      return spec;
    }
    const transportArgs = this.transport === McpTransport.SSE
      ? ['--outputTransport', 'sse', '--ssePath', this.mcpPath]
      : ['--outputTransport', 'streamableHttp', '--streamableHttpPath', this.mcpPath, ...(this.statefulSessions ? ['--stateful'] : [])];
    const tcp = { tcpSocket: { port: k8s.IntOrString.fromString('http') } };
    const probes = spec.probes;
    const bridgeImage = parseImage(this.bridge.bridgeImage ?? McpToolService.DEFAULT_BRIDGE_IMAGE) ?? { repository: 'invalid' };
    return {
      ...spec,
      image: formatImage(bridgeImage, this.environment.images.registry),
      command: undefined,
      args: ['--stdio', shellJoin(this.bridge.command), '--port', String(this.port), ...transportArgs],
      // A bridge answers MCP, not a health path: probe that it accepts connections.
      probes: probes && {
        startupProbe: { ...probes.startupProbe, httpGet: undefined, ...tcp },
        readinessProbe: { ...probes.readinessProbe, httpGet: undefined, ...tcp },
        livenessProbe: { ...probes.livenessProbe, httpGet: undefined, ...tcp },
      },
    };
  }
}

/** Where a tool outside this app is reached. */
export interface ExternalMcpToolOptions {
  /** Name of its Service. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /**
   * Port of its Service (and of its pods, for the NetworkPolicy).
   * @default 8080
   */
  readonly port?: number;
  /**
   * Path of the MCP endpoint.
   * @default "/mcp"
   */
  readonly mcpPath?: string;
  /**
   * Transport.
   * @default McpTransport.STREAMABLE_HTTP
   */
  readonly transport?: McpTransport;
}

const externalToolSchema = z.object({
  name: resourceName(),
  namespace: namespaceName,
  port: portSchema.optional(),
  mcpPath: httpPath.optional(),
  transport: z.enum(McpTransport).optional(),
}).strict();

/** A tool in another namespace: agents get its URL and an egress rule; its own policy is not ours. */
class ExternalMcpTool extends Construct implements IMcpTool {
  public readonly toolName: string;
  public readonly mcpUrl: string;
  public readonly transport: McpTransport;
  public readonly connections: Connections;
  public readonly wireName: string;

  constructor(scope: Construct, id: string, options: ExternalMcpToolOptions) {
    super(scope, id);
    brand(this, BrandKind.MCP_TOOL);
    const { issues } = checkProps(externalToolSchema, options);
    this.node.addValidation({ validate: () => issues.map((i) => `${i.field}: ${i.message}`) });
    const port = options.port ?? 8080;
    this.toolName = options.name;
    this.wireName = `MCP tool ${options.namespace}/${options.name}`;
    this.transport = options.transport ?? McpTransport.STREAMABLE_HTTP;
    this.mcpUrl = `http://${options.name}.${options.namespace}.svc.cluster.local:${port}${options.mcpPath ?? '/mcp'}`;
    const peer = new NamespacePeer(options.namespace, { 'app.kubernetes.io/name': options.name });
    this.connections = new Connections(peer, [{ port, protocol: Protocol.TCP }], false);
  }

  public bindingEnv(): Record<string, string> {
    const segment = envSegment(this.toolName);
    return { [`MCP_${segment}_URL`]: this.mcpUrl, [`MCP_${segment}_TRANSPORT`]: this.transport };
  }
}
