/**
 * Semantic rules on Argo Rollouts (what the controller would refuse or get wrong, and no schema
 * says): a Rollout's pods come from its template or from the Deployment its `workloadRef`
 * names, which must be in the set; its selector must select those pods; the Deployment must
 * not keep pods of its own or be scaled by an autoscaler; every AnalysisTemplate a step names
 * must be in the set and get every argument it needs; a canary must be able to start a pod.
 */
import { type Context } from './context';
import { podTemplateOf, type Resource } from './model';
import { selectorMatches } from './selectors';
import { describeLabels } from './workloads';
import { dig, isRecord, joinAll, list, num, rec, str, stringMap } from './util';

const ROLLOUTS = 'argoproj.io';

export function checkRollouts(ctx: Context): void {
  for (const rollout of ctx.ofKind(ROLLOUTS, 'Rollout')) {
    const spec = rec(rollout.obj.spec) ?? {};
    const template = rec(spec.template);
    const ref = rec(spec.workloadRef);
    if ((template === undefined) === (ref === undefined)) {
      ctx.report(rollout, 'spec', template ? 'sets both template and workloadRef; the controller uses one source of pods' : 'has neither template nor workloadRef: it has no pods to run');
      continue;
    }
    const labels = template ? stringMap(dig(template, 'metadata', 'labels')) : referencedTemplateLabels(ctx, rollout, ref ?? {});
    if (labels !== undefined && spec.selector !== undefined && !selectorMatches(spec.selector, labels)) {
      ctx.report(rollout, 'spec.selector', `selector does not match the labels of its pods (${describeLabels(labels)})`);
    }
    checkCanary(ctx, rollout, spec);
  }
}

/** The pod labels of the Deployment a Rollout references, after checking that Deployment's part. */
function referencedTemplateLabels(ctx: Context, rollout: Resource, ref: Record<string, unknown>): Record<string, string> | undefined {
  const name = str(ref.name);
  if (str(ref.kind) !== 'Deployment' || name === undefined) {
    ctx.report(rollout, 'spec.workloadRef', 'must name a Deployment (kind Deployment, apiVersion apps/v1)');
    return undefined;
  }
  const deployment = ctx.find({ namespace: rollout.namespace, group: 'apps', kind: 'Deployment', name });
  if (deployment === undefined) {
    ctx.report(rollout, 'spec.workloadRef.name', `Deployment "${name}" is not in the set (namespace ${rollout.namespace ?? '<none>'})`);
    return undefined;
  }
  const replicas = num(dig(deployment.obj, 'spec', 'replicas'));
  const scaleDown = str(ref.scaleDown) ?? 'never';
  if (scaleDown === 'never' && replicas !== 0) {
    ctx.report(rollout, 'spec.workloadRef.scaleDown', `is "never" but Deployment "${name}" ${replicas === undefined ? 'runs its default replica' : `runs ${replicas} replicas`}: its pods would serve beside the Rollout's`);
  } else if (scaleDown !== 'never' && replicas !== undefined && replicas > 0) {
    ctx.report(deployment, 'spec.replicas', `Rollout "${rollout.name}" scales this Deployment down ("${scaleDown}"); a replica count here is set back on every sync`);
  }
  for (const kind of [['autoscaling', 'HorizontalPodAutoscaler'], ['keda.sh', 'ScaledObject']] as const) {
    for (const scaler of ctx.ofKind(kind[0], kind[1]).filter((s) => s.namespace === rollout.namespace && str(dig(s.obj, 'spec', 'scaleTargetRef', 'name')) === name && (str(dig(s.obj, 'spec', 'scaleTargetRef', 'kind')) ?? 'Deployment') === 'Deployment')) {
      ctx.report(scaler, 'spec.scaleTargetRef', `scales Deployment "${name}", whose pods Rollout "${rollout.name}" runs: scale the Rollout (kind Rollout, apiVersion argoproj.io/v1alpha1)`);
    }
  }
  return podTemplateOf(deployment)?.labels;
}

function checkCanary(ctx: Context, rollout: Resource, spec: Record<string, unknown>): void {
  const canary = rec(dig(spec, 'strategy', 'canary'));
  if (canary === undefined) return;
  if (num(canary.maxSurge) === 0 && num(canary.maxUnavailable) === 0) {
    ctx.report(rollout, 'spec.strategy.canary', 'maxSurge and maxUnavailable are both 0: no canary pod can start');
  }
  list(canary.steps).forEach((step, i) => {
    const analysis = rec(rec(step)?.analysis);
    if (analysis !== undefined) checkAnalysisStep(ctx, rollout, analysis, joinAll('spec.strategy.canary.steps', i, 'analysis'));
  });
}

function checkAnalysisStep(ctx: Context, rollout: Resource, analysis: Record<string, unknown>, path: string): void {
  const given = new Set(list(analysis.args).map((a) => str(rec(a)?.name)).filter((n): n is string => n !== undefined));
  list(analysis.templates).forEach((raw, i) => {
    const ref = rec(raw) ?? {};
    const name = str(ref.templateName);
    if (name === undefined) return;
    const cluster = ref.clusterScope === true;
    const template = ctx.find({ namespace: cluster ? undefined : rollout.namespace, group: ROLLOUTS, kind: cluster ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate', name });
    if (template === undefined) {
      ctx.report(rollout, joinAll(path, 'templates', i, 'templateName'), `${cluster ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate'} "${name}" is not in the set`);
      return;
    }
    for (const arg of list(dig(template.obj, 'spec', 'args')).filter(isRecord)) {
      const argName = str(arg.name);
      if (argName !== undefined && arg.value === undefined && arg.valueFrom === undefined && !given.has(argName)) {
        ctx.report(rollout, joinAll(path, 'args'), `AnalysisTemplate "${name}" needs argument "${argName}", which the step does not give`);
      }
    }
  });
}
