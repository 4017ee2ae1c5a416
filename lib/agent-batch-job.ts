import { Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type Construct } from 'constructs';
import { z } from 'zod';
import { type PropIssue } from './core/errors';
import { containerPath, cronJobContainerPath, HelmSectionBuilder, type HelmValueSection, type IHelmValuesProvider } from './core/helm-values';
import { formatImage, type ImageReference } from './core/image';
import { isPlaceholder, parseImageOrPlaceholder, PLACEHOLDER } from './core/placeholder';
import { toValuesKey, WorkloadComponent } from './core/labels';
import { podMetadata, renderContainer, renderPodSpec, tmpVolume } from './core/pod';
import { checkProps } from './core/props';
import { cronProblem, isTimeZone } from './core/cron';
import { type ResolvedResources, resourceIssues, ResourcePreset, resolveResources } from './core/resources';
import { brandedReference, REFERENCES } from './core/references';
import { nonNegativeInt, positiveInt } from './core/schemas';
import { type WorkloadSignals } from './core/signals';
import { type IRedisCache, type IWireable, wire } from './core/wiring';
import { type MetricsEndpoint, podDemand, type QuotaDemand, Workload } from './core/workload';
import { type ContainerWorkloadProps, containerWorkloadShape } from './core/container-workload';
import { type ConfigFilesMountOptions, mountConfigFiles } from './core/config-mounts';
import { PodVolumeSet } from './core/pod-volume-set';
import { type IConfigFiles, PodVolume, type VolumeMountOptions } from './core/volumes';
import { type IInferenceEndpoint } from './gpu-inference-pool';
import { type IMcpTool } from './mcp-tool-service';

/** What happens when a scheduled run is due while the previous one still runs. */
export enum ConcurrencyPolicy {
  /** Skip the new run. */
  FORBID = 'Forbid',
  /** Run both. */
  ALLOW = 'Allow',
  /** Stop the old run, start the new one. */
  REPLACE = 'Replace',
}

/** Props of an `AgentBatchJob`. */
export interface AgentBatchJobProps extends ContainerWorkloadProps {
  /**
   * Cron schedule (`"0 2 * * *"` for nightly at 02:00); a CronJob. Without one, a Job that runs once.
   * @default - a one-off Job
   */
  readonly schedule?: string;
  /**
   * Time zone of the schedule, e.g. `Europe/Berlin`.
   * @default - the controller's time zone (UTC on most clusters)
   */
  readonly timeZone?: string;
  /**
   * What a due run does while the previous one still runs.
   * @default ConcurrencyPolicy.FORBID
   */
  readonly concurrencyPolicy?: ConcurrencyPolicy;
  /**
   * Retries before the run counts as failed.
   * @default 3
   */
  readonly backoffLimit?: number;
  /**
   * Seconds a run may take before it is stopped.
   * @default 3600
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * Seconds a finished Job is kept (for its logs) before it is deleted.
   * @default 86400
   */
  readonly ttlSecondsAfterFinished?: number;
  /**
   * Seconds after its scheduled time a missed run may still start.
   * @default 600
   */
  readonly startingDeadlineSeconds?: number;
  /**
   * Successful and failed runs kept in history.
   * @default 3
   */
  readonly historyLimit?: number;
  /**
   * MCP tools the job calls.
   * @default - none
   */
  readonly tools?: IMcpTool[];
  /**
   * Redis the job uses.
   * @default - none
   */
  readonly cache?: IRedisCache;
  /**
   * LLM endpoint the job uses (embeddings, summaries).
   * @default - none
   */
  readonly inference?: IInferenceEndpoint;
}


export const agentBatchJobSchema = z.object({
  name: containerWorkloadShape.name,
  image: containerWorkloadShape.image,
  schedule: z.string().superRefine((schedule, ctx) => {
    const problem = cronProblem(schedule);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `must be a cron schedule: ${problem}` });
    }
  }).optional(),
  timeZone: z.string().refine(isTimeZone, { error: 'must be an IANA time zone such as "Europe/Berlin" or "Etc/UTC"' }).optional(),
  command: containerWorkloadShape.command,
  args: containerWorkloadShape.args,
  env: containerWorkloadShape.env,
  resources: containerWorkloadShape.resources,
  concurrencyPolicy: z.enum(ConcurrencyPolicy, { error: 'must be one of Forbid, Allow, Replace' }).optional(),
  backoffLimit: nonNegativeInt.max(100, { error: 'must be at most 100' }).optional(),
  activeDeadlineSeconds: positiveInt.optional(),
  ttlSecondsAfterFinished: nonNegativeInt.optional(),
  startingDeadlineSeconds: positiveInt.optional(),
  historyLimit: nonNegativeInt.max(100, { error: 'must be at most 100' }).optional(),
  tools: z.array(brandedReference<IWireable>(REFERENCES.MCP_TOOL)).optional(),
  cache: brandedReference<IWireable>(REFERENCES.REDIS_CACHE).optional(),
  inference: brandedReference<IWireable>(REFERENCES.INFERENCE).optional(),
  externalEndpoints: containerWorkloadShape.externalEndpoints,
  security: containerWorkloadShape.security,
  tmpSizeLimit: containerWorkloadShape.tmpSizeLimit,
  podAnnotations: containerWorkloadShape.podAnnotations,
  configFiles: containerWorkloadShape.configFiles,
}).strict();

type BatchConfig = z.output<typeof agentBatchJobSchema>;

/**
 * Batch work of an agent system: a CronJob (a nightly embeddings reindex) or a one-off Job, with
 * a concurrency policy, retries, a deadline and clean-up of finished runs, the restricted
 * security context, and the same typed wiring to tools, caches and inference pools as agents.
 *
 * Defaults: the `tool-worker` preset (128Mi / 0.25 CPU requested, 512Mi / 1 CPU limit), a 1Gi `/tmp`.
 */
export class AgentBatchJob extends Workload implements IHelmValuesProvider {
  public readonly image: ImageReference;
  public readonly resources: ResolvedResources;
  /** The CronJob or the Job. */
  public readonly resource: k8s.KubeCronJob | k8s.KubeJob;
  private readonly config: BatchConfig;
  private readonly podVolumes = new PodVolumeSet(this, (issue) => this.issues.push(issue));

  constructor(scope: Construct, id: string, props: AgentBatchJobProps) {
    const parsed = checkProps(agentBatchJobSchema, props);
    super(scope, id, { name: props?.name, component: WorkloadComponent.BATCH, maxNameLength: 52 });
    this.issues.push(...parsed.issues);
    this.config = parsed.value ?? { image: PLACEHOLDER };
    this.image = parseImageOrPlaceholder(this.config.image);
    this.resources = resolveResources(this.config.resources, ResourcePreset.TOOL_WORKER, this.environment.resourceProfile);
    if (!isPlaceholder(this.config.image)) {
      this.checkImagePolicy('image', this.image, this.config.image);
    }
    this.issues.push(...resourceIssues(this.resources), ...this.scheduleOnlyIssues());
    this.addEnvMap(this.config.env);
    this.allowExternal(...(this.config.externalEndpoints ?? []));
    this.wireAll();
    const tmp = tmpVolume(this.config.tmpSizeLimit ?? '1Gi');
    this.podVolumes.add(tmp.volume, 'tmpSizeLimit');
    this.podVolumes.mountMain(tmp.mount, 'tmpSizeLimit');
    (this.config.configFiles ?? []).forEach((mount, i) => mountConfigFiles(this, this.podVolumes, mount, `configFiles[${i}]`, (issue) => this.issues.push(issue)));

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: this.metadata(), automountServiceAccountToken: false });
    const spec = Lazy.any({ produce: () => (this.config.schedule ? this.cronJobSpec(this.config.schedule) : this.jobSpec()) });
    this.resource = this.config.schedule
      ? new k8s.KubeCronJob(this, 'Resource', { metadata: this.metadata(), spec })
      : new k8s.KubeJob(this, 'Resource', { metadata: this.metadata(), spec });
    this.createNetworkPolicy();
  }

  /** Settings of a CronJob given to a one-off Job would be silently ignored. */
  private scheduleOnlyIssues(): PropIssue[] {
    if (this.config.schedule) {
      return [];
    }
    const scheduleOnly = ['timeZone', 'concurrencyPolicy', 'startingDeadlineSeconds', 'historyLimit'] as const;
    return scheduleOnly.filter((field) => this.config[field] !== undefined).map((field) => ({
      field,
      value: this.config[field],
      message: 'only applies to a scheduled job; set schedule for a CronJob, or remove it for a one-off Job',
    }));
  }

  private wireAll(): void {
    for (const tool of (this.config.tools ?? []) as IMcpTool[]) {
      wire(this, tool, 'tools', REFERENCES.MCP_TOOL);
    }
    if (this.config.cache) {
      wire(this, this.config.cache as IRedisCache, 'cache', REFERENCES.REDIS_CACHE);
    }
    if (this.config.inference) {
      wire(this, this.config.inference as IInferenceEndpoint, 'inference', REFERENCES.INFERENCE);
    }
  }

  /**
   * Adds a volume to the job's pod, mounted into its container when `mount` is given:
   * `addVolume(PodVolume.emptyDir('scratch', { sizeLimit: '5Gi' }), { mountPath: '/scratch' })`.
   */
  public addVolume(volume: PodVolume, mount?: VolumeMountOptions): void {
    if (!PodVolume.isPodVolume(volume)) {
      this.issues.push({ field: 'volumes', value: volume, message: 'must be a PodVolume (PodVolume.emptyDir(), .fromConfigMap(), .fromSecret(), .fromSharedVolume())' });
      return;
    }
    this.podVolumes.addAndMount(volume, mount, 'volumes');
  }

  /**
   * Mounts configuration files (a `ConfigFiles` map) read-only into the job's container: the
   * whole map as a folder at `mountPath`, or one file (`file`) at `mountPath` with `subPath`.
   * The map's content hash goes on the pod template, so the next run sees a change.
   */
  public mountConfigFiles(files: IConfigFiles, mountPath: string, options: ConfigFilesMountOptions = {}): void {
    mountConfigFiles(this, this.podVolumes, { files, mountPath, ...options }, 'configFiles', (issue) => this.issues.push(issue));
  }

  private podTemplate(): k8s.PodTemplateSpec {
    return {
      metadata: podMetadata(this.labels, { ...this.podVolumes.contentHashes(), ...this.contributedPodAnnotations(), ...this.config.podAnnotations }),
      spec: renderPodSpec({
        serviceAccountName: this.name,
        automountServiceAccountToken: false,
        restartPolicy: 'Never',
        containers: [renderContainer({
          name: this.name,
          image: formatImage(this.image, this.environment.images.registry),
          imagePullPolicy: this.environment.images.pullPolicy,
          command: this.config.command,
          args: this.config.args,
          env: this.renderEnv(),
          resources: this.resources,
          security: this.config.security,
          volumeMounts: this.podVolumes.mainMounts,
        })],
        volumes: this.podVolumes.render(),
        security: this.config.security,
        terminationGracePeriodSeconds: 30,
      }),
    };
  }

  private jobSpec(): k8s.JobSpec {
    return {
      backoffLimit: this.config.backoffLimit ?? 3,
      activeDeadlineSeconds: this.config.activeDeadlineSeconds ?? 3600,
      ttlSecondsAfterFinished: this.config.ttlSecondsAfterFinished ?? 86400,
      template: this.podTemplate(),
    };
  }

  private cronJobSpec(schedule: string): k8s.CronJobSpec {
    const history = this.config.historyLimit ?? 3;
    return {
      schedule,
      timeZone: this.config.timeZone,
      concurrencyPolicy: this.config.concurrencyPolicy ?? ConcurrencyPolicy.FORBID,
      startingDeadlineSeconds: this.config.startingDeadlineSeconds ?? 600,
      successfulJobsHistoryLimit: history,
      failedJobsHistoryLimit: history,
      jobTemplate: { metadata: { labels: { ...this.labels } }, spec: this.jobSpec() },
    };
  }

  public helmValues(): HelmValueSection {
    const at = this.config.schedule ? cronJobContainerPath(this.name) : containerPath(this.name);
    return new HelmSectionBuilder(toValuesKey(this.name), this.node.path)
      .fixedPods(this.quotaDemand().pods)
      .image(['image'], this.image, this.resource, at, 'Image of the job')
      .resources(['resources'], this.resources, this.resource, at, 'Requests and limits of the job')
      .build();
  }

  public metricsEndpoints(): MetricsEndpoint[] {
    return [];
  }

  public signals(): WorkloadSignals {
    return { metrics: [] };
  }

  public override get emitsTraces(): boolean {
    return true;
  }

  public quotaDemand(): QuotaDemand {
    return podDemand(this.config.concurrencyPolicy === ConcurrencyPolicy.ALLOW ? 2 : 1, [this.resources]);
  }
}
