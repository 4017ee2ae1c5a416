/**
 * Semantic rules on PodDisruptionBudgets (rule 7) and NetworkPolicies (rule 10).
 */
import { type Context } from './context';
import { type Resource } from './model';
import { ianaSvcName } from './names';
import { checkPortNumber } from './podspec';
import { selectorMatches } from './selectors';
import { exposesPort } from './services';
import { join, joinAll, list, num, rec, str, type Issue, type JsonObject } from './util';

const PERCENT = /^(\d+)%$/;

export function checkPodDisruptionBudgets(ctx: Context): void {
  for (const pdb of ctx.ofKind('policy', 'PodDisruptionBudget')) {
    const spec = rec(pdb.obj.spec) ?? {};
    if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
      ctx.report(pdb, 'spec.maxUnavailable', 'minAvailable and maxUnavailable are mutually exclusive');
    }
    for (const field of ['minAvailable', 'maxUnavailable']) checkIntOrPercent(ctx, pdb, spec[field], join('spec', field));
    checkBudgetSelector(ctx, pdb, spec.selector);
  }
}

function checkIntOrPercent(ctx: Context, owner: Resource, value: unknown, path: string): void {
  if (typeof value === 'number' && value < 0) ctx.report(owner, path, `must not be negative (got ${value})`);
  if (typeof value !== 'string') return;
  const match = PERCENT.exec(value);
  if (match === null) ctx.report(owner, path, `${JSON.stringify(value)} must be an integer or a percentage such as "50%"`);
  else if (Number(match[1]) > 100) ctx.report(owner, path, `${JSON.stringify(value)} must not exceed 100%`);
}

function checkBudgetSelector(ctx: Context, pdb: Resource, selector: unknown): void {
  if (selector === undefined || selector === null) {
    ctx.report(pdb, 'spec.selector', 'no selector: a PodDisruptionBudget without selector protects no pod');
    return;
  }
  if (!ctx.templatesIn(pdb.namespace).some((t) => selectorMatches(selector, t.labels))) {
    ctx.report(pdb, 'spec.selector', `selects no pod template in namespace ${pdb.namespace ?? '<none>'}`);
  }
}

export function checkNetworkPolicies(ctx: Context): void {
  for (const policy of ctx.ofKind('networking.k8s.io', 'NetworkPolicy')) {
    const spec = rec(policy.obj.spec) ?? {};
    const issues: Issue[] = [];
    for (const direction of ['ingress', 'egress']) {
      list(spec[direction]).forEach((rule, i) => {
        list(rec(rule)?.ports).forEach((port, j) => checkPolicyPort(rec(port) ?? {}, joinAll('spec', direction, i, 'ports', j), issues));
      });
    }
    checkIngressPortNames(ctx, policy, spec, issues);
    for (const issue of issues) ctx.report(policy, issue.path, issue.message);
  }
}

function checkPolicyPort(port: JsonObject, path: string, issues: Issue[]): void {
  const endPort = num(port.endPort);
  if (typeof port.port === 'string') {
    const problem = ianaSvcName(port.port);
    if (problem !== undefined) issues.push({ path: join(path, 'port'), message: `invalid port name ${JSON.stringify(port.port)}: ${problem}` });
    if (endPort !== undefined) issues.push({ path: join(path, 'endPort'), message: 'endPort requires a numeric port' });
    return;
  }
  checkPortNumber(port.port, join(path, 'port'), issues);
  if (endPort === undefined) return;
  checkPortNumber(endPort, join(path, 'endPort'), issues);
  const start = num(port.port);
  if (start === undefined) issues.push({ path: join(path, 'endPort'), message: 'endPort requires a numeric port' });
  else if (endPort < start) issues.push({ path: join(path, 'endPort'), message: `endPort ${endPort} is lower than port ${start}` });
}

/** Named ingress ports must be declared by the pods the policy applies to (when they are in the set). */
function checkIngressPortNames(ctx: Context, policy: Resource, spec: JsonObject, issues: Issue[]): void {
  if (spec.podSelector === undefined) return;
  const selected = ctx.templatesIn(policy.namespace).filter((t) => selectorMatches(spec.podSelector, t.labels));
  if (selected.length === 0) return;
  list(spec.ingress).forEach((rule, i) => {
    list(rec(rule)?.ports).forEach((raw, j) => {
      const port = rec(raw) ?? {};
      const name = str(port.port);
      if (name === undefined || ianaSvcName(name) !== undefined) return;
      if (!selected.some((t) => exposesPort(t, name, str(port.protocol) ?? 'TCP'))) {
        issues.push({ path: joinAll('spec', 'ingress', i, 'ports', j, 'port'), message: `named port "${name}" is not declared by any pod the policy selects` });
      }
    });
  });
}
