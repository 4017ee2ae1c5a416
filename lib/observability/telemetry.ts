import { z } from 'zod';
import { EnvValue, type ISecretSource } from '../core/env-value';
import { ExternalEndpoint, NamespacePeer, Protocol, type PolicyRule } from '../core/network';
import { Workload } from '../core/workload';
import { externalEndpoint, secretKey, secretSourceRef } from './schemas';
import { imageTag } from './targets';
import { URL_PORT_MESSAGE, urlPortCheck } from '../core/schemas';

/** Langfuse: LLM traces, prompts and evaluations. */
export interface LangfuseOptions {
  /** Base URL of Langfuse, e.g. `https://cloud.langfuse.com` or `http://langfuse-web.langfuse.svc.cluster.local:3000`. */
  readonly host: string;
  /** Secret holding the project's public and secret keys; their values are never rendered. */
  readonly credentials: ISecretSource;
  /**
   * Key of the public key (`pk-lf-...`) in `credentials`.
   * @default "public-key"
   */
  readonly publicKeyKey?: string;
  /**
   * Key of the secret key (`sk-lf-...`) in `credentials`.
   * @default "secret-key"
   */
  readonly secretKeyKey?: string;
  /**
   * Agents that trace to Langfuse with its SDK: each gets `LANGFUSE_HOST`, `LANGFUSE_PUBLIC_KEY`
   * and `LANGFUSE_SECRET_KEY` (from the Secret) and egress to Langfuse. Same as calling
   * `stack.traceToLangfuse(agent)`.
   * @default - none
   */
  readonly tracedAgents?: Workload[];
  /**
   * Whether the self-hosted collector also forwards every trace it receives to Langfuse's OTLP
   * endpoint (`<host>/api/public/otel`, Basic auth from the same Secret), for apps instrumented
   * with plain OpenTelemetry. Leave it off when the agents use the Langfuse SDK, or their traces
   * arrive twice.
   * @default false
   */
  readonly exportFromCollector?: boolean;
  /**
   * Where Langfuse is reached, for the NetworkPolicies.
   * @default - the namespace of an in-cluster host (`<svc>.<ns>.svc...`) on its port, else HTTPS to the public internet on the URL's port
   */
  readonly endpoint?: ExternalEndpoint;
}

const HTTP_URL = /^(https?):\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)(:([0-9]{1,5}))?(\/[^\s?#]*)?$/;

export const langfuseOptionsSchema = z.object({
  host: z.string().regex(HTTP_URL, { error: 'must be an http(s) URL without query, e.g. "https://cloud.langfuse.com"' })
    .refine((url) => !url.endsWith('/'), { error: 'must not end with "/"' }).refine((url) => !HTTP_URL.test(url) || urlPortCheck(url), { error: URL_PORT_MESSAGE }),
  credentials: secretSourceRef,
  publicKeyKey: secretKey.optional(),
  secretKeyKey: secretKey.optional(),
  tracedAgents: z.array(z.custom<Workload>((v) => Workload.isWorkload(v), { error: 'must be a workload of the app (an AgentMicroservice...)' })).optional(),
  exportFromCollector: z.boolean().optional(),
  endpoint: externalEndpoint("ExternalEndpoint.https('langfuse.acme.io')").optional(),
}).strict();

/** An OTLP endpoint of a collector in the cluster: `http://<service>.<namespace>.svc[.cluster.local]:<port>`. */
export const IN_CLUSTER_URL = /^https?:\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?(:([0-9]{1,5}))?$/;

export const otlpEndpointSchema = z.string().regex(IN_CLUSTER_URL, {
  error: 'must be the OTLP endpoint of a collector Service in the cluster, e.g. "http://otel-collector.monitoring.svc:4317" (the namespace is admitted by the NetworkPolicies)',
}).refine((url) => !IN_CLUSTER_URL.test(url) || urlPortCheck(url), { error: URL_PORT_MESSAGE });

/** Parts of an http(s) URL. */
export function parseUrl(url: string): { scheme: string; host: string; port: number } | undefined {
  const match = HTTP_URL.exec(url);
  if (!match) {
    return undefined;
  }
  const scheme = match[1];
  return { scheme, host: match[2], port: match[7] ? Number(match[7]) : scheme === 'https' ? 443 : 80 };
}

/** The namespace of an in-cluster Service URL, if it is one. */
export function inClusterNamespace(url: string): string | undefined {
  const host = parseUrl(url)?.host;
  const match = host ? /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(host) : null;
  return match?.[1];
}

/** The NetworkPolicy rule reaching a URL: its namespace when it is a Service of the cluster, else the public internet, on its port. */
export function urlRule(url: string, override?: ExternalEndpoint): PolicyRule {
  if (override) {
    return { peer: override, ports: override.ports };
  }
  const parts = parseUrl(url) ?? { host: url, port: 443 };
  const namespace = inClusterNamespace(url);
  if (namespace) {
    return { peer: new NamespacePeer(namespace), ports: [{ port: parts.port, protocol: Protocol.TCP }] };
  }
  const endpoint = ExternalEndpoint.internet({ ports: [parts.port], hosts: [parts.host] });
  return { peer: endpoint, ports: endpoint.ports };
}

/** Where a workload's SDK sends OTLP, and who it says it is. */
export interface OtlpTarget {
  /** e.g. `http://otel-collector.ns.svc.cluster.local:4317`. */
  readonly endpoint: string;
  readonly app: string;
  readonly environment: string;
}

/**
 * The OpenTelemetry SDK variables of a workload: the collector's endpoint and protocol (gRPC,
 * or HTTP/protobuf on port 4318), its service name, and resource attributes naming the
 * environment, the app and the version (the image tag, when there is one).
 */
export function otlpEnv(target: OtlpTarget, workload: Workload): Record<string, string> {
  const tag = imageTag(workload);
  const attributes = [`deployment.environment=${target.environment}`, `service.namespace=${target.app}`, ...(tag ? [`service.version=${tag}`] : [])];
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: target.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: parseUrl(target.endpoint)?.port === 4318 ? 'http/protobuf' : 'grpc',
    OTEL_SERVICE_NAME: workload.name,
    OTEL_RESOURCE_ATTRIBUTES: attributes.join(','),
  };
}

/** The Langfuse SDK variables: host, and both keys from the Secret. */
export function langfuseEnv(host: string, credentials: ISecretSource, publicKeyKey: string, secretKeyKey: string): Record<string, string | EnvValue> {
  return {
    LANGFUSE_HOST: host,
    LANGFUSE_PUBLIC_KEY: EnvValue.fromSecret(credentials, publicKeyKey),
    LANGFUSE_SECRET_KEY: EnvValue.fromSecret(credentials, secretKeyKey),
  };
}
