/**
 * Semantic rules on Services (rule 5) and Ingresses (rule 9).
 */
import { type Context } from './context';
import { containersOf, type PodTemplate, type Resource } from './model';
import { dns1123Label, ianaSvcName } from './names';
import { checkPortNumber } from './podspec';
import { mapSelectorMatches } from './selectors';
import { join, joinAll, list, num, rec, str, stringMap, type Issue, type JsonObject } from './util';
import { describeLabels } from './workloads';

export function checkServices(ctx: Context): void {
  for (const service of ctx.ofKind('', 'Service')) {
    const spec = rec(service.obj.spec) ?? {};
    const issues: Issue[] = [];
    checkServicePorts(list(spec.ports), issues);
    for (const issue of issues) ctx.report(service, issue.path, issue.message);
    checkServiceSelection(ctx, service, spec);
  }
}

function checkServicePorts(ports: readonly unknown[], issues: Issue[]): void {
  const names = new Set<string>();
  const numbers = new Set<string>();
  ports.forEach((raw, i) => {
    const port = rec(raw) ?? {};
    const path = joinAll('spec', 'ports', i);
    checkServicePortName(port, ports.length, path, names, issues);
    const key = `${String(port.port)}/${str(port.protocol) ?? 'TCP'}`;
    if (num(port.port) !== undefined && numbers.has(key)) issues.push({ path: join(path, 'port'), message: `duplicate Service port ${key}` });
    numbers.add(key);
    checkPortNumber(port.port, join(path, 'port'), issues);
    checkTargetPortSyntax(port.targetPort, join(path, 'targetPort'), issues);
  });
}

function checkServicePortName(port: JsonObject, count: number, path: string, names: Set<string>, issues: Issue[]): void {
  const name = str(port.name);
  if (name === undefined || name === '') {
    if (count > 1) issues.push({ path: join(path, 'name'), message: 'every port needs a name when a Service has more than one port' });
    return;
  }
  const problem = dns1123Label(name);
  if (problem !== undefined) issues.push({ path: join(path, 'name'), message: `invalid Service port name ${JSON.stringify(name)}: ${problem}` });
  if (names.has(name)) issues.push({ path: join(path, 'name'), message: `duplicate Service port name ${JSON.stringify(name)}` });
  names.add(name);
}

function checkTargetPortSyntax(targetPort: unknown, path: string, issues: Issue[]): void {
  if (typeof targetPort !== 'string') return checkPortNumber(targetPort, path, issues);
  const problem = ianaSvcName(targetPort);
  if (problem !== undefined) issues.push({ path, message: `invalid targetPort name ${JSON.stringify(targetPort)}: ${problem}` });
}

function checkServiceSelection(ctx: Context, service: Resource, spec: JsonObject): void {
  const selector = stringMap(spec.selector);
  if (spec.type === 'ExternalName' || Object.keys(selector).length === 0) return;
  const selected = ctx.templatesIn(service.namespace).filter((t) => mapSelectorMatches(selector, t.labels));
  if (selected.length === 0) {
    ctx.report(service, 'spec.selector', `selects no pod template in namespace ${service.namespace ?? '<none>'} (selector: ${describeLabels(selector)})`);
    return;
  }
  list(spec.ports).forEach((raw, i) => {
    const problem = targetPortProblem(rec(raw) ?? {}, selected);
    if (problem !== undefined) ctx.report(service, joinAll('spec', 'ports', i, problem.field), problem.message);
  });
}

function targetPortProblem(port: JsonObject, selected: readonly PodTemplate[]): { field: string; message: string } | undefined {
  const field = port.targetPort === undefined ? 'port' : 'targetPort';
  const target = port.targetPort ?? port.port;
  const protocol = str(port.protocol) ?? 'TCP';
  if (typeof target === 'string' ? ianaSvcName(target) !== undefined : !Number.isInteger(target)) return undefined; // reported elsewhere
  if (selected.some((t) => exposesPort(t, target, protocol))) return undefined;
  const owners = selected.map((t) => `${t.owner.kind} ${t.owner.name}`).join(', ');
  const what = typeof target === 'string' ? `named port "${target}"` : `containerPort ${String(target)}`;
  return { field, message: `${what}/${protocol} is not declared by any container of the selected pods (${owners})` };
}

/** Whether some container of the template declares the port (by number or by name). */
export function exposesPort(template: PodTemplate, target: unknown, protocol?: string): boolean {
  return containersOf(template).some(({ container }) => list(container.ports).some((raw) => {
    const port = rec(raw) ?? {};
    if (protocol !== undefined && (str(port.protocol) ?? 'TCP') !== protocol) return false;
    return typeof target === 'string' ? port.name === target : port.containerPort === target;
  }));
}

export function checkIngresses(ctx: Context): void {
  for (const ingress of ctx.ofKind('networking.k8s.io', 'Ingress')) {
    for (const { backend, path } of ingressBackends(ingress.obj)) checkBackend(ctx, ingress, backend, path);
  }
}

function ingressBackends(obj: JsonObject): { backend: JsonObject; path: string }[] {
  const spec = rec(obj.spec) ?? {};
  const out: { backend: JsonObject; path: string }[] = [];
  const fallback = rec(spec.defaultBackend);
  if (fallback !== undefined) out.push({ backend: fallback, path: 'spec.defaultBackend' });
  list(spec.rules).forEach((rule, i) => {
    list(rec(rec(rule)?.http)?.paths).forEach((p, j) => {
      const backend = rec(rec(p)?.backend);
      if (backend !== undefined) out.push({ backend, path: joinAll('spec', 'rules', i, 'http', 'paths', j, 'backend') });
    });
  });
  return out;
}

function checkBackend(ctx: Context, ingress: Resource, backend: JsonObject, path: string): void {
  const service = rec(backend.service);
  const name = str(service?.name);
  if (service === undefined || name === undefined) return;
  const target = ctx.find({ namespace: ingress.namespace, group: '', kind: 'Service', name });
  if (target === undefined) {
    ctx.report(ingress, joinAll(path, 'service', 'name'), `Service "${name}" is not in the set (namespace ${ingress.namespace ?? '<none>'})`);
    return;
  }
  const port = rec(service.port) ?? {};
  const ports = list(rec(target.obj.spec)?.ports).map((p) => rec(p) ?? {});
  if (port.number !== undefined && !ports.some((p) => p.port === port.number)) {
    ctx.report(ingress, joinAll(path, 'service', 'port', 'number'), `Service "${name}" has no port ${String(port.number)}`);
  }
  if (port.name !== undefined && !ports.some((p) => p.name === port.name)) {
    ctx.report(ingress, joinAll(path, 'service', 'port', 'name'), `Service "${name}" has no port named ${JSON.stringify(port.name)}`);
  }
}
