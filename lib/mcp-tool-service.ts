import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { z } from 'zod';
import { brand, BrandKind } from './core/brand';
import { checkProps } from './core/props';
import { checkScope, reportIssues } from './core/errors';
import { type ResolvedResources, ResourcePreset } from './core/resources';
import { WorkloadComponent } from './core/labels';
import { Connections, NamespacePeer, Protocol } from './core/network';
import { type ContainerSpec, renderContainer } from './core/pod';
import { imageSchema } from './core/image';
import { httpPath, nonNegativeInt, namespaceName, port as portSchema, resourceName } from './core/schemas';
import { OTEL_PROMETHEUS_PORT, ServiceWorkload, type ServiceWorkloadProps, serviceWorkloadSchema } from './core/service-workload';
import { envSegment, type IWireable } from './core/wiring';
import { type EnvValue } from './core/env-value';
import { OTEL_MCP_SERVER_METRICS } from './core/signals';
import { containerPath, type HelmSectionBuilder } from './core/helm-values';
import { formatImage, type ImageReference } from './core/image';
import { parseImageOrPlaceholder, PLACEHOLDER, PLACEHOLDER_IMAGE } from './core/placeholder';
import { type PropIssue } from './core/errors';
import { httpProbes } from './core/probes';
import { McpTransport } from './mcp/transport';
import {
  BRIDGE_CONTAINER, BRIDGE_HEALTH_PATH, BRIDGE_RESOURCES, BRIDGE_TRANSPORTS, bridgeArgs, DEFAULT_RELAY_PORT, mcpInitializeProbeCommand, RELAY_DIR,
  RELAY_INSTALL_CONTAINER, RELAY_INSTALL_RESOURCES, RELAY_PORT_NAME, RELAY_VOLUME, relayCommand, relayInstallCommand,
  relaySleepCommand, stdioCommandIssues,
} from './mcp/stdio-bridge';

export { McpTransport } from './mcp/transport';

/** An MCP tool server agents can be wired to, in this app or outside it. */
export interface IMcpTool extends IWireable {
  /** Name of the tool's Service. */
  readonly toolName: string;
  /** URL of the MCP endpoint, e.g. `http://jd-classifier.agentic-ai.svc.cluster.local:8080/mcp`. */
  readonly mcpUrl: string;
  /** Transport the endpoint speaks. */
  readonly transport: McpTransport;
}

/**
 * Serves a stdio-only MCP server over HTTP while it keeps its own image (Python, Go, JVM,
 * distroless...). The server's container runs a static relay (BusyBox `nc`, copied from
 * `relayImage` by an init container) that starts one server process per connection; a bridge
 * container (supergateway) speaks MCP over HTTP on the Service port and reaches the relay on the
 * pod's loopback. `env`, `resources`, `sharedVolumes` and wiring apply to the server's container.
 */
export interface StdioBridgeOptions {
  /**
   * Command that starts the stdio server in its own image, one word per element, e.g.
   * `["python3", "-m", "doc_search"]`: an absolute path or a program the image's PATH resolves,
   * then its arguments. No shell runs it.
   */
  readonly command: string[];
  /**
   * Bridge image (supergateway): speaks MCP over streamable HTTP and runs one server process
   * per MCP session (or per request when `statefulSessions` is false).
   * @default McpToolService.DEFAULT_BRIDGE_IMAGE
   */
  readonly bridgeImage?: string;
  /**
   * Image whose statically linked `/bin/busybox` becomes the relay in the server's container.
   * @default McpToolService.DEFAULT_RELAY_IMAGE
   */
  readonly relayImage?: string;
  /**
   * Port of the relay inside the pod (not exposed by the Service, refused by the NetworkPolicy).
   * @default 9000
   */
  readonly relayPort?: number;
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
   * replica that does not know its session and fails. A stdio bridge keeps one server process
   * per session (instead of one per request) when it is true.
   * @default - true for SSE and for a stdio bridge, false for streamable HTTP
   */
  readonly statefulSessions?: boolean;
  /**
   * Seconds a client stays pinned to a replica when sessions are stateful.
   * @default 10800
   */
  readonly sessionAffinityTimeoutSeconds?: number;
  /**
   * Run a stdio-only server, in its own image, behind an HTTP bridge (streamable HTTP only);
   * `image` is the server's image.
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
    bridgeImage: imageSchema.optional(),
    relayImage: imageSchema.optional(),
    relayPort: portSchema.optional(),
  }).strict().optional(),
}).strict();

/** Seconds the server container's MCP probe may take by default: a runtime such as Python imports its packages first. */
const SERVER_PROBE_TIMEOUT_SECONDS = 10;
/** Each readiness check starts a server process, so it runs less often than an HTTP check. */
const SERVER_READINESS_PERIOD_SECONDS = 30;
const STARTUP_PERIOD_SECONDS = 5;
const STARTUP_BUDGET_SECONDS = 120;

/**
 * A Model Context Protocol tool server reached over HTTP: its own Deployment and a Service with a
 * stable DNS name (`<name>.<namespace>.svc.cluster.local`), sized as a tool worker by default
 * (128Mi / 0.25 CPU requested, 512Mi / 1 CPU limit). Agents wired to it get `MCP_<NAME>_URL`
 * and `MCP_<NAME>_TRANSPORT`, and its NetworkPolicy admits only them. A stdio-only server runs
 * in its own image behind a bridge (`stdioBridge`).
 */
export class McpToolService extends ServiceWorkload implements IMcpTool {
  /** The bridge image for stdio servers (supergateway; the tests run the same version from npm). */
  public static readonly DEFAULT_BRIDGE_IMAGE = 'docker.io/supercorp/supergateway:4.0.0';
  /** The image whose static BusyBox becomes the relay (the tests run Debian's static BusyBox of the same version). */
  public static readonly DEFAULT_RELAY_IMAGE = 'docker.io/library/busybox:1.35.0-musl';

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
  private readonly bridge?: ResolvedBridge;

  constructor(scope: Construct, id: string, props: McpToolServiceProps) {
    const parsed = checkProps(mcpToolServiceSchema, props);
    super(scope, id, parsed, props?.name, {
      component: WorkloadComponent.MCP_TOOL,
      resourcePreset: ResourcePreset.TOOL_WORKER,
      startupTimeoutSeconds: STARTUP_BUDGET_SECONDS,
      service: true,
      // Neither the bridge nor the relay serves /metrics.
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
    const bridge = config?.stdioBridge;
    this.statefulSessions = config?.statefulSessions ?? (this.transport === McpTransport.SSE || bridge !== undefined);
    this.affinityTimeout = config?.sessionAffinityTimeoutSeconds ?? 10800;
    if (bridge) {
      this.bridge = {
        command: bridge.command,
        bridgeImage: parseImageOrPlaceholder(bridge.bridgeImage ?? McpToolService.DEFAULT_BRIDGE_IMAGE),
        relayImage: parseImageOrPlaceholder(bridge.relayImage ?? McpToolService.DEFAULT_RELAY_IMAGE),
        relayPort: bridge.relayPort ?? DEFAULT_RELAY_PORT,
      };
      this.checkImagePolicy('stdioBridge.bridgeImage', this.bridge.bridgeImage, bridge.bridgeImage ?? McpToolService.DEFAULT_BRIDGE_IMAGE);
      this.checkImagePolicy('stdioBridge.relayImage', this.bridge.relayImage, bridge.relayImage ?? McpToolService.DEFAULT_RELAY_IMAGE);
      this.issues.push(...this.bridgeIssues(this.bridge));
      this.addRelayInstall();
    }
  }

  /** What would make the bridged pod fail: each with the field, the value and the fix. */
  private bridgeIssues(bridge: ResolvedBridge): PropIssue[] {
    const issues = stdioCommandIssues(bridge.command, typeof this.config.env?.PATH === 'string' ? this.config.env.PATH : undefined);
    const replaced = 'the server\'s container runs the relay, which starts stdioBridge.command';
    if (this.config.command !== undefined) {
      issues.push({ field: 'command', value: this.config.command, message: `cannot be combined with stdioBridge: ${replaced}; put the server's command in stdioBridge.command` });
    }
    if (this.config.args !== undefined) {
      issues.push({ field: 'args', value: this.config.args, message: `cannot be combined with stdioBridge: ${replaced}; append the arguments to stdioBridge.command` });
    }
    if (this.config.metrics?.enabled === true) {
      issues.push({ field: 'metrics.enabled', value: true, message: 'cannot be true with stdioBridge: neither the bridge nor the relay serves Prometheus metrics, and a stdio server runs one process per session, so none can listen on a fixed port. Remove metrics, or serve the tool over HTTP itself' });
    }
    const health = this.config.healthCheck;
    for (const key of ['path', 'livenessPath', 'command'] as const) {
      if (health?.[key] !== undefined) {
        issues.push({ field: `healthCheck.${key}`, value: health[key], message: `cannot be set with stdioBridge: the probes are written for it (an MCP initialize through the relay, and the bridge's ${BRIDGE_HEALTH_PATH}); remove it (the timing options still apply)` });
      }
    }
    if (!BRIDGE_TRANSPORTS.includes(this.transport)) {
      issues.push({
        field: 'transport', value: this.transport,
        message: `is not served correctly by the stdio bridge, which speaks ${BRIDGE_TRANSPORTS.join(', ')}: in SSE mode supergateway runs one server process for all clients and sends every answer to every client, so concurrent agents would receive each other's results. Remove transport (streamable HTTP, one server process per session) and give the agents a streamable-HTTP MCP client`,
      });
    }
    if (bridge.relayPort === this.port) {
      issues.push({ field: 'stdioBridge.relayPort', value: bridge.relayPort, message: `is the bridge's port ("port"); the relay and the bridge share the pod's network: choose another relayPort, e.g. ${bridge.relayPort === DEFAULT_RELAY_PORT ? DEFAULT_RELAY_PORT + 1 : DEFAULT_RELAY_PORT}` });
    }
    if (this.mcpPath === BRIDGE_HEALTH_PATH) {
      issues.push({ field: 'mcpPath', value: this.mcpPath, message: `is the bridge's health endpoint: choose another, e.g. "/mcp"` });
    }
    return issues;
  }

  /** The init container that copies the static relay binary into the pod. */
  private addRelayInstall(): void {
    this.addVolume({ name: RELAY_VOLUME, emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } });
    this.addInitContainer({
      name: RELAY_INSTALL_CONTAINER,
      image: formatImage(this.bridge?.relayImage ?? PLACEHOLDER_IMAGE, this.environment.images.registry),
      imagePullPolicy: this.environment.images.pullPolicy,
      command: relayInstallCommand(),
      resources: RELAY_INSTALL_RESOURCES,
      security: this.config.security,
      volumeMounts: [{ name: RELAY_VOLUME, mountPath: RELAY_DIR }],
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
    super.addHelmImages(builder);
    if (this.bridge) {
      builder
        .image(['bridge', 'image'], this.bridge.bridgeImage, this.deployment, containerPath(BRIDGE_CONTAINER), 'Image of the stdio-to-HTTP bridge (supergateway)')
        .image(['relay', 'image'], this.bridge.relayImage, this.deployment, containerPath(RELAY_INSTALL_CONTAINER, true), 'Image providing the static BusyBox relay');
    }
  }

  protected override contributedPodAnnotations(): Record<string, string> {
    const contributed = super.contributedPodAnnotations();
    // `kubectl logs` and `kubectl exec` reach the server, not the bridge, unless told otherwise.
    return this.bridge ? { 'kubectl.kubernetes.io/default-container': this.name, ...contributed } : contributed;
  }

  /** With a bridge, the first container is the bridge: it owns the Service port. */
  protected override mainContainerSpec(): ContainerSpec {
    const spec = super.mainContainerSpec();
    if (!this.bridge) {
      return spec;
    }
    const health = this.config.healthCheck;
    return {
      ...spec,
      name: BRIDGE_CONTAINER,
      image: formatImage(this.bridge.bridgeImage, this.environment.images.registry),
      command: undefined,
      args: bridgeArgs({ transport: this.transport, mcpPath: this.mcpPath, port: this.port, relayPort: this.bridge.relayPort, statefulSessions: this.statefulSessions }),
      env: [],
      resources: BRIDGE_RESOURCES,
      extendedResources: {},
      probes: httpProbes({ ...health, path: BRIDGE_HEALTH_PATH, livenessPath: undefined, command: undefined }, 'http', { startupTimeoutSeconds: STARTUP_BUDGET_SECONDS }),
      volumeMounts: [...(spec.volumeMounts ?? []).filter((m) => m.mountPath === '/tmp'), { name: RELAY_VOLUME, mountPath: RELAY_DIR, readOnly: true }],
    };
  }

  /** The stdio server's own container: its image, env, resources and mounts, running the relay. */
  protected override sidecars(): k8s.Container[] {
    if (!this.bridge) {
      return super.sidecars();
    }
    const base = super.mainContainerSpec();
    const relayPort = this.bridge.relayPort;
    const container = renderContainer({
      ...base,
      command: relayCommand(relayPort, this.bridge.command),
      args: undefined,
      ports: [{ name: RELAY_PORT_NAME, containerPort: relayPort, protocol: 'TCP' }],
      probes: undefined,
      preStopDelaySeconds: 0,
      volumeMounts: [...(base.volumeMounts ?? []), { name: RELAY_VOLUME, mountPath: RELAY_DIR, readOnly: true }],
    });
    const delay = this.config.preStopDelaySeconds ?? 5;
    return [
      ...super.sidecars(),
      {
        ...container,
        ...this.serverProbes(relayPort),
        // The relay keeps open sessions while the bridge drains; the image may have no `sleep`.
        lifecycle: delay > 0 ? { preStop: { exec: { command: relaySleepCommand(delay) } } } : undefined,
      },
    ];
  }

  /**
   * An MCP initialize through the relay: the server's runtime starts and answers. No liveness
   * probe: the relay is the container's first process (the container stops when it does), and
   * restarting it would end every open session because one server process failed a check.
   */
  private serverProbes(relayPort: number): Pick<k8s.Container, 'startupProbe' | 'readinessProbe'> {
    const health = this.config.healthCheck;
    const timeoutSeconds = health?.timeoutSeconds ?? SERVER_PROBE_TIMEOUT_SECONDS;
    const exec = { exec: { command: mcpInitializeProbeCommand(relayPort, timeoutSeconds) } };
    const budget = health?.startupTimeoutSeconds ?? STARTUP_BUDGET_SECONDS;
    return {
      startupProbe: { ...exec, periodSeconds: STARTUP_PERIOD_SECONDS, timeoutSeconds, failureThreshold: Math.max(1, Math.ceil(budget / STARTUP_PERIOD_SECONDS)), successThreshold: 1 },
      readinessProbe: { ...exec, periodSeconds: health?.readinessPeriodSeconds ?? SERVER_READINESS_PERIOD_SECONDS, timeoutSeconds, failureThreshold: health?.failureThreshold ?? 3, successThreshold: 1 },
    };
  }

  /** With a bridge, the first container is the bridge; the server runs beside it (a sidecar the base counts). */
  protected override mainContainerResources(): ResolvedResources {
    return this.bridge ? BRIDGE_RESOURCES : super.mainContainerResources();
  }
}

/** The bridge settings with their defaults. */
interface ResolvedBridge {
  readonly command: readonly string[];
  readonly bridgeImage: ImageReference;
  readonly relayImage: ImageReference;
  readonly relayPort: number;
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

export const externalToolSchema = z.object({
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
    super(checkScope(scope, id, 'McpToolService.fromServiceName()'), id);
    brand(this, BrandKind.MCP_TOOL);
    const { value, issues } = checkProps(externalToolSchema, options);
    reportIssues(this, issues);
    const config = value ?? { name: PLACEHOLDER, namespace: PLACEHOLDER };
    const port = config.port ?? 8080;
    this.toolName = config.name;
    this.wireName = `MCP tool ${config.namespace}/${config.name}`;
    this.transport = config.transport ?? McpTransport.STREAMABLE_HTTP;
    this.mcpUrl = `http://${config.name}.${config.namespace}.svc.cluster.local:${port}${config.mcpPath ?? '/mcp'}`;
    const peer = new NamespacePeer(config.namespace, { 'app.kubernetes.io/name': config.name });
    this.connections = new Connections(peer, [{ port, protocol: Protocol.TCP }], false);
  }

  public bindingEnv(): Record<string, string> {
    const segment = envSegment(this.toolName);
    return { [`MCP_${segment}_URL`]: this.mcpUrl, [`MCP_${segment}_TRANSPORT`]: this.transport };
  }
}
