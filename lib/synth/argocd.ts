import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { z } from 'zod';
import { type EnvironmentConfig, EnvironmentTier } from '../environment';
import { SynthesisError } from '../core/errors';
import { ENVIRONMENT_LABEL, MANAGED_BY, MANAGED_BY_LABEL, PART_OF_LABEL } from '../core/labels';
import { checkProps } from '../core/props';
import { PLACEHOLDER } from '../core/placeholder';
import { dnsSubdomain, namespaceName } from '../core/schemas';
import { ARGOCD_HEALTH_CHECKS, healthCheckKey } from './argocd-health';
import { renderApiObject } from './render';
import { type KubeObject } from './kube-object';
import { type IOutputWriter, type RenderedEnvironment } from './rendered';
import { toYaml, toYamlDocuments } from './yaml';

/** What the Argo CD Applications apply. */
export enum ArgoCdSource {
  /** The plain manifests, `<pathPrefix>/manifests/<app>/<env>/` (a directory source). */
  MANIFESTS = 'manifests',
  /** The Helm chart, `<pathPrefix>/helm/<app>-<env>/`, rendered with its default values. */
  HELM = 'helm',
}

/** Where and how one environment is synced. */
export interface ArgoCdEnvironmentOptions {
  /**
   * API server URL of the destination cluster. Give `server` or `cluster`, not both.
   * @default "https://kubernetes.default.svc" (the cluster Argo CD runs in)
   */
  readonly server?: string;
  /**
   * Name of the destination cluster as registered in Argo CD.
   * @default - the `server`
   */
  readonly cluster?: string;
  /**
   * Git revision this environment deploys (a branch or tag per environment promotes by Git).
   * @default - the writer's `targetRevision`
   */
  readonly targetRevision?: string;
  /**
   * Whether Argo CD syncs by itself when Git changes. Off, a person syncs; with progressive
   * syncs the environment's step waits for that (`maxUpdate: 0`).
   * @default true
   */
  readonly automated?: boolean;
  /**
   * Whether an automated sync deletes objects removed from Git.
   * @default - false in a production-tier environment, true elsewhere
   */
  readonly prune?: boolean;
  /**
   * Whether Argo CD reverts changes made in the cluster by hand.
   * @default true
   */
  readonly selfHeal?: boolean;
}

/** How Argo CD Applications are written. */
export interface ArgoCdWriterOptions {
  /** URL of the Git repository the synthesized output is committed to. */
  readonly repoUrl: string;
  /**
   * Git revision every environment deploys unless its own options say otherwise.
   * @default "HEAD"
   */
  readonly targetRevision?: string;
  /**
   * Folder of the synthesized output inside the repository (the synthesis outdir).
   * @default "dist"
   */
  readonly pathPrefix?: string;
  /**
   * What the Applications apply.
   * @default ArgoCdSource.MANIFESTS
   */
  readonly source?: ArgoCdSource;
  /**
   * Argo CD project of the Applications.
   * @default "default"
   */
  readonly project?: string;
  /**
   * Namespace Argo CD runs in, where the ApplicationSets go.
   * @default "argocd"
   */
  readonly namespace?: string;
  /**
   * Per environment name: destination cluster, revision and sync policy.
   * @default - every environment in the cluster Argo CD runs in, automated, self-healing, pruning except in production
   */
  readonly environments?: Record<string, ArgoCdEnvironmentOptions>;
  /**
   * Whether the ApplicationSet orders the environments with a RollingSync (development, then
   * staging, then production, each waiting for the previous to be Healthy). Argo CD v3.5 runs
   * it only with progressive syncs enabled in the ApplicationSet controller; without that the
   * environments sync independently (see docs/delivery.md).
   * @default true
   */
  readonly progressiveSync?: boolean;
}

const gitRevision = z.string().regex(/^[^\s]+$/, { error: 'must be a Git branch, tag or commit without spaces, e.g. "main" or "v1.4.2"' });

const environmentOptionsSchema = z.object({
  server: z.string().regex(/^https:\/\/[^\s]+$/, { error: 'must be the https URL of a Kubernetes API server, e.g. "https://kubernetes.default.svc"' }).optional(),
  cluster: z.string().min(1, { error: 'must name a cluster registered in Argo CD' }).optional(),
  targetRevision: gitRevision.optional(),
  automated: z.boolean().optional(),
  prune: z.boolean().optional(),
  selfHeal: z.boolean().optional(),
}).strict().refine((e) => e.server === undefined || e.cluster === undefined, {
  error: 'gives both server and cluster: Argo CD accepts one destination, by URL (server) or by registered name (cluster)',
});

export const argoCdWriterOptionsSchema = z.object({
  repoUrl: z.string().regex(/^[^\s]+$/, { error: 'must be the URL of a Git repository, e.g. "https://github.com/acme/agents-deploy.git"' }),
  targetRevision: gitRevision.optional(),
  pathPrefix: z.string().regex(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\s]*[^\s/]$/, { error: 'must be a relative folder inside the repository without "." or ".." segments, e.g. "dist" or "deploy/dist"' }).optional(),
  source: z.enum(ArgoCdSource, { error: `must be one of ${Object.values(ArgoCdSource).map((s) => `"${s}"`).join(', ')}` }).optional(),
  project: dnsSubdomain.optional(),
  namespace: namespaceName.optional(),
  environments: z.record(z.string(), environmentOptionsSchema).optional(),
  progressiveSync: z.boolean().optional(),
}).strict();

const IN_CLUSTER = 'https://kubernetes.default.svc';
const TIER_ORDER: readonly EnvironmentTier[] = [EnvironmentTier.DEVELOPMENT, EnvironmentTier.STAGING, EnvironmentTier.PRODUCTION];

/** One element of the list generator: what differs between the Applications of an app. */
interface GeneratorElement {
  readonly environment: string;
  readonly namespace: string;
  readonly path: string;
  readonly revision: string;
  /** Merged into the generated Application (the fields Go templates cannot render: booleans, the destination's key). */
  readonly patch: {
    readonly metadata: { readonly labels: Readonly<Record<string, string>> };
    readonly spec: { readonly destination: Record<string, string>; readonly syncPolicy: Record<string, unknown> };
  };
}

/**
 * Writes, per app, an Argo CD `ApplicationSet` (`argocd/<app>.yaml`) generating one Application
 * per environment from a list generator, ordered across environments by a RollingSync, and
 * `argocd/argocd-cm-health.yaml`, the health checks of the custom resources the apps use, to
 * merge into Argo CD's `argocd-cm`. One ApplicationSet rather than one Application per
 * environment: the order across environments exists only between the Applications of one
 * ApplicationSet, and one object keeps the environments from drifting apart.
 */
export class ArgoCdWriter implements IOutputWriter {
  private readonly options: z.output<typeof argoCdWriterOptionsSchema>;
  private readonly problems: string[];
  /** The environment names the options configure, even when their settings are invalid. */
  private readonly configured: readonly string[];

  constructor(options: ArgoCdWriterOptions) {
    const { value, issues } = checkProps(argoCdWriterOptionsSchema, options);
    this.options = value ?? { repoUrl: PLACEHOLDER };
    this.configured = Object.keys(options?.environments ?? {});
    this.problems = issues.map((i) => `[argocd] ${i.field === '' ? '(options)' : i.field}: ${i.message}${'value' in i ? ` (got ${JSON.stringify(i.value)})` : ''}`);
  }

  public files(environments: readonly RenderedEnvironment[]): Map<string, string> {
    const problems = [...this.problems, ...this.unknownEnvironments(environments)];
    if (problems.length > 0) {
      throw new SynthesisError(problems);
    }
    const files = new Map<string, string>();
    for (const [app, envs] of groupByApp(environments)) {
      files.set(path.posix.join('argocd', `${app}.yaml`), toYaml(this.applicationSet(app, envs)));
    }
    const health = this.healthChecks(environments);
    if (health) {
      files.set(path.posix.join('argocd', 'argocd-cm-health.yaml'), health);
    }
    return files;
  }

  /** The ApplicationSet of one app, as Argo CD reads it. */
  public applicationSet(app: string, environments: readonly RenderedEnvironment[]): KubeObject {
    const chart = new Chart(new App({ outdir: '.' }), 'argocd', { disableResourceNameHashes: true });
    const labels = { [PART_OF_LABEL]: app, [MANAGED_BY_LABEL]: MANAGED_BY };
    const ordered = [...environments].sort((a, b) => tierRank(a) - tierRank(b));
    const helm = this.options.source === ArgoCdSource.HELM;
    const object = new ApiObject(chart, app, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: app, namespace: this.options.namespace ?? 'argocd', labels },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [{ list: { elements: ordered.map((env) => this.element(env)) } }],
        ...(this.options.progressiveSync === false ? {} : { strategy: this.rollingSync(ordered) }),
        // Deleting the ApplicationSet (or an environment from it) leaves the workloads running.
        syncPolicy: { preserveResourcesOnDeletion: true },
        template: {
          // The environment label comes with the patch: a template label would not be a valid label until rendered.
          metadata: { name: `${app}-{{.environment}}`, labels },
          spec: {
            project: this.options.project ?? 'default',
            source: {
              repoURL: this.options.repoUrl,
              targetRevision: '{{.revision}}',
              path: '{{.path}}',
              ...(helm ? { helm: { releaseName: `${app}-{{.environment}}` } } : {}),
            },
            destination: { namespace: '{{.namespace}}' },
            syncPolicy: {
              // Server-side apply: no last-applied annotation (dashboards ConfigMaps exceed its 256 KiB),
              // and fields set by controllers (HPA replicas) are never fought over.
              syncOptions: ['ServerSideApply=true', 'PruneLast=true'],
              retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
            },
          },
        },
        templatePatch: '{{ toJson .patch }}',
      },
    });
    return renderApiObject(object);
  }

  private element(env: RenderedEnvironment): GeneratorElement {
    const config = env.platform.environment;
    const own = this.options.environments?.[env.environment] ?? {};
    const prefix = this.options.pathPrefix ?? 'dist';
    const folder = this.options.source === ArgoCdSource.HELM ? path.posix.join('helm', `${env.app}-${env.environment}`) : path.posix.join('manifests', env.app, env.environment);
    const automated = own.automated ?? true;
    return {
      environment: env.environment,
      namespace: config.namespace,
      path: path.posix.join(prefix, folder),
      revision: own.targetRevision ?? this.options.targetRevision ?? 'HEAD',
      patch: {
        metadata: { labels: { [ENVIRONMENT_LABEL]: env.environment } },
        spec: {
          destination: own.cluster ? { name: own.cluster } : { server: own.server ?? IN_CLUSTER },
          syncPolicy: automated ? { automated: { prune: own.prune ?? !isProduction(config), selfHeal: own.selfHeal ?? true } } : {},
        },
      },
    };
  }

  /** One step per tier, development first; a step whose environments are synced by hand waits for that. */
  private rollingSync(ordered: readonly RenderedEnvironment[]): Record<string, unknown> {
    const steps = TIER_ORDER.map((tier) => ordered.filter((env) => env.platform.environment.tier === tier)).filter((envs) => envs.length > 0).map((envs) => ({
      matchExpressions: [{ key: ENVIRONMENT_LABEL, operator: 'In', values: envs.map((e) => e.environment) }],
      ...(envs.some((e) => this.options.environments?.[e.environment]?.automated === false) ? { maxUpdate: 0 } : {}),
    }));
    return { type: 'RollingSync', rollingSync: { steps } };
  }

  /** The argocd-cm keys of the health checks of the custom resources the apps render, as a merge patch. */
  private healthChecks(environments: readonly RenderedEnvironment[]): string | undefined {
    const used = new Set(environments.flatMap((env) => env.objects.map((o) => `${o.apiVersion.split('/')[0]}/${o.kind}`)));
    const checks = ARGOCD_HEALTH_CHECKS.filter((c) => used.has(`${c.group}/${c.kind}`));
    if (checks.length === 0) {
      return undefined;
    }
    return toYamlDocuments([{ data: Object.fromEntries(checks.map((c) => [healthCheckKey(c), c.lua])) }]);
  }

  private unknownEnvironments(environments: readonly RenderedEnvironment[]): string[] {
    const known = new Set(environments.map((e) => e.environment));
    return this.configured.filter((name) => !known.has(name)).map((name) =>
      `[argocd] environments.${name}: no app has an environment named "${name}"; the environments are ${[...known].map((k) => `"${k}"`).join(', ')}`);
  }
}

function isProduction(config: EnvironmentConfig): boolean {
  return config.tier === EnvironmentTier.PRODUCTION;
}

function tierRank(env: RenderedEnvironment): number {
  return TIER_ORDER.indexOf(env.platform.environment.tier);
}

function groupByApp(environments: readonly RenderedEnvironment[]): Map<string, RenderedEnvironment[]> {
  const apps = new Map<string, RenderedEnvironment[]>();
  for (const env of environments) {
    apps.set(env.app, [...(apps.get(env.app) ?? []), env]);
  }
  return apps;
}
