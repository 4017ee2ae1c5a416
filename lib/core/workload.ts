import { Chart, Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { type EnvironmentConfig, EnvironmentTier, ObservabilityMode, PRODUCTION_ENVIRONMENT } from './environment-config';
import { brand, BrandKind, hasBrand } from './brand';
import { checkScope, describeValue, type PropIssue, reportIssues } from './errors';
import { type EnvMap, type EnvValue, looksLikeSecretName, toEnvValue } from './env-value';
import { Connections, type ExternalEndpoint, NamespacePeer, type NetworkPort, networkPolicySpec, PodPeer, type PolicyRule, Protocol } from './network';
import { type ImageReference, tagPolicyViolation } from './image';
import { PLACEHOLDER } from './placeholder';
import { parseQuantity } from './quantity';
import { type ResolvedResources } from './resources';
import { contextLabels, selectorLabels, toKubernetesName, type WorkloadComponent, workloadLabels } from './labels';
import { envVarName, resourceName } from './schemas';
import { addNotice } from './notices';
import { fieldPath } from './props';
import { referenceMessage, REFERENCES } from './references';
import { crossPlatformIssue } from './wiring';
import { type WorkloadSignals } from './signals';

/** What a workload asks of its namespace's ResourceQuota at full scale. */
export interface QuotaDemand {
  /** Most pods that can run at once, including one surge pod per rolling update. */
  readonly pods: number;
  /** Per-pod requests and limits, in cores and bytes. */
  readonly cpuRequest: number;
  readonly memoryRequest: number;
  readonly cpuLimit: number;
  readonly memoryLimit: number;
  /** GPUs per pod (counted as `nvidia.com/gpu` unless `extendedResources` names them). */
  readonly gpus: number;
  /** Extended resources per pod by name (`nvidia.com/gpu`, `nvidia.com/mig-1g.10gb`). */
  readonly extendedResources?: Readonly<Record<string, number>>;
  /** Persistent volume claims and their bytes, in total. */
  readonly volumeClaims: number;
  readonly storageBytes: number;
}

/**
 * What `pods` pods of the given containers ask of the quota (GPUs and claims in `extra`). As
 * Kubernetes computes a pod's effective requests and limits, init containers, which run one at a
 * time before the others, count with the largest of them when that is more than the sum of the
 * other containers.
 */
export function podDemand(pods: number, containers: readonly ResolvedResources[], extra: Partial<QuotaDemand> = {}, initContainers: readonly ResolvedResources[] = []): QuotaDemand {
  const effective = (pick: (c: ResolvedResources) => string) => Math.max(
    containers.reduce((total, c) => total + parseQuantity(pick(c)), 0),
    initContainers.reduce((largest, c) => Math.max(largest, parseQuantity(pick(c))), 0),
  );
  return {
    pods,
    cpuRequest: effective((c) => c.requests.cpu),
    memoryRequest: effective((c) => c.requests.memory),
    cpuLimit: effective((c) => c.limits.cpu),
    memoryLimit: effective((c) => c.limits.memory),
    gpus: 0,
    volumeClaims: 0,
    storageBytes: 0,
    ...extra,
  };
}

/** Anything that runs pods and can be counted against a quota. */
export interface IQuotaConsumer {
  quotaDemand(): QuotaDemand | undefined;
}

/** Where a workload runs: its environment and the labels of its app. */
export interface WorkloadContext {
  readonly environment: EnvironmentConfig;
  readonly partOf?: string;
}

const CONTEXT_SYMBOL = Symbol.for('cdk8s-agents.WorkloadContext');

/** Marks a scope (an `AgentPlatform`) as providing the environment to the workloads below it. */
export function provideContext(scope: Construct, context: WorkloadContext): void {
  Object.defineProperty(scope, CONTEXT_SYMBOL, { value: context });
}

/** The context of the nearest providing scope; production-safe defaults when there is none. */
export function contextOf(scope: Construct): WorkloadContext {
  for (let node: Construct | undefined = scope; node; node = node.node.scope as Construct | undefined) {
    const context = (node as unknown as Record<symbol, WorkloadContext | undefined>)[CONTEXT_SYMBOL];
    if (context) {
      return context;
    }
  }
  return { environment: PRODUCTION_ENVIRONMENT };
}

/** Where a workload serves Prometheus metrics. */
export interface MetricsEndpoint {
  /** Container port number. */
  readonly port: number;
  /** Name of the container port. */
  readonly portName: string;
  /** HTTP path, e.g. `/metrics`. */
  readonly path: string;
}

/** What a platform-wide service adds to one workload when it renders: variables, policy rules, annotations. */
export interface WorkloadContribution {
  readonly env?: Readonly<Record<string, string | EnvValue>>;
  readonly ingress?: readonly PolicyRule[];
  readonly egress?: readonly PolicyRule[];
  readonly podAnnotations?: Readonly<Record<string, string>>;
}

/**
 * A platform-wide service that every workload takes part in (the observability stack): it is
 * asked, when each workload renders, what to add to it. Both ends of every path it derives come
 * from the same call, so they always agree.
 */
export interface IWorkloadContributor {
  contributionFor(workload: Workload): WorkloadContribution | undefined;
}

const CONTRIBUTORS_SYMBOL = Symbol.for('cdk8s-agents.Contributors');

/** Registers a contributor on the chart of `scope`: every workload of that chart consults it. */
export function addContributor(scope: Construct, contributor: IWorkloadContributor): void {
  const chart = Chart.of(scope) as unknown as Record<symbol, IWorkloadContributor[] | undefined>;
  if (!chart[CONTRIBUTORS_SYMBOL]) {
    Object.defineProperty(chart, CONTRIBUTORS_SYMBOL, { value: [] });
  }
  chart[CONTRIBUTORS_SYMBOL]?.push(contributor);
}

function contributorsOf(scope: Construct): readonly IWorkloadContributor[] {
  return (Chart.of(scope) as unknown as Record<symbol, IWorkloadContributor[] | undefined>)[CONTRIBUTORS_SYMBOL] ?? [];
}

/**
 * The workloads of each chart in creation order, and an index by name rebuilt when one is added.
 * Kept on the chart under a registered symbol, so that every copy of the library shares it.
 */
const WORKLOADS_SYMBOL = Symbol.for('cdk8s-agents.ChartWorkloads');

interface ChartWorkloads {
  readonly workloads: Workload[];
  index?: Map<string, Workload>;
}

function chartWorkloads(chart: Chart): ChartWorkloads {
  const holder = chart as unknown as Record<symbol, ChartWorkloads | undefined>;
  let entry = holder[WORKLOADS_SYMBOL];
  if (!entry) {
    entry = { workloads: [] };
    Object.defineProperty(chart, WORKLOADS_SYMBOL, { value: entry });
  }
  return entry;
}

function registerWorkload(workload: Workload): void {
  const entry = chartWorkloads(Chart.of(workload));
  entry.workloads.push(workload);
  entry.index = undefined;
}

/** The first workload of the chart with that name. */
function firstWorkloadNamed(chart: Chart, name: string): Workload | undefined {
  const entry = chartWorkloads(chart);
  if (!entry.index) {
    entry.index = new Map();
    for (const workload of entry.workloads) {
      if (!entry.index.has(workload.name)) {
        entry.index.set(workload.name, workload);
      }
    }
  }
  return entry.index.get(name);
}

/** Options every workload accepts. */
export interface WorkloadOptions {
  /**
   * Kubernetes name of the workload and of every object it creates. It is also the selector
   * label (`app.kubernetes.io/name`), so changing it replaces the workload.
   * @default - the construct id in kebab-case
   */
  readonly name?: string;
}

/**
 * Base of every construct that runs pods: a stable name, labels, its NetworkPolicy connections,
 * environment variables and the checks shared by all of them.
 */
export abstract class Workload extends Construct implements IQuotaConsumer {
  /** Whether `value` is a workload of any copy of the library (`instanceof` fails across copies). */
  public static isWorkload(value: unknown): value is Workload {
    return hasBrand(value, BrandKind.WORKLOAD);
  }

  /** Kubernetes name of the workload's objects. */
  public readonly name: string;
  /** Namespace of the workload's objects (undefined: the chart has none). */
  public readonly namespace: string | undefined;
  /** The environment the workload is synthesized for. */
  public readonly environment: EnvironmentConfig;
  /** Labels selecting the workload's pods. */
  public readonly selectorLabels: Readonly<Record<string, string>>;
  /** Labels of the workload's objects and pods. */
  public readonly labels: Readonly<Record<string, string>>;
  /** What role the workload plays. */
  public readonly component: WorkloadComponent;
  /** The workload's allowed network paths. */
  public readonly connections: Connections;
  /** Problems found so far; reported when the app is validated. */
  protected readonly issues: PropIssue[] = [];

  private readonly env = new Map<string, EnvValue>();
  private readonly servicePorts: NetworkPort[] = [];

  protected constructor(scope: Construct, id: string, options: { name?: unknown; component: WorkloadComponent; maxNameLength?: number }) {
    super(checkScope(scope, id, new.target.name), id);
    brand(this, BrandKind.WORKLOAD);
    const context = contextOf(this);
    this.environment = context.environment;
    this.namespace = Chart.of(this).namespace;
    this.name = this.checkName(options.name, id, options.maxNameLength ?? 63);
    this.selectorLabels = selectorLabels(this.name);
    this.component = options.component;
    this.labels = workloadLabels(this.name, options.component, contextLabels(context.partOf, this.environment.name));
    this.connections = new Connections(new PodPeer(this.name, { ...this.selectorLabels }, this.namespace), this.servicePorts);
    reportIssues(this, this.issues);
    registerWorkload(this);
    this.node.addValidation({ validate: () => this.nameClash() });
  }

  private checkName(given: unknown, id: string, maxLength: number): string {
    const name = given === undefined ? toKubernetesName(id) : given;
    const result = resourceName(maxLength).safeParse(name);
    if (!result.success) {
      this.issues.push({ field: 'name', value: name, message: result.error.issues[0].message });
      return typeof name === 'string' && name.length > 0 ? name : toKubernetesName(id) || PLACEHOLDER;
    }
    return result.data;
  }

  /** A second workload with the same name in the chart would silently replace the first one's objects. */
  private nameClash(): string[] {
    const first = firstWorkloadNamed(Chart.of(this), this.name);
    if (first === this || first === undefined) {
      return [];
    }
    return [`name: "${this.name}" is already used by ${first.node.path}; every workload of a namespace needs its own name (set the name prop)`];
  }

  /** Refuses an image the environment's tag policy forbids (`latest` or no tag outside dev). */
  protected checkImagePolicy(field: string, image: ImageReference, given: string): void {
    const violation = tagPolicyViolation(image, this.environment.images.tagPolicy);
    if (violation) {
      this.issues.push({ field, value: given, message: violation });
    }
  }

  /**
   * In operator mode the cluster's Prometheus pods (`prometheusPodLabels` in the monitoring
   * namespace) scrape every metrics port of every workload (with or without an
   * ObservabilityStack writing its monitors): only they, and only on those ports.
   */
  private operatorScrapeRules(): PolicyRule[] {
    const observability = this.environment.observability;
    if (observability.mode !== ObservabilityMode.OPERATOR) {
      return [];
    }
    const scrapers = new NamespacePeer(observability.monitoringNamespace, { ...observability.prometheusPodLabels });
    return this.metricsEndpoints().map((e) => ({ peer: scrapers, ports: [{ port: e.port, protocol: Protocol.TCP }] }));
  }

  /** @internal Records a problem found by shared wiring code; reported with all others at synth time. */
  public _reportIssue(issue: PropIssue): void {
    this.issues.push(issue);
  }

  /** Records the ports clients reach this workload on (used when a caller names no ports). */
  protected exposePorts(...ports: NetworkPort[]): void {
    this.servicePorts.push(...ports);
  }

  /**
   * Adds an environment variable to the main container. Literal values for names that look like
   * secrets (`*_PASSWORD`, `*_TOKEN`, `*_API_KEY`...) are refused outside development.
   * @returns the value added
   */
  public addEnv(name: string, value: string | EnvValue): EnvValue {
    const envValue = toEnvValue(value);
    const field = fieldPath(['env', typeof name === 'string' ? name : describeValue(name)]);
    const nameCheck = envVarName.safeParse(name);
    if (!nameCheck.success) {
      this.issues.push({ field, value: name, message: nameCheck.error.issues[0].message });
      return envValue;
    }
    this.checkEnv(name, envValue, field);
    this.env.set(name, envValue);
    return envValue;
  }

  /** Adds several environment variables (see `addEnv`). */
  protected addEnvMap(env: EnvMap | undefined): void {
    for (const [name, value] of Object.entries(env ?? {})) {
      this.addEnv(name, value);
    }
  }

  private checkEnv(name: string, value: EnvValue, field: string): void {
    this.issues.push(...this.envValueIssues(name, value, field));
    if (this.env.has(name)) {
      this.issues.push({ field, message: `environment variable "${name}" is set twice; each name may be set once` });
    }
  }

  /**
   * What is wrong with the value of one environment variable of any container of the pod: its
   * own problems, a literal secret, a Secret of another platform or a key the Secret does not declare.
   */
  protected envValueIssues(name: string, value: EnvValue, field: string): PropIssue[] {
    const issues: PropIssue[] = value._problems.map((problem) => ({ field, message: problem.message, ...('value' in problem ? { value: problem.value } : {}) }));
    const literal = value.literal;
    if (literal !== undefined && looksLikeSecretName(name) && !this.environment.secrets.allowLiteralValues) {
      issues.push({
        field,
        message: `"${name}" looks like a secret, so a literal value is refused: it would be committed to Git in the manifests. Use EnvValue.fromSecret(secretSource, key); only a development environment with secrets.allowLiteralValues may render literals`,
      });
    }
    const secretKey = value._secretKey;
    const crossing = secretKey && crossPlatformIssue(this, secretKey.secret, field, `secret "${secretKey.secret.secretName}"`);
    if (crossing) {
      issues.push(crossing);
    } else if (secretKey && !secretKey.secret.keys.includes(secretKey.key)) {
      issues.push({
        field,
        value: secretKey.key,
        message: `secret "${secretKey.secret.secretName}" declares no key "${secretKey.key}"; declared keys: ${secretKey.secret.keys.join(', ')}`,
      });
    }
    return issues;
  }

  /** The container's environment variables: its own in the order they were added, then the contributed ones it does not set itself. */
  protected renderEnv(): k8s.EnvVar[] {
    const own = [...this.env.entries()].map(([name, value]) => value._toEnvVar(name));
    const contributed = this.contributions().flatMap((c) => Object.entries(c.env ?? {}))
      .filter(([name]) => !this.env.has(name))
      .map(([name, value]) => toEnvValue(value)._toEnvVar(name));
    return [...own, ...contributed];
  }

  /** What the platform-wide services add to this workload. */
  protected contributions(): WorkloadContribution[] {
    return contributorsOf(this).map((c) => c.contributionFor(this)).filter((c): c is WorkloadContribution => c !== undefined);
  }

  /** Annotations the platform-wide services add to the pods. */
  protected contributedPodAnnotations(): Record<string, string> {
    return Object.assign({}, ...this.contributions().map((c) => c.podAnnotations ?? {}));
  }

  /** Where this workload serves Prometheus metrics (empty: nowhere). */
  public abstract metricsEndpoints(): MetricsEndpoint[];

  /** The series it serves there, for dashboards and alerts. */
  public abstract signals(): WorkloadSignals;

  /** Whether the workload's main container sends OpenTelemetry traces (agents, tools, model servers). */
  public get emitsTraces(): boolean {
    return false;
  }

  /** Allows calls to endpoints outside the cluster (LLM APIs, SaaS, databases). */
  public allowExternal(...endpoints: ExternalEndpoint[]): void {
    endpoints.forEach((endpoint, i) => {
      const field = `externalEndpoints[${i}]`;
      if (!hasBrand(endpoint, BrandKind.EXTERNAL_ENDPOINT)) {
        this.issues.push({ field, value: endpoint, message: referenceMessage(REFERENCES.EXTERNAL_ENDPOINT) });
        return;
      }
      this.issues.push(...endpoint._issues(field));
      this.connections.allowEgress(endpoint, endpoint.ports);
    });
  }

  /** Records that the environment changed what the props asked for (reported in `SynthesisReport.notices`). */
  protected notice(field: string, asked: string, rendered: string, why: string): void {
    addNotice(this, { field, asked, rendered, why });
  }

  /** Whether the environment is development, where some production checks are relaxed. */
  protected get isDevelopment(): boolean {
    return this.environment.tier === EnvironmentTier.DEVELOPMENT;
  }

  /** Object metadata: the workload's name, namespace handled by the chart, and labels. */
  protected metadata(nameSuffix = '', extra: { annotations?: Record<string, string> } = {}): k8s.ObjectMeta {
    return { name: `${this.name}${nameSuffix}`, labels: { ...this.labels }, ...extra };
  }

  /** The ServiceAccount of the pods; its token is only mounted when asked. */
  protected createServiceAccount(automountToken: boolean): k8s.KubeServiceAccount {
    return new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: this.metadata(),
      automountServiceAccountToken: automountToken,
    });
  }

  /**
   * Every path this workload's pods may take besides DNS, in both directions: its wiring, what the
   * platform-wide services add (scraping, traces) and, in operator mode, the cluster's Prometheus.
   * Its NetworkPolicy and the topology picture are both drawn from it; complete once every
   * construct of the app exists.
   */
  public allowedPaths(): { readonly ingress: readonly PolicyRule[]; readonly egress: readonly PolicyRule[] } {
    const contributions = this.contributions();
    return {
      ingress: [...this.connections.ingressRules, ...this.operatorScrapeRules(), ...contributions.flatMap((c) => c.ingress ?? [])],
      egress: [...this.connections.egressRules, ...contributions.flatMap((c) => c.egress ?? [])],
    };
  }

  /** The workload's NetworkPolicy: the recorded paths and DNS, nothing else. */
  protected createNetworkPolicy(): k8s.KubeNetworkPolicy | undefined {
    if (!this.environment.networkPolicies.enabled) {
      return undefined;
    }
    const dns = { namespace: this.environment.networkPolicies.dnsNamespace, podLabels: this.environment.networkPolicies.dnsPodLabels };
    return new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: this.metadata(),
      spec: Lazy.any({ produce: () => networkPolicySpec({ ...this.selectorLabels }, this.namespace, dns, this.allowedPaths()) }),
    });
  }

  /** The PodDisruptionBudget, when the workload has one. */
  protected disruptionBudget?: k8s.KubePodDisruptionBudget;

  /** A PodDisruptionBudget; its spec comes from `disruptionBudgetSpec()` when it renders. */
  protected createDisruptionBudget(): k8s.KubePodDisruptionBudget {
    this.disruptionBudget ??= new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: this.metadata(),
      spec: Lazy.any({ produce: () => this.disruptionBudgetSpec() }),
    });
    return this.disruptionBudget;
  }

  /** One voluntary eviction at a time; subclasses with other rollout rules say otherwise. */
  protected disruptionBudgetSpec(): k8s.PodDisruptionBudgetSpec {
    return {
      maxUnavailable: k8s.IntOrString.fromNumber(1),
      selector: { matchLabels: { ...this.selectorLabels } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    };
  }

  public abstract quotaDemand(): QuotaDemand | undefined;
}
