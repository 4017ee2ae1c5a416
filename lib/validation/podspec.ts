/**
 * Semantic rules inside one pod template (rule 4, pod part): container, volume, env and port
 * uniqueness, volume mounts, named probe ports, restartPolicy and resource requests vs limits.
 */
import { type Context } from './context';
import { containersOf, type ContainerRef, type PodTemplate } from './model';
import { dns1123Label, ianaSvcName } from './names';
import { tryParseQuantity } from './quantity';
import { join, joinAll, list, num, rec, str, type Issue, type JsonObject } from './util';

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'];
const ALWAYS_RESTART_KINDS = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', '/ReplicationController']);
const JOB_KINDS = new Set(['batch/Job', 'batch/CronJob']);

export function checkPodTemplates(ctx: Context): void {
  for (const template of ctx.templates) {
    const issues: Issue[] = [];
    checkContainerNames(template, issues);
    checkVolumes(template, issues);
    checkPodPorts(template, issues);
    checkRestartPolicy(template, issues);
    for (const ref of containersOf(template)) checkContainer(ref, issues);
    for (const issue of issues) ctx.report(template.owner, issue.path, issue.message);
  }
}

function checkContainer(ref: ContainerRef, issues: Issue[]): void {
  checkEnv(ref, issues);
  checkContainerPorts(ref, issues);
  checkProbes(ref, issues);
  checkResources(ref, issues);
}

/** Reports every entry whose key was already seen earlier in the list. */
function findDuplicates(entries: readonly { key: string | undefined; path: string }[], what: string, issues: Issue[]): void {
  const seen = new Set<string>();
  for (const { key, path } of entries) {
    if (key === undefined) continue;
    if (seen.has(key)) issues.push({ path, message: `duplicate ${what} ${JSON.stringify(key)}` });
    seen.add(key);
  }
}

function checkContainerNames(template: PodTemplate, issues: Issue[]): void {
  const entries = containersOf(template).map((c) => ({ key: str(c.container.name), path: join(c.path, 'name') }));
  for (const { key, path } of entries) {
    const problem = key === undefined ? undefined : dns1123Label(key);
    if (problem !== undefined) issues.push({ path, message: `invalid container name ${JSON.stringify(key)}: ${problem}` });
  }
  findDuplicates(entries, 'container name', issues);
}

function checkVolumes(template: PodTemplate, issues: Issue[]): void {
  const entries = list(template.spec.volumes).map((v, i) => ({ key: str(rec(v)?.name), path: joinAll(template.specPath, 'volumes', i, 'name') }));
  for (const { key, path } of entries) {
    const problem = key === undefined ? undefined : dns1123Label(key);
    if (problem !== undefined) issues.push({ path, message: `invalid volume name ${JSON.stringify(key)}: ${problem}` });
  }
  findDuplicates(entries, 'volume name', issues);
  const available = new Set([...entries.map((e) => e.key), ...claimTemplateNames(template)]);
  for (const ref of containersOf(template)) checkMounts(ref, available, issues);
}

/** StatefulSet volumeClaimTemplates also provide volumes. */
function claimTemplateNames(template: PodTemplate): string[] {
  if (template.owner.kind !== 'StatefulSet') return [];
  return list(rec(template.owner.obj.spec)?.volumeClaimTemplates)
    .map((t) => str(rec(rec(t)?.metadata)?.name))
    .filter((n): n is string => n !== undefined);
}

function checkMounts(ref: ContainerRef, available: ReadonlySet<string | undefined>, issues: Issue[]): void {
  const container = str(ref.container.name) ?? '?';
  for (const field of ['volumeMounts', 'volumeDevices']) {
    list(ref.container[field]).forEach((m, i) => {
      const name = str(rec(m)?.name);
      if (name !== undefined && !available.has(name)) {
        issues.push({ path: joinAll(ref.path, field, i, 'name'), message: `container "${container}" mounts volume "${name}" but the pod has no such volume` });
      }
    });
  }
  const mountPaths = list(ref.container.volumeMounts).map((m, i) => ({ key: str(rec(m)?.mountPath), path: joinAll(ref.path, 'volumeMounts', i, 'mountPath') }));
  findDuplicates(mountPaths, 'mountPath', issues);
}

function checkEnv(ref: ContainerRef, issues: Issue[]): void {
  const entries = list(ref.container.env).map((e, i) => ({ key: str(rec(e)?.name), path: joinAll(ref.path, 'env', i, 'name') }));
  findDuplicates(entries, 'env var', issues);
}

function checkContainerPorts(ref: ContainerRef, issues: Issue[]): void {
  const ports = list(ref.container.ports);
  ports.forEach((p, i) => {
    const path = joinAll(ref.path, 'ports', i);
    const name = str(rec(p)?.name);
    const problem = name === undefined ? undefined : ianaSvcName(name);
    if (problem !== undefined) issues.push({ path: join(path, 'name'), message: `invalid port name ${JSON.stringify(name)}: ${problem}` });
    checkPortNumber(rec(p)?.containerPort, join(path, 'containerPort'), issues);
    if (rec(p)?.hostPort !== undefined) checkPortNumber(rec(p)?.hostPort, join(path, 'hostPort'), issues);
  });
  findDuplicates(ports.map((p, i) => ({ key: str(rec(p)?.name), path: joinAll(ref.path, 'ports', i, 'name') })), 'port name', issues);
}

export function checkPortNumber(value: unknown, path: string, issues: Issue[]): void {
  const port = num(value);
  if (port !== undefined && (port < 1 || port > 65535)) issues.push({ path, message: `port ${port} is out of range 1-65535` });
}

function checkPodPorts(template: PodTemplate, issues: Issue[]): void {
  const entries = containersOf(template).flatMap((ref) => list(ref.container.ports).map((p, i) => ({
    key: num(rec(p)?.containerPort) === undefined ? undefined : `${num(rec(p)?.containerPort)}/${str(rec(p)?.protocol) ?? 'TCP'}`,
    path: joinAll(ref.path, 'ports', i, 'containerPort'),
  })));
  findDuplicates(entries, 'containerPort/protocol in the pod', issues);
}

function checkProbes(ref: ContainerRef, issues: Issue[]): void {
  const handlers: { handler: JsonObject; path: string }[] = [];
  for (const probe of PROBES) {
    const handler = rec(ref.container[probe]);
    if (handler !== undefined) handlers.push({ handler, path: join(ref.path, probe) });
  }
  for (const hook of ['postStart', 'preStop']) {
    const handler = rec(rec(ref.container.lifecycle)?.[hook]);
    if (handler !== undefined) handlers.push({ handler, path: joinAll(ref.path, 'lifecycle', hook) });
  }
  for (const { handler, path } of handlers) {
    for (const action of ['httpGet', 'tcpSocket', 'grpc']) {
      const port = rec(handler[action])?.port;
      if (port !== undefined) checkProbePort(ref, port, joinAll(path, action, 'port'), issues);
    }
  }
}

function checkProbePort(ref: ContainerRef, port: unknown, path: string, issues: Issue[]): void {
  if (typeof port !== 'string') return checkPortNumber(port, path, issues);
  const problem = ianaSvcName(port);
  if (problem !== undefined) {
    issues.push({ path, message: `invalid port name ${JSON.stringify(port)}: ${problem}` });
    return;
  }
  const names = list(ref.container.ports).map((p) => str(rec(p)?.name));
  if (!names.includes(port)) {
    issues.push({ path, message: `port "${port}" is not a named port of container "${str(ref.container.name) ?? '?'}"` });
  }
}

function checkRestartPolicy(template: PodTemplate, issues: Issue[]): void {
  const key = `${template.owner.group}/${template.owner.kind}`;
  const policy = template.spec.restartPolicy;
  const path = join(template.specPath, 'restartPolicy');
  if (ALWAYS_RESTART_KINDS.has(key) && policy !== undefined && policy !== 'Always') {
    issues.push({ path, message: `${template.owner.kind} pods must use restartPolicy Always, not ${JSON.stringify(policy)}` });
  }
  if (JOB_KINDS.has(key) && policy !== 'OnFailure' && policy !== 'Never') {
    issues.push({ path, message: `${template.owner.kind} pods need restartPolicy OnFailure or Never (got ${JSON.stringify(policy ?? 'Always (default)')})` });
  }
}

/** Resource names outside the kubernetes.io namespace are extended resources (e.g. nvidia.com/gpu). */
export function isExtendedResource(name: string): boolean {
  return name.includes('/') && !name.startsWith('kubernetes.io/') && !name.startsWith('requests.');
}

function checkResources(ref: ContainerRef, issues: Issue[]): void {
  const resources = rec(ref.container.resources);
  const requests = rec(resources?.requests) ?? {};
  const limits = rec(resources?.limits) ?? {};
  const base = join(ref.path, 'resources');
  for (const [side, values] of [['requests', requests], ['limits', limits]] as const) {
    for (const [name, raw] of Object.entries(values)) checkQuantityValue(name, raw, joinAll(base, side, name), issues);
  }
  for (const [name, raw] of Object.entries(requests)) checkRequestAgainstLimit(name, raw, limits[name], joinAll(base, 'requests', name), issues);
}

function checkQuantityValue(name: string, raw: unknown, path: string, issues: Issue[]): void {
  const value = tryParseQuantity(raw);
  if (value === undefined) return; // the schema walker reports unparsable quantities
  if (value < 0) issues.push({ path, message: `${name} must not be negative (${String(raw)})` });
  else if (isExtendedResource(name) && !Number.isInteger(value)) issues.push({ path, message: `extended resource ${name} must be a whole number (${String(raw)})` });
}

function checkRequestAgainstLimit(name: string, rawRequest: unknown, rawLimit: unknown, path: string, issues: Issue[]): void {
  const request = tryParseQuantity(rawRequest);
  const limit = tryParseQuantity(rawLimit);
  if (request === undefined) return;
  if (isExtendedResource(name) && rawLimit === undefined) {
    issues.push({ path, message: `extended resource ${name} is requested without a limit; the API server requires both, equal` });
  } else if (limit === undefined) {
    return;
  } else if (isExtendedResource(name) && request !== limit) {
    issues.push({ path, message: `extended resource ${name}: request ${String(rawRequest)} must equal limit ${String(rawLimit)}` });
  } else if (request > limit) {
    issues.push({ path, message: `${name} request ${String(rawRequest)} exceeds limit ${String(rawLimit)}` });
  }
}
