import { type Construct } from 'constructs';
import { z } from 'zod';
import { HttpRoute, HttpRouteSpecRulesMatchesPathType } from '../../imports/gateway.networking.k8s.io';
import { InferencePool, InferencePoolSpecEndpointPickerRefFailureMode } from '../../imports/inference.networking.k8s.io';
import { brand, BrandKind, hasBrand } from '../core/brand';
import { type PropIssue } from '../core/errors';
import { PLACEHOLDER } from '../core/placeholder';
import { imageSchema } from '../core/image';
import { type ExternalEndpoint, NamespacePeer, type NetworkPort, Protocol } from '../core/network';
import { safeParse, toPropIssues } from '../core/props';
import { brandedReference, referenceMessage, REFERENCES } from '../core/references';
import { type ResourceOptions, resourceOptionsSchema } from '../core/resources';
import { dnsSubdomain, labels as labelsSchema, namespaceName, port as portSchema, positiveInt, resourceName } from '../core/schemas';
import { EXT_PROC_PORT, type ScorerWeights } from './endpoint-picker';

/** Where a Gateway is and how clients and NetworkPolicies reach it. */
export interface InferenceGatewayOptions {
  /** Namespace of the Gateway and of its proxy pods. */
  readonly namespace: string;
  /**
   * Base URL clients use to reach the Gateway inside the cluster, e.g.
   * `http://inference-gateway.gateway-system.svc.cluster.local`. Agents wired to a pool routed
   * through the Gateway get `<url>/v1` as `OPENAI_BASE_URL`.
   */
  readonly url: string;
  /**
   * Listener of the Gateway the route attaches to.
   * @default - every listener that admits the route
   */
  readonly sectionName?: string;
  /**
   * Labels of the Gateway's proxy pods, for the NetworkPolicies. Istio, kgateway and NGINX
   * Gateway Fabric label them `gateway.networking.k8s.io/gateway-name: <name>`; Envoy Gateway
   * uses `gateway.envoyproxy.io/owning-gateway-name: <name>` (in its own namespace).
   * @default - `{ "gateway.networking.k8s.io/gateway-name": <name> }`
   */
  readonly podLabels?: Record<string, string>;
  /**
   * Port the proxy pods listen on for `url` (a Service may map 80 to another container port,
   * e.g. Envoy Gateway's 10080), for the clients' NetworkPolicies.
   * @default - the port of `url`
   */
  readonly podPort?: number;
}

const inferenceGatewayOptionsSchema = z.object({
  namespace: namespaceName,
  url: z.string().regex(/^https?:\/\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?\/?$/, {
    error: 'must be the http(s) URL of the Gateway without a path, e.g. "http://inference-gateway.gateway-system.svc.cluster.local"',
  }),
  sectionName: resourceName(253).optional(),
  podLabels: labelsSchema.refine((l) => Object.keys(l).length > 0, { error: 'must name at least one label of the proxy pods' }).optional(),
  podPort: portSchema.optional(),
}).strict();

/**
 * A Gateway API Gateway that routes to inference pools, managed outside the app (by the platform
 * team, with an implementation that supports InferencePool backends: Istio, kgateway, Envoy
 * Gateway, NGINX Gateway Fabric, GKE). Its listener must admit HTTPRoutes from the app's namespace.
 */
export class InferenceGateway {
  /** A Gateway by name. */
  public static fromName(name: string, options: InferenceGatewayOptions): InferenceGateway {
    return new InferenceGateway(name, options);
  }

  /** Whether `value` is an `InferenceGateway` of any copy of the library. */
  public static isInferenceGateway(value: unknown): value is InferenceGateway {
    return hasBrand(value, BrandKind.GATEWAY);
  }

  /** Problems with the name and options, found when a pool uses it. */
  public readonly issues: readonly PropIssue[];
  public readonly namespace: string;
  public readonly url: string;
  public readonly sectionName?: string;
  public readonly podLabels: Readonly<Record<string, string>>;
  /** The port clients reach the proxy pods on. */
  public readonly podPort: number;
  /** The proxy pods, for NetworkPolicies. */
  public readonly peer: NamespacePeer;

  private constructor(public readonly name: string, options: InferenceGatewayOptions) {
    brand(this, BrandKind.GATEWAY);
    const issues: PropIssue[] = [];
    const nameCheck = safeParse(resourceName(253), name);
    if (!nameCheck.success) {
      issues.push({ field: 'gateway.name', value: name, message: nameCheck.error.issues[0].message });
    }
    const parsed = safeParse(inferenceGatewayOptionsSchema, options);
    if (!parsed.success) {
      issues.push(...toPropIssues(inferenceGatewayOptionsSchema, parsed.error.issues, options, 'gateway'));
    }
    const value: Partial<InferenceGatewayOptions> = parsed.success ? parsed.data : {};
    this.issues = issues;
    this.namespace = value.namespace ?? PLACEHOLDER;
    this.url = (value.url ?? `http://${PLACEHOLDER}`).replace(/\/$/, '');
    this.sectionName = value.sectionName;
    this.podLabels = value.podLabels ?? { 'gateway.networking.k8s.io/gateway-name': typeof name === 'string' ? name : PLACEHOLDER };
    const url = new URL(this.url);
    this.podPort = value.podPort ?? (url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80);
    this.peer = new NamespacePeer(this.namespace, { ...this.podLabels });
  }

  /** The ports clients open to the proxy pods. */
  public get ports(): NetworkPort[] {
    return [{ port: this.podPort, protocol: Protocol.TCP }];
  }
}

/** The endpoint picker of a pool routed through an InferencePool. */
export interface EndpointPickerOptions {
  /**
   * Replicas, all active.
   * @default - 2 where the environment runs more than one replica, else 1
   */
  readonly replicas?: number;
  /**
   * Image (pinned).
   * @default EndpointPickerDefaults.IMAGE
   */
  readonly image?: string;
  /**
   * Requests and limits.
   * @default - 500m / 512Mi requested, 2 CPU / 2Gi limit
   */
  readonly resources?: ResourceOptions;
  /**
   * Scorer weights.
   * @default - queue 2, KV cache 2, prefix cache 3
   */
  readonly scorers?: ScorerWeights;
  /**
   * Where the picker reaches the Kubernetes API server (it watches its InferencePool and the
   * pods). NetworkPolicies match addresses: narrow it to the API server's address.
   * @default ExternalEndpoint.cidr('0.0.0.0/0', { ports: [443, 6443] })
   */
  readonly kubernetesApi?: ExternalEndpoint;
  /**
   * What the gateway does when the picker does not answer: `FailOpen` routes to any ready model
   * server (degraded balancing, no outage), `FailClose` rejects the request.
   * @default "FailOpen"
   */
  readonly failureMode?: 'FailOpen' | 'FailClose';
}

/** Options of `InferenceRouting.inferencePool()`. */
export interface InferencePoolRoutingOptions {
  /** The Gateway the pool's HTTPRoute attaches to. */
  readonly gateway: InferenceGateway;
  /**
   * Host names the route matches (the Host header of requests).
   * @default - every host of the listener
   */
  readonly hostnames?: string[];
  /**
   * Seconds a request may take end to end at the gateway (long generations stream for minutes;
   * some proxies default to 15 s).
   * @default 600
   */
  readonly requestTimeoutSeconds?: number;
  /**
   * The endpoint picker.
   * @default - see EndpointPickerOptions
   */
  readonly endpointPicker?: EndpointPickerOptions;
  /**
   * Whether the development fallback (a CPU model where the environment has no GPUs) is routed
   * through the gateway too. Off, it keeps plain Service routing.
   * @default false
   */
  readonly inDevelopment?: boolean;
}

const scorerWeight = z.number().int({ error: 'must be a whole weight from 0 (off) to 100' }).min(0, { error: 'must be a whole weight from 0 (off) to 100' }).max(100, { error: 'must be a whole weight from 0 (off) to 100' });

export const inferencePoolRoutingSchema = z.object({
  gateway: z.custom<InferenceGateway>((v) => InferenceGateway.isInferenceGateway(v), { error: 'must be an InferenceGateway, e.g. InferenceGateway.fromName("inference-gateway", { namespace: "gateway-system", url: "http://..." })' }),
  hostnames: z.array(dnsSubdomain).max(16, { error: 'must list at most 16 host names' }).optional(),
  requestTimeoutSeconds: positiveInt.max(86400, { error: 'must be at most 86400 seconds' }).optional(),
  endpointPicker: z.object({
    replicas: positiveInt.max(10, { error: 'must be at most 10' }).optional(),
    image: imageSchema.optional(),
    resources: resourceOptionsSchema.optional(),
    scorers: z.object({ queue: scorerWeight.optional(), kvCache: scorerWeight.optional(), prefixCache: scorerWeight.optional() }).strict()
      .refine((s) => (s.queue ?? 2) + (s.kvCache ?? 2) + (s.prefixCache ?? 3) > 0, { error: 'must keep at least one scorer above 0: with none, the picker has nothing to choose by' })
      .optional(),
    failureMode: z.enum(['FailOpen', 'FailClose'], { error: 'must be "FailOpen" or "FailClose"' }).optional(),
    kubernetesApi: brandedReference<ExternalEndpoint>(REFERENCES.EXTERNAL_ENDPOINT, referenceMessage({ ...REFERENCES.EXTERNAL_ENDPOINT, kind: 'an ExternalEndpoint, e.g. ExternalEndpoint.cidr("10.100.0.1/32", { ports: [443] })' })).optional(),
  }).strict().optional(),
  inDevelopment: z.boolean().optional(),
}).strict();

/**
 * How requests reach a pool's model servers. `service()`: a ClusterIP Service, spread by
 * kube-proxy. `inferencePool()`: a Gateway API Inference Extension InferencePool behind a
 * Gateway, whose endpoint picker chooses a server per request by queue depth, KV-cache use and
 * prefix-cache affinity.
 */
export class InferenceRouting {
  /** A ClusterIP Service; clients call the pool directly. */
  public static service(): InferenceRouting {
    return new InferenceRouting('service', undefined);
  }

  /** An InferencePool with an endpoint picker and an HTTPRoute from a Gateway; clients call the Gateway. */
  public static inferencePool(options: InferencePoolRoutingOptions): InferenceRouting {
    return new InferenceRouting('inference-pool', options);
  }

  /** Whether `value` is an `InferenceRouting` of any copy of the library. */
  public static isInferenceRouting(value: unknown): value is InferenceRouting {
    return hasBrand(value, BrandKind.INFERENCE_ROUTING);
  }

  private constructor(public readonly kind: 'service' | 'inference-pool', public readonly options: InferencePoolRoutingOptions | undefined) {
    brand(this, BrandKind.INFERENCE_ROUTING);
  }
}

/** What the InferencePool and its route are made of, resolved by the pool. */
export interface PoolRoutingObjects {
  readonly poolName: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Labels of the model servers' serving pods (the leaders of a multi-node pool). */
  readonly selector: Readonly<Record<string, string>>;
  readonly targetPort: number;
  readonly pickerService: string;
  readonly failureMode: 'FailOpen' | 'FailClose';
  readonly gateway: InferenceGateway;
  readonly hostnames?: readonly string[];
  readonly requestTimeoutSeconds: number;
}

/** The InferencePool selecting the model servers, with its endpoint picker. */
export function createInferencePool(scope: Construct, o: PoolRoutingObjects): InferencePool {
  return new InferencePool(scope, 'InferencePool', {
    metadata: { name: o.poolName, labels: { ...o.labels } },
    spec: {
      selector: { matchLabels: { ...o.selector } },
      targetPorts: [{ number: o.targetPort }],
      endpointPickerRef: {
        kind: 'Service',
        name: o.pickerService,
        port: { number: EXT_PROC_PORT },
        failureMode: o.failureMode === 'FailOpen' ? InferencePoolSpecEndpointPickerRefFailureMode.FAIL_OPEN : InferencePoolSpecEndpointPickerRefFailureMode.FAIL_CLOSE,
      },
    },
  });
}

/** The HTTPRoute from the Gateway to the InferencePool. */
export function createRoute(scope: Construct, o: PoolRoutingObjects): HttpRoute {
  return new HttpRoute(scope, 'Route', {
    metadata: { name: o.poolName, labels: { ...o.labels } },
    spec: {
      parentRefs: [{
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: o.gateway.name,
        namespace: o.gateway.namespace,
        ...(o.gateway.sectionName ? { sectionName: o.gateway.sectionName } : {}),
      }],
      ...(o.hostnames && o.hostnames.length > 0 ? { hostnames: [...o.hostnames] } : {}),
      rules: [{
        matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: '/' } }],
        backendRefs: [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: o.poolName }],
        timeouts: { request: `${o.requestTimeoutSeconds}s` },
      }],
    },
  });
}
