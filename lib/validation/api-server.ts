/**
 * Field rules the API server enforces (its `validation.go`) that no OpenAPI schema expresses:
 * replica counts, the rolling update of a Deployment, container images, environment variable
 * names, probe fields, init container handlers, CronJob schedules and NetworkPolicy types.
 * Messages follow the API server's wording where it has one.
 */
import { type Context } from './context';
import { containersOf, type ContainerRef } from './model';
import { cronScheduleProblem } from './cron';
import { join, joinAll, list, num, rec, str, type Issue } from './util';

const REPLICATED = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/ReplicaSet', '/ReplicationController']);
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const NON_NEGATIVE_PROBE_FIELDS = ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const POLICY_TYPES = new Set(['Ingress', 'Egress']);

export function checkReplicaCounts(ctx: Context): void {
  for (const resource of ctx.resources.filter((r) => REPLICATED.has(`${r.group}/${r.kind}`))) {
    const replicas = num(rec(resource.obj.spec)?.replicas);
    if (replicas !== undefined && replicas < 0) {
      ctx.report(resource, 'spec.replicas', `must be greater than or equal to 0 (got ${replicas})`);
    }
  }
}

/** An IntOrString of a rolling update as a number and whether it is a percentage; undefined when absent. */
function intOrPercent(value: unknown): { value: number; percent: boolean } | undefined {
  if (typeof value === 'number') return { value, percent: false };
  const match = typeof value === 'string' ? /^(-?\d+)%$/.exec(value) : null;
  return match ? { value: Number(match[1]), percent: true } : undefined;
}

export function checkRollingUpdates(ctx: Context): void {
  for (const deployment of ctx.ofKind('apps', 'Deployment')) {
    const strategy = rec(rec(deployment.obj.spec)?.strategy);
    const rolling = rec(strategy?.rollingUpdate);
    if (rolling === undefined) continue;
    const path = 'spec.strategy.rollingUpdate';
    if (str(strategy?.type) === 'Recreate') {
      ctx.report(deployment, path, 'may not be specified when strategy `type` is \'Recreate\'');
      continue;
    }
    // The API server defaults each absent field to 25%.
    const surge = rolling.maxSurge === undefined ? { value: 25, percent: true } : intOrPercent(rolling.maxSurge);
    const unavailable = rolling.maxUnavailable === undefined ? { value: 25, percent: true } : intOrPercent(rolling.maxUnavailable);
    for (const [field, parsed] of [['maxSurge', surge], ['maxUnavailable', unavailable]] as const) {
      if (parsed !== undefined && parsed.value < 0) ctx.report(deployment, join(path, field), `must be greater than or equal to 0 (got ${String(rolling[field])})`);
    }
    if (unavailable?.percent && unavailable.value > 100) ctx.report(deployment, join(path, 'maxUnavailable'), `must not be greater than 100% (got ${String(rolling.maxUnavailable)})`);
    if (surge?.value === 0 && unavailable?.value === 0) {
      ctx.report(deployment, join(path, 'maxUnavailable'), 'may not be 0 when `maxSurge` is 0: a rollout could never replace a pod');
    }
  }
}

export function checkContainerFields(ctx: Context): void {
  for (const template of ctx.templates) {
    const issues: Issue[] = [];
    for (const ref of containersOf(template)) {
      checkImage(ref, issues);
      checkEnvNames(ref, issues);
      checkProbeFields(ref, issues);
      if (ref.init) checkInitContainerHandlers(ref, issues);
    }
    for (const issue of issues) ctx.report(template.owner, issue.path, issue.message);
  }
}

function checkImage(ref: ContainerRef, issues: Issue[]): void {
  const image = ref.container.image;
  const path = join(ref.path, 'image');
  if (typeof image !== 'string' || image.trim() === '') issues.push({ path, message: 'Required value: a container needs an image' });
  else if (image !== image.trim()) issues.push({ path, message: `must not have leading or trailing whitespace (got ${JSON.stringify(image)})` });
}

/** Kubernetes 1.28 environment variable names: C-like identifiers plus "-" and ".", not ".", ".." or starting with "..". */
export function envVarNameProblem(name: string): string | undefined {
  if (!ENV_VAR_NAME.test(name)) return `a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (got ${JSON.stringify(name)})`;
  if (name === '.' || name === '..' || name.startsWith('..')) return `must not be '.', '..' or start with '..' (got ${JSON.stringify(name)})`;
  return undefined;
}

function checkEnvNames(ref: ContainerRef, issues: Issue[]): void {
  list(ref.container.env).forEach((entry, i) => {
    const name = str(rec(entry)?.name);
    const problem = name === undefined ? 'Required value: an environment variable needs a name' : envVarNameProblem(name);
    if (problem !== undefined) issues.push({ path: joinAll(ref.path, 'env', i, 'name'), message: problem });
  });
  list(ref.container.envFrom).forEach((entry, i) => {
    const prefix = str(rec(entry)?.prefix);
    const problem = prefix === undefined || prefix === '' ? undefined : envVarNameProblem(prefix);
    if (problem !== undefined) issues.push({ path: joinAll(ref.path, 'envFrom', i, 'prefix'), message: problem });
  });
}

function checkProbeFields(ref: ContainerRef, issues: Issue[]): void {
  for (const probeName of PROBES) {
    const probe = rec(ref.container[probeName]);
    if (probe === undefined) continue;
    const path = join(ref.path, probeName);
    for (const field of NON_NEGATIVE_PROBE_FIELDS) {
      const value = num(probe[field]);
      if (value !== undefined && value < 0) issues.push({ path: join(path, field), message: `must be greater than or equal to 0 (got ${value})` });
    }
    const success = num(probe.successThreshold);
    if (probeName !== 'readinessProbe' && success !== undefined && success !== 1) {
      issues.push({ path: join(path, 'successThreshold'), message: `must be 1 for a ${probeName} (got ${success})` });
    }
    const grace = num(probe.terminationGracePeriodSeconds);
    if (grace !== undefined && grace <= 0) issues.push({ path: join(path, 'terminationGracePeriodSeconds'), message: `must be greater than 0 (got ${grace})` });
    if (probeName === 'readinessProbe' && probe.terminationGracePeriodSeconds !== undefined) {
      issues.push({ path: join(path, 'terminationGracePeriodSeconds'), message: 'must not be set for readinessProbes' });
    }
  }
}

/** Init containers run to completion: without restartPolicy Always (a native sidecar) they may have no probes and no lifecycle. */
function checkInitContainerHandlers(ref: ContainerRef, issues: Issue[]): void {
  if (str(ref.container.restartPolicy) === 'Always') return;
  for (const field of [...PROBES, 'lifecycle']) {
    if (ref.container[field] !== undefined) issues.push({ path: join(ref.path, field), message: 'may not be set for init containers without restartPolicy=Always' });
  }
}

export function checkCronSchedules(ctx: Context): void {
  for (const cronJob of ctx.ofKind('batch', 'CronJob')) {
    const spec = rec(cronJob.obj.spec) ?? {};
    const schedule = str(spec.schedule);
    if (schedule === undefined) continue; // required fields are the schema's
    const problem = cronScheduleProblem(schedule);
    if (problem !== undefined) ctx.report(cronJob, 'spec.schedule', `${JSON.stringify(schedule)} is not a valid cron schedule: ${problem}`);
    else if (spec.timeZone !== undefined && /(^|\s)(CRON_)?TZ=/.test(schedule)) {
      ctx.report(cronJob, 'spec.schedule', 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
    }
  }
}

export function checkPolicyTypes(ctx: Context): void {
  for (const policy of ctx.ofKind('networking.k8s.io', 'NetworkPolicy')) {
    const types = list(rec(policy.obj.spec)?.policyTypes);
    types.forEach((type, i) => {
      if (typeof type !== 'string' || !POLICY_TYPES.has(type)) {
        ctx.report(policy, joinAll('spec', 'policyTypes', i), `Unsupported value: ${JSON.stringify(type)}: supported values: "Ingress", "Egress"`);
      }
    });
    if (types.length > 2) ctx.report(policy, 'spec.policyTypes', `may not specify more than two policyTypes (got ${types.length})`);
  }
}
