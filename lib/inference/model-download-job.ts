import { createHash } from 'crypto';
import { Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type Construct } from 'constructs';
import { EnvValue } from '../core/env-value';
import { containerPath, HelmSectionBuilder, type HelmValueSection, IMAGE_HELPER, type IHelmValuesProvider } from '../core/helm-values';
import { formatImage, type ImageReference } from '../core/image';
import { toValuesKey, WorkloadComponent } from '../core/labels';
import { type ExternalEndpoint } from '../core/network';
import { podMetadata, renderContainer, renderPodSpec, tmpVolume } from '../core/pod';
import { type SecretKeyReference } from '../core/queue-scaling';
import { type ResolvedResources } from '../core/resources';
import { type WorkloadSignals } from '../core/signals';
import { type MetricsEndpoint, podDemand, type QuotaDemand, Workload } from '../core/workload';
import { DOWNLOAD_SCRIPT, MODEL_MOUNT, type ModelReference, revisionOf } from './model-weights';
import { DOWNLOADER_ENV } from './vllm-runtime';

/** What one download Job fetches, and where to. */
export interface ModelDownloadSpec {
  readonly model: ModelReference;
  /** The revision's directory in the cache. */
  readonly directory: string;
  /** The ReadWriteMany claim of the model cache. */
  readonly claimName: string;
  readonly image: ImageReference;
  /** Hub token for gated models. */
  readonly hubToken?: SecretKeyReference;
  /** Seconds the Job may run before it fails. */
  readonly deadlineSeconds: number;
  /** Where the Hub is reached (egress on 443). */
  readonly hub: ExternalEndpoint;
}

const CONTAINER = 'download';
const RESOURCES: ResolvedResources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } };

/** `0e9e39f2` for a commit, the sanitized revision otherwise. */
function revisionSuffix(model: ModelReference): string {
  const revision = revisionOf(model);
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 8) : revision.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 12) || 'rev';
}

/** The first characters of the sha256 of a text, as Helm's `sha256sum | trunc n` computes them. */
function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

const HASH_LENGTH = 6;

/**
 * The Job that downloads one model revision into the model cache, outside the serving pods: only
 * it reaches the Hub (its own NetworkPolicy allows HTTPS and DNS, nothing else), it reads the
 * Hub token from a Secret, and it is idempotent: a revision whose marker is present is not
 * downloaded again, so re-running or re-applying it is harmless. Its name carries the revision
 * and a hash of its image, so a new revision or image is a new Job instead of an edit of an
 * immutable one.
 */
export class ModelDownloadJob extends Workload implements IHelmValuesProvider {
  /** The Job. */
  public readonly job: k8s.KubeJob;
  /** The Job's name: `<pool>-weights-<revision>-<image hash>`. */
  public readonly jobName: string;

  private readonly imageName: string;
  private readonly namePrefix: string;

  constructor(scope: Construct, id: string, name: string, private readonly spec: ModelDownloadSpec) {
    super(scope, id, { name, component: WorkloadComponent.SETUP });
    this.imageName = formatImage(spec.image, this.environment.images.registry);
    this.namePrefix = `${this.name}-${revisionSuffix(spec.model)}`;
    this.jobName = `${this.namePrefix}-${shortHash(this.imageName, HASH_LENGTH)}`;
    this.allowExternal(spec.hub);
    this.addEnv('MODEL_ID', spec.model.repository);
    this.addEnv('MODEL_REVISION', revisionOf(spec.model));
    this.addEnv('MODEL_DIR', spec.directory);
    for (const [variable, value] of Object.entries(DOWNLOADER_ENV)) {
      this.addEnv(variable, value);
    }
    if (spec.hubToken) {
      this.addEnv('HF_TOKEN', EnvValue.fromSecret(spec.hubToken.secret, spec.hubToken.key));
    }
    this.createServiceAccount(false);
    this.job = new k8s.KubeJob(this, 'Resource', {
      metadata: { ...this.metadata(), name: this.jobName },
      spec: Lazy.any({ produce: () => this.jobSpec() }),
    });
    this.createNetworkPolicy();
  }

  private jobSpec(): k8s.JobSpec {
    const tmp = tmpVolume('2Gi');
    return {
      backoffLimit: 4,
      activeDeadlineSeconds: this.spec.deadlineSeconds,
      template: {
        metadata: podMetadata(this.labels, {}),
        spec: renderPodSpec({
          serviceAccountName: this.name,
          automountServiceAccountToken: false,
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 30,
          containers: [renderContainer({
            name: CONTAINER,
            image: this.imageName,
            imagePullPolicy: this.environment.images.pullPolicy,
            command: ['sh', '-c', DOWNLOAD_SCRIPT],
            env: this.renderEnv(),
            resources: RESOURCES,
            volumeMounts: [{ name: 'model-cache', mountPath: MODEL_MOUNT }, tmp.mount],
          })],
          volumes: [{ name: 'model-cache', persistentVolumeClaim: { claimName: this.spec.claimName } }, tmp.volume],
        }),
      },
    };
  }

  public metricsEndpoints(): MetricsEndpoint[] {
    return [];
  }

  public signals(): WorkloadSignals {
    return { metrics: [] };
  }

  public quotaDemand(): QuotaDemand {
    return podDemand(1, [RESOURCES]);
  }

  /**
   * The image as a chart value. The Job's name follows the image (the same hash, computed by
   * Helm), so overriding the image creates a new Job instead of editing an immutable one.
   */
  public helmValues(): HelmValueSection {
    const key = toValuesKey(this.name);
    return new HelmSectionBuilder(key, this.node.path)
      .image(['image'], this.spec.image, this.job, containerPath(CONTAINER), 'Image of the weights download Job (its name follows the image)')
      .bindTemplate(this.job, ['metadata', 'name'],
        `${this.namePrefix}-{{ include "${IMAGE_HELPER}" (list .Values.global .Values.${key}.image) | sha256sum | trunc ${HASH_LENGTH} }}`)
      .fixedPods(1)
      .build();
  }
}
