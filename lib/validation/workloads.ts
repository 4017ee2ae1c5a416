/**
 * Semantic rules on workloads (rule 4, controller part): the selector must select the pod
 * template, and a StatefulSet's governing Service must be in the set.
 */
import { type Context } from './context';
import { type PodTemplate } from './model';
import { isEmptySelector, mapSelectorMatches, selectorMatches } from './selectors';
import { join, rec, str, stringMap } from './util';

/** Kinds whose selector may be omitted (the controller generates one). */
const OPTIONAL_SELECTOR = new Set(['batch/Job', 'batch/CronJob', '/ReplicationController']);

export function checkWorkloadSelectors(ctx: Context): void {
  for (const template of ctx.templates) {
    const problem = selectorProblem(template);
    if (problem !== undefined && template.selectorPath !== undefined) ctx.report(template.owner, template.selectorPath, problem);
  }
}

function selectorProblem(template: PodTemplate): string | undefined {
  const { owner, selector } = template;
  if (selector === undefined || selector === null) return undefined; // required ones are reported by the schema
  const labels = describeLabels(template.labels);
  if (owner.group === '' && owner.kind === 'ReplicationController') {
    const map = stringMap(selector);
    return mapSelectorMatches(map, template.labels) ? undefined : `selector does not match the pod template labels (${labels})`;
  }
  if (isEmptySelector(selector) && !OPTIONAL_SELECTOR.has(`${owner.group}/${owner.kind}`)) {
    return `empty selector is invalid for a ${owner.kind}`;
  }
  return selectorMatches(selector, template.labels) ? undefined : `selector does not match the pod template labels (${labels})`;
}

export function describeLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return entries.length === 0 ? 'no labels' : entries.join(', ');
}

export function checkStatefulSetServices(ctx: Context): void {
  for (const set of ctx.ofKind('apps', 'StatefulSet')) {
    const serviceName = str(rec(set.obj.spec)?.serviceName);
    if (serviceName === undefined || serviceName === '') continue;
    if (ctx.find({ namespace: set.namespace, group: '', kind: 'Service', name: serviceName }) === undefined) {
      ctx.report(set, join('spec', 'serviceName'), `governing Service "${serviceName}" is not in the set (namespace ${set.namespace ?? '<none>'})`);
    }
  }
}
