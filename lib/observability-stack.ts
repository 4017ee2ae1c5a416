import { Chart, Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { z } from 'zod';
import { brand, BrandKind, hasBrand } from './core/brand';
import { checkScope, type PropIssue, reportIssues } from './core/errors';
import { PLACEHOLDER } from './core/placeholder';
import { type EnvValue, type ISecretSource } from './core/env-value';
import { contextLabels } from './core/labels';
import { ExternalEndpoint, type INetworkPeer, NamespacePeer, Protocol, type NetworkPort, type PolicyRule } from './core/network';
import { addNotice } from './core/notices';
import { checkProps } from './core/props';
import { brandPrerequisiteProvider, type IPrerequisiteProvider, type Prerequisite, PrerequisiteKind } from './core/prerequisites';
import { addContributor, contextOf, type IWorkloadContributor, type MetricsEndpoint, type Workload, type WorkloadContribution } from './core/workload';
import { EnvironmentTier, ObservabilityMode, SecretBackend } from './environment';
import { type AlertGroup, alertGroups, type AlertThresholds, DEFAULT_THRESHOLDS } from './observability/alerts';
import { dashboardFiles, dashboards } from './observability/dashboards';
import { type GrafanaDashboard } from './observability/grafana';
import { observe, type ObservedApp } from './observability/model';
import { createMonitor, createPrometheusRule } from './observability/operator';
import { type ObservabilityServer } from './observability/server';
import { type AlertmanagerOptions, alertmanagerOptionsSchema, AlertmanagerServer } from './observability/servers/alertmanager';
import { type CollectorOptions, collectorOptionsSchema, CollectorServer } from './observability/servers/collector';
import { type GrafanaOptions, grafanaOptionsSchema, GrafanaServer } from './observability/servers/grafana';
import { KSM_PORT_NAME, type KubeStateMetricsOptions, kubeStateMetricsOptionsSchema, KubeStateMetricsServer } from './observability/servers/kube-state-metrics';
import { externalEndpoint } from './observability/schemas';
import { type PrometheusOptions, prometheusOptionsSchema, PrometheusServer } from './observability/servers/prometheus';
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT, type TempoOptions, tempoOptionsSchema, TempoServer } from './observability/servers/tempo';
import { chartWorkloads, metricsService, ScrapeMethod, type ScrapeTarget } from './observability/targets';
import { inClusterNamespace, type LangfuseOptions, langfuseEnv, langfuseOptionsSchema, otlpEndpointSchema, otlpEnv, parseUrl, urlRule } from './observability/telemetry';
import { SecretSource } from './secret-source';

/** When alerts fire, and where their runbooks are. */
export interface AlertOptions {
  /**
   * Share of failed requests (0..1) above which a service alerts, for 5 minutes.
   * @default 0.05
   */
  readonly errorRatio?: number;
  /**
   * p95 latency in seconds above which a service alerts, for 10 minutes.
   * @default 2
   */
  readonly latencyP95Seconds?: number;
  /**
   * Redis memory used / maxmemory above which it alerts.
   * @default 0.9
   */
  readonly redisMemoryRatio?: number;
  /**
   * GPU utilization (%) above which a model server's GPUs count as saturated, for 15 minutes.
   * @default 95
   */
  readonly gpuUtilizationPercent?: number;
  /**
   * Restarts of one container within 15 minutes that count as a crash loop.
   * @default 2
   */
  readonly restartsPer15m?: number;
  /**
   * Base URL of the team's runbooks: every alert gets `runbook_url: <base>#<alertname-lowercase>`.
   * @default - none: every alert carries a short `runbook` hint only
   */
  readonly runbookBaseUrl?: string;
}

/** Props of an `ObservabilityStack`. The mode comes from `environment.observability.mode`. */
export interface ObservabilityStackProps {
  /**
   * Self-hosted Prometheus: retention, storage, scrape interval, image and resources.
   * @default - 15 days on 20Gi, scraped every 30s
   */
  readonly prometheus?: PrometheusOptions;
  /**
   * Self-hosted Grafana: admin password Secret, image and resources.
   * @default - admin password from the `grafana-admin` Secret, key `admin-password`
   */
  readonly grafana?: GrafanaOptions;
  /**
   * Self-hosted Tempo: trace retention and storage.
   * @default - 336h on 10Gi
   */
  readonly tempo?: TempoOptions;
  /**
   * Self-hosted OpenTelemetry Collector: image and resources.
   * @default - the contrib distribution, 256Mi requested
   */
  readonly collector?: CollectorOptions;
  /**
   * Self-hosted Alertmanager: Slack receiver, storage.
   * @default - no receiver: alerts are only visible in Prometheus and Alertmanager
   */
  readonly alertmanager?: AlertmanagerOptions;
  /**
   * The namespaced kube-state-metrics of the self-hosted stack (restart and OOMKill panels and alerts).
   * @default - deployed
   */
  readonly kubeStateMetrics?: KubeStateMetricsOptions;
  /**
   * Whether the self-hosted Prometheus scrapes the kubelets' cAdvisor for container CPU and memory
   * (kept to this namespace). It needs a ClusterRole on `nodes` and `nodes/metrics` (read-only)
   * and egress to the kubelets (`kubelets`).
   * @default false
   */
  readonly cadvisor?: boolean;
  /**
   * Where the Kubernetes API server is reached by Prometheus (service discovery) and
   * kube-state-metrics. NetworkPolicies match addresses: narrow it to the API server's address
   * when you know it.
   * @default ExternalEndpoint.cidr('0.0.0.0/0', { ports: [443, 6443] })
   */
  readonly kubernetesApi?: ExternalEndpoint;
  /**
   * Where the kubelets are reached when `cadvisor` is on.
   * @default ExternalEndpoint.cidr('0.0.0.0/0', { ports: [10250] })
   */
  readonly kubelets?: ExternalEndpoint;
  /**
   * Operator mode: the OTLP endpoint of the cluster's collector, e.g.
   * `http://otel-collector.monitoring.svc:4317` (port 4318 means OTLP over HTTP). Workloads that
   * emit traces get the OTEL_* variables pointing there and egress to that namespace on 4317 and
   * 4318. In self-hosted mode the stack's own collector is used.
   * @default - none: in operator mode, workloads get no telemetry variables
   */
  readonly otlpEndpoint?: string;
  /**
   * Langfuse wiring: agents tracing with its SDK, and optionally the collector forwarding traces.
   * @default - none
   */
  readonly langfuse?: LangfuseOptions;
  /**
   * Alert thresholds and runbooks.
   * @default - error rate 5%, p95 2 s, Redis memory 90%, GPU 95%
   */
  readonly alerts?: AlertOptions;
}

const positiveNumber = (max: number, what: string) => z.number().gt(0, { error: `must be above 0 (${what})` }).max(max, { error: `must be at most ${max} (${what})` });

export const observabilityStackSchema = z.object({
  prometheus: prometheusOptionsSchema.optional(),
  grafana: grafanaOptionsSchema.optional(),
  tempo: tempoOptionsSchema.optional(),
  collector: collectorOptionsSchema.optional(),
  alertmanager: alertmanagerOptionsSchema.optional(),
  kubeStateMetrics: kubeStateMetricsOptionsSchema.optional(),
  cadvisor: z.boolean().optional(),
  kubernetesApi: externalEndpoint('ExternalEndpoint.cidr("10.0.0.1/32", { ports: [443] })').optional(),
  kubelets: externalEndpoint('ExternalEndpoint.cidr("10.0.0.0/16", { ports: [10250] })').optional(),
  otlpEndpoint: otlpEndpointSchema.optional(),
  langfuse: langfuseOptionsSchema.optional(),
  alerts: z.object({
    errorRatio: positiveNumber(1, 'a share of requests, 0.05 is 5%').optional(),
    latencyP95Seconds: positiveNumber(3600, 'seconds').optional(),
    redisMemoryRatio: positiveNumber(1, 'a share of maxmemory').optional(),
    gpuUtilizationPercent: positiveNumber(100, 'percent').optional(),
    restartsPer15m: z.number().int({ error: 'must be a whole number of restarts' }).min(1, { error: 'must be at least 1' }).optional(),
    runbookBaseUrl: z.string().regex(/^https:\/\/[^\s#?]+$/, { error: 'must be an https URL without fragment or query, e.g. "https://wiki.acme.io/runbooks/agents"' }).optional(),
  }).strict().optional(),
}).strict();

/**
 * Metrics, traces, dashboards and alerts for every workload of the chart, derived from the
 * workloads themselves (`metricsEndpoints()`, `signals()`, `emitsTraces`, `component`). Create
 * it last in the app: it walks the chart.
 *
 * The environment's `observability.mode` decides what renders:
 * - `none`: nothing.
 * - `self-hosted`: Prometheus (annotation-based pod discovery restricted to the namespace,
 *   persistent TSDB, alert rules), Alertmanager (Slack, webhook URL from a Secret file),
 *   Grafana (datasources and generated dashboards provisioned, admin password from a Secret),
 *   Tempo (persistent traces), an OpenTelemetry Collector (OTLP in; traces to Tempo and
 *   optionally Langfuse; metrics on a Prometheus exporter port that Prometheus scrapes, so
 *   Prometheus stays the only writer of its TSDB and needs no remote-write receiver), and a
 *   namespaced kube-state-metrics. Each server has its own NetworkPolicy.
 * - `operator`: for kube-prometheus-stack: a ServiceMonitor or PodMonitor per workload, a
 *   PrometheusRule, and the dashboards in a ConfigMap labelled `grafana_dashboard: "1"` (set
 *   the Grafana sidecar's `searchNamespace` to this namespace or `ALL`), all labelled with
 *   `observability.prometheusSelectorLabels`.
 *
 * Every workload's NetworkPolicy gets its side of the paths from the same derivation: ingress
 * from Prometheus on its metrics port, egress to the collector on 4317/4318 when it emits
 * traces, and its OTEL_* variables. Dashboards (services, LLM, Redis, MCP tools; one per kind
 * present) and alerts use only the workloads' signals and the cluster series of
 * `CLUSTER_METRICS`: restart and OOMKill panels and alerts need kube-state-metrics (deployed
 * here in self-hosted mode), CPU and memory panels need cAdvisor (`cadvisor: true`, or
 * kube-prometheus-stack), GPU panels and alerts need the NVIDIA DCGM exporter.
 */
export class ObservabilityStack extends Construct implements IWorkloadContributor, IPrerequisiteProvider {
  /** Whether `value` is an ObservabilityStack of any copy of the library. */
  public static isObservabilityStack(value: unknown): value is ObservabilityStack {
    return hasBrand(value, BrandKind.OBSERVABILITY_STACK);
  }

  /** The default image of each server (pinned). */
  public static readonly IMAGES = {
    prometheus: PrometheusServer.DEFAULT_IMAGE,
    alertmanager: AlertmanagerServer.DEFAULT_IMAGE,
    grafana: GrafanaServer.DEFAULT_IMAGE,
    tempo: TempoServer.DEFAULT_IMAGE,
    collector: CollectorServer.DEFAULT_IMAGE,
    kubeStateMetrics: KubeStateMetricsServer.DEFAULT_IMAGE,
  } as const;

  /** Objects of the stack go to `observability.yaml`. */
  public readonly manifestFileName = 'observability';
  /** What renders, from the environment. */
  public readonly mode: ObservabilityMode;
  public readonly prometheus?: PrometheusServer;
  public readonly alertmanager?: AlertmanagerServer;
  public readonly grafana?: GrafanaServer;
  public readonly tempo?: TempoServer;
  public readonly collector?: CollectorServer;
  public readonly kubeStateMetrics?: KubeStateMetricsServer;
  /** Where Prometheus and kube-state-metrics reach the API server. */
  public readonly kubernetesApi: ExternalEndpoint;
  /** Where Prometheus reaches the kubelets (cAdvisor on). */
  public readonly kubelets?: ExternalEndpoint;
  /** The OTLP endpoint workloads that emit traces send to (undefined: none). */
  public readonly otlpEndpoint?: string;
  /** Name of the ConfigMap holding the dashboards. */
  public readonly dashboardsConfigMapName: string;
  /** The alert thresholds in force. */
  public readonly thresholds: AlertThresholds;

  private readonly app: string;
  private readonly issues: PropIssue[] = [];
  private readonly langfuse?: { readonly options: LangfuseOptions; readonly publicKeyKey: string; readonly secretKeyKey: string; readonly rule: PolicyRule };
  private readonly langfuseClients: Workload[] = [];
  private readonly monitored = new Set<Workload>();
  /** Whether the stack renders and contributes (false in mode none, or for a second stack). */
  private active = false;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps = {}) {
    super(checkScope(scope, id, 'ObservabilityStack'), id);
    brand(this, BrandKind.OBSERVABILITY_STACK);
    brandPrerequisiteProvider(this);
    const { value, issues } = checkProps(observabilityStackSchema, props);
    this.issues.push(...issues);
    reportIssues(this, this.issues);
    const config: ObservabilityStackProps = (value as ObservabilityStackProps | undefined) ?? {};
    const context = contextOf(this);
    this.mode = context.environment.observability.mode;
    this.app = context.partOf ?? Chart.of(this).node.id;
    this.dashboardsConfigMapName = `${this.app}-dashboards`;
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...config.alerts };
    this.kubernetesApi = config.kubernetesApi ?? ExternalEndpoint.cidr('0.0.0.0/0', { ports: [443, 6443] });
    if (config.langfuse) {
      const lf = config.langfuse;
      this.langfuse = { options: lf, publicKeyKey: lf.publicKeyKey ?? 'public-key', secretKeyKey: lf.secretKeyKey ?? 'secret-key', rule: urlRule(lf.host, lf.endpoint) };
      this.checkSecretKeys('langfuse.credentials', lf.credentials, [this.langfuse.publicKeyKey, this.langfuse.secretKeyKey]);
    }
    this.node.addValidation({ validate: () => this.lateProblems() });
    if (this.mode === ObservabilityMode.NONE) {
      return;
    }
    if (Chart.of(this).node.findAll().some((c) => c !== this && hasBrand(c, BrandKind.OBSERVABILITY_STACK))) {
      this.issues.push({ field: '(stack)', message: 'the chart already has an ObservabilityStack; create one per app' });
      return;
    }
    this.active = true;
    addContributor(this, this);
    if (this.mode === ObservabilityMode.SELF_HOSTED) {
      this.kubelets = config.cadvisor ? config.kubelets ?? ExternalEndpoint.cidr('0.0.0.0/0', { ports: [10250] }) : undefined;
      const servers = this.createServers(config);
      this.prometheus = servers.prometheus;
      this.alertmanager = servers.alertmanager;
      this.grafana = servers.grafana;
      this.tempo = servers.tempo;
      this.collector = servers.collector;
      this.kubeStateMetrics = servers.kubeStateMetrics;
      this.otlpEndpoint = servers.collector.otlpEndpoint;
    } else {
      this.otlpEndpoint = config.otlpEndpoint;
      if (config.langfuse?.exportFromCollector) {
        this.issues.push({ field: 'langfuse.exportFromCollector', message: 'needs the self-hosted collector; in operator mode, configure the cluster\'s collector to export to Langfuse, or trace with the Langfuse SDK (tracedAgents)' });
      }
      this.createOperatorObjects();
    }
    for (const agent of config.langfuse?.tracedAgents ?? []) {
      this.traceToLangfuse(agent);
    }
    this.createDashboardsConfigMap();
  }

  private checkSecretKeys(field: string, secret: ISecretSource, keys: readonly string[]): void {
    for (const key of keys.filter((k) => !secret.keys.includes(k))) {
      this.issues.push({ field, value: key, message: `secret "${secret.secretName}" declares no key "${key}"; declared keys: ${secret.keys.join(', ')}` });
    }
  }

  private createServers(config: ObservabilityStackProps) {
    const grafanaOptions = config.grafana ?? {};
    const adminPasswordKey = grafanaOptions.adminPasswordKey ?? 'admin-password';
    const generated = !grafanaOptions.adminPassword && this.nothingCreatesSecrets();
    const adminPassword = grafanaOptions.adminPassword ?? (generated ? undefined : new SecretSource(this, 'grafana-admin', { keys: [adminPasswordKey] }));
    if (generated) {
      addNotice(this, {
        field: 'grafana.adminPassword',
        asked: `the default admin password, from the Secret "grafana-admin" (key "${adminPasswordKey}")`,
        rendered: 'a random password generated when the Grafana pod starts (kubectl exec deploy/grafana -- cat /etc/grafana/admin/password)',
        why: `environment "${contextOf(this).environment.name}" is a development one whose secrets backend is "existing": nothing would create that Secret and the pod would wait for it`,
      });
    }
    if (adminPassword) {
      this.checkSecretKeys('grafana.adminPassword', adminPassword, [adminPasswordKey]);
    }
    const slack = config.alertmanager?.slack;
    if (slack) {
      this.checkSecretKeys('alertmanager.slack.webhook', slack.webhook, [slack.webhookKey ?? 'webhook-url']);
    }
    const ksmEnabled = config.kubeStateMetrics?.enabled ?? true;

    const tempo = new TempoServer(this, 'tempo', config.tempo ?? {});
    const alertmanager = new AlertmanagerServer(this, 'alertmanager', config.alertmanager ?? {});
    const kubeStateMetrics = ksmEnabled ? new KubeStateMetricsServer(this, 'kube-state-metrics', config.kubeStateMetrics ?? {}, this.kubernetesApi) : undefined;
    const prometheus = new PrometheusServer(this, 'prometheus', config.prometheus ?? {}, {
      app: this.app,
      alertmanager: alertmanager.address(alertmanager.port),
      rules: () => this.alertGroups(),
      kubeStateMetrics: kubeStateMetrics ? { name: kubeStateMetrics.name, portName: KSM_PORT_NAME } : undefined,
      kubernetesApi: this.kubernetesApi,
      kubelets: this.kubelets,
    });
    const lf = this.langfuse;
    const collector = new CollectorServer(this, 'otel-collector', config.collector ?? {}, {
      tempo: tempo.address(tempo.otlpGrpcPort),
      langfuse: lf && lf.options.exportFromCollector
        ? { endpoint: `${lf.options.host}/api/public/otel`, credentials: lf.options.credentials, publicKeyKey: lf.publicKeyKey, secretKeyKey: lf.secretKeyKey }
        : undefined,
    });
    const grafana = new GrafanaServer(this, 'grafana', grafanaOptions, {
      prometheusUrl: `http://${prometheus.address(prometheus.port)}`,
      tempoUrl: `http://${tempo.address(tempo.httpPort)}`,
      folder: this.app,
      dashboardsConfigMap: this.dashboardsConfigMapName,
      adminPassword,
    });
    // The servers' own paths; scraping and telemetry paths come from contributionFor().
    prometheus.connections.allowFrom(grafana, [TCP(prometheus.port)]);
    tempo.connections.allowFrom(grafana, [TCP(tempo.httpPort)]);
    tempo.connections.allowFrom(collector, [TCP(tempo.otlpGrpcPort)]);
    alertmanager.connections.allowFrom(prometheus, [TCP(alertmanager.port)]);
    if (lf && lf.options.exportFromCollector) {
      collector.connections.allowEgress(lf.rule.peer, lf.rule.ports);
    }
    return { prometheus, alertmanager, grafana, tempo, collector, kubeStateMetrics };
  }

  /**
   * A development environment whose secrets backend is `existing`: a Secret the stack would
   * invent there (Grafana's admin password) is one nothing creates, and its pod would wait for
   * it forever; the stack generates the password at start instead.
   */
  private nothingCreatesSecrets(): boolean {
    const environment = contextOf(this).environment;
    return environment.tier === EnvironmentTier.DEVELOPMENT && environment.secrets.backend === SecretBackend.EXISTING;
  }

  private createOperatorObjects(): void {
    const selector = contextOf(this).environment.observability.prometheusSelectorLabels;
    const byWorkload = new Map<Workload, ScrapeTarget[]>();
    for (const target of this.scrapeTargets()) {
      byWorkload.set(target.workload, [...(byWorkload.get(target.workload) ?? []), target]);
    }
    for (const [workload, targets] of byWorkload) {
      createMonitor(this, targets, selector);
      this.monitored.add(workload);
    }
    createPrometheusRule(this, `${this.app}-alerts`, { ...this.stackLabels(), ...selector }, () => this.alertGroups());
  }

  private stackLabels(): Record<string, string> {
    const context = contextOf(this);
    return contextLabels(context.partOf, context.environment.name);
  }

  private createDashboardsConfigMap(): void {
    const operator = this.mode === ObservabilityMode.OPERATOR;
    new k8s.KubeConfigMap(this, 'Dashboards', {
      metadata: {
        name: this.dashboardsConfigMapName,
        labels: { ...this.stackLabels(), ...(operator ? { grafana_dashboard: '1' } : {}) },
        annotations: operator ? { grafana_folder: this.app } : undefined,
      },
      data: Lazy.any({ produce: () => dashboardFiles(this.observedApp()) }),
    });
  }

  /** The stack's own servers (self-hosted mode). */
  public get servers(): ObservabilityServer[] {
    return [this.prometheus, this.alertmanager, this.grafana, this.tempo, this.collector, this.kubeStateMetrics].filter((s): s is NonNullable<typeof s> => s !== undefined);
  }

  /** The servers that read the Kubernetes API (Prometheus for discovery, kube-state-metrics): they reach `kubernetesApi`. */
  public get kubernetesApiClients(): ObservabilityServer[] {
    return [this.prometheus, this.kubeStateMetrics].filter((s): s is NonNullable<typeof s> => s !== undefined);
  }

  private isServer(workload: Workload): boolean {
    return (this.servers as Workload[]).includes(workload);
  }

  /** The workloads of the chart this stack observes: all of them, its own servers included (self-monitoring). */
  public observedWorkloads(): Workload[] {
    return this.active ? chartWorkloads(this) : [];
  }

  /**
   * Every endpoint Prometheus scrapes, from each workload's `metricsEndpoints()`. Self-hosted,
   * a workload is scraped on its first endpoint (the `prometheus.io/port` annotation names one).
   */
  public scrapeTargets(): ScrapeTarget[] {
    return this.observedWorkloads().flatMap((workload) => this.targetsOf(workload));
  }

  /** The scrape targets of one workload (no walk of the chart: contributions stay linear in the app's size). */
  private targetsOf(workload: Workload): ScrapeTarget[] {
    if (!this.active) {
      return [];
    }
    const endpoints = workload.metricsEndpoints();
    if (this.mode === ObservabilityMode.SELF_HOSTED) {
      const method = workload === this.prometheus ? ScrapeMethod.SELF : workload === this.kubeStateMetrics ? ScrapeMethod.HONOR_LABELS : ScrapeMethod.ANNOTATIONS;
      return endpoints.slice(0, 1).map((endpoint) => ({ workload, endpoint, method }));
    }
    const services = endpoints.map((endpoint) => metricsService(workload, endpoint));
    const viaService = services.length > 0 && services.every((s) => s !== undefined && s.name === services[0]?.name);
    return endpoints.map((endpoint, i) => (viaService
      ? { workload, endpoint, method: ScrapeMethod.SERVICE_MONITOR, service: services[i] }
      : { workload, endpoint, method: ScrapeMethod.POD_MONITOR }));
  }

  /** Workloads that get the OTEL_* variables and a path to the collector: those that emit traces, when there is an endpoint. */
  public telemetryClients(): Workload[] {
    if (!this.otlpEndpoint) {
      return [];
    }
    return this.observedWorkloads().filter((w) => this.isTelemetryClient(w));
  }

  private isTelemetryClient(workload: Workload): boolean {
    return this.otlpEndpoint !== undefined && workload.emitsTraces && !this.isServer(workload);
  }

  /**
   * Makes an agent trace to Langfuse with its SDK: `LANGFUSE_HOST`, `LANGFUSE_PUBLIC_KEY` and
   * `LANGFUSE_SECRET_KEY` (from the `langfuse.credentials` Secret) and egress to Langfuse.
   * @returns the workload
   */
  public traceToLangfuse(workload: Workload): Workload {
    if (!this.langfuse) {
      this.issues.push({ field: 'langfuse', message: `${workload.name} cannot trace to Langfuse: the stack has no langfuse props (host and credentials)` });
    } else if (Chart.of(workload) !== Chart.of(this)) {
      this.issues.push({ field: 'langfuse.tracedAgents', value: workload.name, message: 'is not a workload of this app' });
    } else if (!this.langfuseClients.includes(workload)) {
      this.langfuseClients.push(workload);
    }
    return workload;
  }

  /** The workloads tracing to Langfuse with its SDK. */
  public get langfuseTracedWorkloads(): readonly Workload[] {
    return this.active ? this.langfuseClients : [];
  }

  /** Where Langfuse is reached, when it is configured. */
  public get langfuseRule(): PolicyRule | undefined {
    return this.langfuse?.rule;
  }

  /** The app as the dashboards and alerts see it. */
  public observedApp(): ObservedApp {
    const environment = contextOf(this).environment;
    return { app: this.app, environment: environment.name, namespace: Chart.of(this).namespace ?? environment.namespace, workloads: this.observedWorkloads().map(observe) };
  }

  /** The alert rules, by group. */
  public alertGroups(): AlertGroup[] {
    return alertGroups(this.observedApp(), this.thresholds);
  }

  /** The dashboards, by file name. */
  public dashboards(): Map<string, GrafanaDashboard> {
    return dashboards(this.observedApp());
  }

  public contributionFor(workload: Workload): WorkloadContribution | undefined {
    if (!this.active) {
      return undefined;
    }
    const env: Record<string, string | EnvValue> = {};
    const ingress: PolicyRule[] = [];
    const egress: PolicyRule[] = [];
    const annotations: Record<string, string> = {};
    this.scrapeSide(workload, ingress, egress, annotations);
    this.telemetrySide(workload, env, ingress, egress);
    if (this.langfuse && this.langfuseClients.includes(workload)) {
      Object.assign(env, langfuseEnv(this.langfuse.options.host, this.langfuse.options.credentials, this.langfuse.publicKeyKey, this.langfuse.secretKeyKey));
      egress.push(this.langfuse.rule);
    }
    return { env, ingress, egress, podAnnotations: annotations };
  }

  /** Prometheus reaches each target's metrics port: egress on Prometheus, ingress on the target; annotations tell it where. */
  private scrapeSide(workload: Workload, ingress: PolicyRule[], egress: PolicyRule[], annotations: Record<string, string>): void {
    const prometheus = this.prometheus;
    // In operator mode every workload admits the cluster's Prometheus itself (Workload base).
    if (this.mode === ObservabilityMode.OPERATOR || !prometheus) {
      return;
    }
    if (workload === prometheus) {
      const open = new OpenPaths(prometheus.namespace, prometheus.connections.egressRules);
      for (const target of this.scrapeTargets().filter((t) => t.method !== ScrapeMethod.SELF)) {
        open.open(egress, target.workload.connections.peer, target.endpoint.port);
      }
      return;
    }
    const open = new OpenPaths(workload.namespace, workload.connections.ingressRules);
    for (const target of this.targetsOf(workload).filter((t) => t.method !== ScrapeMethod.SELF)) {
      open.open(ingress, prometheus.connections.peer, target.endpoint.port);
      if (target.method === ScrapeMethod.ANNOTATIONS) {
        Object.assign(annotations, scrapeAnnotations(target.endpoint));
      }
    }
  }

  /** Workloads that emit traces reach the collector on 4317/4318 and get the OTEL_* variables. */
  private telemetrySide(workload: Workload, env: Record<string, unknown>, ingress: PolicyRule[], egress: PolicyRule[]): void {
    const endpoint = this.otlpEndpoint;
    if (!endpoint) {
      return;
    }
    if (workload === this.collector) {
      ingress.push(...this.telemetryClients().map((c) => ({ peer: c.connections.peer, ports: OTLP_PORTS })));
      return;
    }
    if (!this.isTelemetryClient(workload)) {
      return;
    }
    Object.assign(env, otlpEnv({ endpoint, app: this.app, environment: contextOf(this).environment.name }, workload));
    if (this.collector) {
      egress.push({ peer: this.collector.connections.peer, ports: OTLP_PORTS });
    } else {
      const port = parseUrl(endpoint)?.port;
      const ports = [...OTLP_PORTS, ...(port !== undefined && port !== OTLP_GRPC_PORT && port !== OTLP_HTTP_PORT ? [TCP(port)] : [])];
      egress.push({ peer: new NamespacePeer(inClusterNamespace(endpoint) ?? PLACEHOLDER), ports });
    }
  }

  /**
   * What the dashboards and alerts read from outside the app, which the rendered objects cannot
   * show: kube-state-metrics, cAdvisor and the DCGM exporter as the cluster's Prometheus scrapes
   * them (operator mode), Grafana's dashboard sidecar, and the OTLP collector.
   */
  public prerequisites(): Prerequisite[] {
    if (!this.active) {
      return [];
    }
    const source = (name: string, detail: string, neededBy: string[], check?: string): Prerequisite => ({ kind: PrerequisiteKind.METRICS_SOURCE, name, detail, neededBy, check });
    const dashboards = `ConfigMap/${this.dashboardsConfigMapName}`;
    const items: Prerequisite[] = [];
    const onGpus = this.observedApp().workloads.filter((w) => w.signals.gpuUtilization);
    const gpuMetrics = [...new Set(onGpus.map((w) => w.signals.gpuUtilization?.metric))].join(', ');
    const namespace = this.observedApp().namespace;
    if (this.mode === ObservabilityMode.OPERATOR) {
      const rules = `PrometheusRule/${this.app}-alerts`;
      items.push(
        source('kube-state-metrics', `scraped by the cluster's Prometheus with the \`namespace\`, \`pod\` and \`container\` labels of the pods it describes (kube-prometheus-stack does): restart and OOMKill panels and alerts`, [dashboards, rules]),
        source('kubelet cAdvisor', 'scraped by the cluster\'s Prometheus (kube-prometheus-stack does): CPU and memory panels', [dashboards]),
        source('Grafana dashboard sidecar', `loads ConfigMaps labelled \`grafana_dashboard=1\` from namespace \`${namespace}\` (kube-prometheus-stack: grafana.sidecar.dashboards.searchNamespace)`, [dashboards]),
      );
      if (onGpus.length > 0) {
        items.push(source('NVIDIA DCGM exporter', `scraped by the cluster's Prometheus with honorLabels, so that \`namespace\` and \`pod\` name the GPU's consumer, reporting ${gpuMetrics} and DCGM_FI_DEV_FB_USED (the GPU Operator deploys it): GPU panels and GPUSaturated`, [dashboards, rules]));
      }
      if (this.otlpEndpoint) {
        items.push(source(`OTLP endpoint ${this.otlpEndpoint}`, 'an OpenTelemetry Collector Service receiving OTLP there: the traces of every workload that emits them', this.telemetryClients().map((w) => w.name)));
      }
    } else if (onGpus.length > 0) {
      items.push(source('NVIDIA DCGM exporter', `reporting ${gpuMetrics}: the self-hosted Prometheus only scrapes namespace \`${namespace}\`, so the GPU panels and GPUSaturated stay empty unless the exporter's series reach it (e.g. a DCGM exporter scraped into this Prometheus by federation)`, [dashboards]));
    }
    return items;
  }

  /** Problems only visible once the whole app is built. */
  private lateProblems(): string[] {
    if (!this.active) {
      return [];
    }
    const problems: string[] = [];
    if (this.mode === ObservabilityMode.OPERATOR) {
      for (const workload of chartWorkloads(this).filter((w) => w.metricsEndpoints().length > 0 && !this.monitored.has(w))) {
        problems.push(`workload "${workload.name}" was created after the ObservabilityStack, so it has no ServiceMonitor or PodMonitor: create the stack last in the app`);
      }
    }
    return problems;
  }
}

/** The `prometheus.io/*` pod annotations the self-hosted `kubernetes-pods` job reads. */
export function scrapeAnnotations(endpoint: MetricsEndpoint): Record<string, string> {
  return { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(endpoint.port), 'prometheus.io/path': endpoint.path };
}

const TCP = (port: number): NetworkPort => ({ port, protocol: Protocol.TCP });
const OTLP_PORTS = [TCP(OTLP_GRPC_PORT), TCP(OTLP_HTTP_PORT)];

/** `peer|port` keys of the TCP paths rules already open, as a policy in `namespace` renders them. */
class OpenPaths {
  private readonly keys = new Set<string>();

  constructor(private readonly namespace: string | undefined, rules: readonly PolicyRule[]) {
    for (const rule of rules) {
      this.add(rule);
    }
  }

  private key(peer: INetworkPeer, port: number): string {
    return `${JSON.stringify(peer.toPolicyPeers(this.namespace))}|${port}`;
  }

  public add(rule: PolicyRule): void {
    for (const port of rule.ports.filter((p) => (p.protocol ?? Protocol.TCP) === Protocol.TCP)) {
      this.keys.add(this.key(rule.peer, port.port));
    }
  }

  /** Adds `peer` on `port` to `rules` unless it is already open. */
  public open(rules: PolicyRule[], peer: INetworkPeer, port: number): void {
    if (!this.keys.has(this.key(peer, port))) {
      const rule = { peer, ports: [TCP(port)] };
      rules.push(rule);
      this.add(rule);
    }
  }
}
