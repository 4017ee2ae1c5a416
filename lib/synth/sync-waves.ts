import { ApiObject, type Chart } from 'cdk8s';
import { type IConstruct } from 'constructs';
import { BrandKind, hasBrand } from '../core/brand';
import { WorkloadComponent } from '../core/labels';
import { Workload } from '../core/workload';
import { ownerDependencies, orderedOwners } from './owners';

/** The annotation Argo CD orders a sync by: lower waves are applied, and healthy, first. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/**
 * The floor of each kind of top-level construct's wave. A construct's wave is its floor or one
 * above the latest wave of what it depends on, whichever is later, so a tool comes before the
 * agents wired to it and an agent before the agents that call it. The observability stack comes
 * after everything: it scrapes and charts what it finds.
 */
export enum WaveTier {
  /** The Namespace, its ResourceQuota, LimitRange and default-deny NetworkPolicy. */
  NAMESPACE = 0,
  /** Secret sources: Secrets, ExternalSecrets, SealedSecrets, wherever they are declared. */
  SECRETS = 1,
  /** ConfigMaps and volume claims. */
  CONFIG = 2,
  /** Data stores (Redis): workloads of the cache component. */
  DATA = 3,
  /** Tools, agents, model pools, jobs: ordered among themselves by their wiring. */
  WORKLOADS = 4,
}

const NAMESPACE_KINDS = new Set(['Namespace', 'ResourceQuota', 'LimitRange']);
const SECRET_KINDS = new Set(['Secret', 'ExternalSecret', 'SealedSecret']);

/** The tier of a top-level construct, from what it is and what it renders; undefined: it comes last. */
function tierOf(owner: IConstruct, below: readonly IConstruct[], objects: readonly ApiObject[]): WaveTier | undefined {
  if (hasBrand(owner, BrandKind.OBSERVABILITY_STACK)) {
    return undefined;
  }
  if (objects.some((o) => NAMESPACE_KINDS.has(o.kind))) {
    return WaveTier.NAMESPACE;
  }
  const workloads = below.filter((c): c is Workload => Workload.isWorkload(c));
  if (workloads.length > 0) {
    return workloads.every((w) => w.component === WorkloadComponent.CACHE) ? WaveTier.DATA : WaveTier.WORKLOADS;
  }
  return objects.every((o) => SECRET_KINDS.has(o.kind)) ? WaveTier.SECRETS : WaveTier.CONFIG;
}

interface OwnerWave {
  readonly wave: number;
  readonly objects: readonly ApiObject[];
}

/** Each top-level construct's wave and objects, computed in one pass over the construct tree. */
function waveAssignments(platform: Chart): Map<IConstruct, OwnerWave> {
  const dependsOn = ownerDependencies(platform);
  const assigned = new Map<IConstruct, OwnerWave>();
  const last: { owner: IConstruct; objects: ApiObject[] }[] = [];
  for (const owner of orderedOwners(platform, dependsOn)) {
    const below = owner.node.findAll();
    const objects = below.filter((c): c is ApiObject => ApiObject.isApiObject(c));
    const tier = tierOf(owner, below, objects);
    if (objects.length > 0 && tier === undefined) {
      last.push({ owner, objects });
      continue;
    }
    // A construct that renders nothing (a tool in another namespace) passes its dependencies' waves on.
    const after = Math.max(-1, ...[...dependsOn.get(owner) ?? []].map((d) => assigned.get(d)?.wave ?? -1));
    assigned.set(owner, { wave: objects.length === 0 ? after : Math.max(tier ?? WaveTier.WORKLOADS, after + 1), objects });
  }
  const lastWave = Math.max(WaveTier.WORKLOADS, ...[...assigned.values()].map((a) => a.wave)) + 1;
  for (const { owner, objects } of last) {
    assigned.set(owner, { wave: lastWave, objects });
  }
  return assigned;
}

/**
 * The sync wave of every top-level construct of the chart, derived from what each construct is
 * (its tier) and from the dependencies the wiring records.
 */
export function ownerWaves(platform: Chart): Map<IConstruct, number> {
  return new Map([...waveAssignments(platform)].map(([owner, a]) => [owner, a.wave]));
}

/**
 * An object's wave: its construct's, except that a secret source a later construct declares for
 * its own pods comes with the secrets. Within a wave Argo CD applies ConfigMaps, claims and
 * Secrets before the workloads, but custom resources after them: an ExternalSecret in its pods'
 * wave would arrive after the pods that read its Secret.
 */
function objectWave(object: ApiObject, ownerWave: number): number {
  return SECRET_KINDS.has(object.kind) ? Math.min(ownerWave, WaveTier.SECRETS) : ownerWave;
}

/**
 * Annotates every object of the chart with its Argo CD sync wave. Always on: the annotation
 * means nothing to kubectl or Helm, so the plain manifests, the Helm chart and what Argo CD
 * applies stay the same objects. Idempotent.
 */
export function applySyncWaves(platform: Chart): void {
  for (const { wave, objects } of waveAssignments(platform).values()) {
    for (const object of objects) {
      object.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(objectWave(object, wave)));
    }
  }
}
