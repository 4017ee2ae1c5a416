/**
 * Semantic rules on inference routing and RBAC: what the InferencePool controller, the gateway
 * and the API server would reject or silently break.
 * - InferencePool: its selector selects pod templates of the namespace that declare every
 *   target port; `endpointPickerRef` of kind Service names a port (the CRD's CEL rule, which the
 *   structural walker skips) that the Service in the set has.
 * - HTTPRoute: every backendRef resolves to an object of the set (an InferencePool, or a Service
 *   with that port).
 * - RoleBinding: its Role and its ServiceAccount subjects of the same namespace exist.
 */
import { type Context } from './context';
import { type Resource } from './model';
import { mapSelectorMatches } from './selectors';
import { exposesPort } from './services';
import { join, joinAll, list, num, rec, str, stringMap } from './util';
import { describeLabels } from './workloads';

const INFERENCE_GROUP = 'inference.networking.k8s.io';

export function checkInferencePools(ctx: Context): void {
  for (const pool of ctx.ofKind(INFERENCE_GROUP, 'InferencePool')) {
    const spec = rec(pool.obj.spec) ?? {};
    const selector = stringMap(rec(spec.selector)?.matchLabels);
    const selected = ctx.templatesIn(pool.namespace).filter((t) => Object.keys(selector).length > 0 && mapSelectorMatches(selector, t.labels));
    if (selected.length === 0) {
      ctx.report(pool, 'spec.selector.matchLabels', `selects no pod template in namespace ${pool.namespace ?? '<none>'} (selector: ${describeLabels(selector)})`);
    } else {
      list(spec.targetPorts).forEach((raw, i) => {
        const port = num(rec(raw)?.number);
        if (port !== undefined && !selected.some((t) => exposesPort(t, port, 'TCP'))) {
          const owners = selected.map((t) => `${t.owner.kind} ${t.owner.name}`).join(', ');
          ctx.report(pool, joinAll('spec', 'targetPorts', i, 'number'), `containerPort ${port}/TCP is not declared by any container of the selected pods (${owners})`);
        }
      });
    }
    checkPickerRef(ctx, pool, rec(spec.endpointPickerRef));
  }
}

function checkPickerRef(ctx: Context, pool: Resource, ref: Record<string, unknown> | undefined): void {
  if (ref === undefined) return;
  const kind = str(ref.kind) ?? 'Service';
  const group = str(ref.group) ?? '';
  if (kind !== 'Service' || group !== '') return;
  const port = num(rec(ref.port)?.number);
  if (port === undefined) {
    ctx.report(pool, 'spec.endpointPickerRef.port', 'is required when the endpoint picker is a Service (the CRD\'s validation rule)');
  }
  const name = str(ref.name) ?? '';
  const service = ctx.find({ namespace: pool.namespace, group: '', kind: 'Service', name });
  if (service === undefined) {
    ctx.report(pool, 'spec.endpointPickerRef.name', `Service "${name}" is not in the set (namespace ${pool.namespace ?? '<none>'})`);
  } else if (port !== undefined && !list(rec(service.obj.spec)?.ports).some((p) => rec(p)?.port === port)) {
    ctx.report(pool, 'spec.endpointPickerRef.port.number', `Service "${name}" has no port ${port}`);
  }
}

export function checkHttpRoutes(ctx: Context): void {
  for (const route of ctx.ofKind('gateway.networking.k8s.io', 'HTTPRoute')) {
    list(rec(route.obj.spec)?.rules).forEach((rule, i) => {
      list(rec(rule)?.backendRefs).forEach((raw, j) => {
        const ref = rec(raw) ?? {};
        const path = joinAll('spec', 'rules', i, 'backendRefs', j);
        const kind = str(ref.kind) ?? 'Service';
        const group = str(ref.group) ?? '';
        const name = str(ref.name) ?? '';
        const namespace = str(ref.namespace) ?? route.namespace;
        const target = ctx.find({ namespace, group, kind, name });
        if (target === undefined) {
          ctx.report(route, join(path, 'name'), `${kind} "${name}" (group "${group}") is not in the set (namespace ${namespace ?? '<none>'})`);
          return;
        }
        if (kind === 'Service' && group === '') {
          const port = num(ref.port);
          if (port === undefined) {
            ctx.report(route, join(path, 'port'), 'is required for a Service backend');
          } else if (!list(rec(target.obj.spec)?.ports).some((p) => rec(p)?.port === port)) {
            ctx.report(route, join(path, 'port'), `Service "${name}" has no port ${port}`);
          }
        }
      });
    });
  }
}

export function checkRoleBindings(ctx: Context): void {
  for (const binding of ctx.ofKind('rbac.authorization.k8s.io', 'RoleBinding')) {
    const roleRef = rec(binding.obj.roleRef) ?? {};
    const roleName = str(roleRef.name) ?? '';
    if (str(roleRef.kind) === 'Role' && ctx.find({ namespace: binding.namespace, group: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName }) === undefined) {
      ctx.report(binding, 'roleRef.name', `Role "${roleName}" is not in the set (namespace ${binding.namespace ?? '<none>'})`);
    }
    list(binding.obj.subjects).forEach((raw, i) => {
      const subject = rec(raw) ?? {};
      const namespace = str(subject.namespace) ?? binding.namespace;
      const name = str(subject.name) ?? '';
      if (str(subject.kind) !== 'ServiceAccount' || namespace !== binding.namespace) return;
      if (ctx.find({ namespace, group: '', kind: 'ServiceAccount', name }) === undefined) {
        ctx.report(binding, joinAll('subjects', i, 'name'), `ServiceAccount "${name}" is not in the set (namespace ${namespace ?? '<none>'})`);
      }
    });
  }
}
