/**
 * The validation harness's Rollout rules (test/validation/rollouts.ts): each mistake a hand-edited
 * or generated Rollout can make is reported once, with its object and path.
 */
import { validateManifests } from '../validation';
import { type JsonObject } from '../../lib/validation/util';
import { NAME, NS, synthCanary } from './helpers';

const ROLLOUT = `argoproj.io/v1alpha1 Rollout ${NS}/${NAME}`;

/** The objects of an agent with a canary (valid), as plain JSON to edit. */
function canarySet(): JsonObject[] {
  return JSON.parse(JSON.stringify(synthCanary({}, {}, undefined).objects)) as JsonObject[];
}

function find(set: JsonObject[], kind: string, name = NAME): JsonObject {
  const found = set.find((o) => o.kind === kind && (o.metadata as { name: string }).name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

function spec(object: JsonObject): JsonObject {
  return object.spec as JsonObject;
}

function problems(set: JsonObject[]): string[] {
  return validateManifests(set).map((p) => `${p.object}: ${p.path}: ${p.message}`);
}

test('the canary as rendered has no problem', () => {
  expect(problems(canarySet())).toEqual([]);
});

test('a workloadRef to a Deployment that is not in the set', () => {
  const set = canarySet();
  (spec(find(set, 'Rollout')).workloadRef as JsonObject).name = 'ghost';
  expect(problems(set)).toEqual([`${ROLLOUT}: spec.workloadRef.name: Deployment "ghost" is not in the set (namespace ${NS})`]);
});

test('a selector that does not select the Deployment\'s pods', () => {
  const set = canarySet();
  spec(find(set, 'Rollout')).selector = { matchLabels: { 'app.kubernetes.io/name': 'other' } };
  expect(problems(set)).toEqual([
    `${ROLLOUT}: spec.selector: selector does not match the labels of its pods (agents.cdk8s.io/environment=prod, app.kubernetes.io/component=agent, app.kubernetes.io/managed-by=cdk8s-agents, app.kubernetes.io/name=${NAME}, app.kubernetes.io/part-of=test)`,
  ]);
});

test('neither template nor workloadRef', () => {
  const set = canarySet();
  delete spec(find(set, 'Rollout')).workloadRef;
  expect(problems(set)).toEqual([`${ROLLOUT}: spec: has neither template nor workloadRef: it has no pods to run`]);
});

test('the referenced Deployment keeps a replica count the Rollout scales away', () => {
  const set = canarySet();
  spec(find(set, 'Deployment')).replicas = 3;
  expect(problems(set)).toEqual([`apps/v1 Deployment ${NS}/${NAME}: spec.replicas: Rollout "${NAME}" scales this Deployment down ("progressively"); a replica count here is set back on every sync`]);
});

test('scaleDown never while the Deployment still runs pods', () => {
  const set = canarySet();
  (spec(find(set, 'Rollout')).workloadRef as JsonObject).scaleDown = 'never';
  expect(problems(set)).toEqual([`${ROLLOUT}: spec.workloadRef.scaleDown: is "never" but Deployment "${NAME}" runs its default replica: its pods would serve beside the Rollout's`]);
});

test('an HPA that still scales the Deployment a Rollout runs', () => {
  const set = canarySet();
  spec(find(set, 'HorizontalPodAutoscaler')).scaleTargetRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: NAME };
  expect(problems(set)).toEqual([`autoscaling/v2 HorizontalPodAutoscaler ${NS}/${NAME}: spec.scaleTargetRef: scales Deployment "${NAME}", whose pods Rollout "${NAME}" runs: scale the Rollout (kind Rollout, apiVersion argoproj.io/v1alpha1)`]);
});

test('an analysis step naming a missing template, or not giving its argument', () => {
  const set = canarySet();
  const steps = (spec(find(set, 'Rollout')).strategy as { canary: { steps: JsonObject[] } }).canary.steps;
  (steps[1].analysis as { templates: JsonObject[] }).templates[0].templateName = 'ghost';
  delete (steps[3].analysis as JsonObject).args;
  expect(problems(set)).toEqual([
    `${ROLLOUT}: spec.strategy.canary.steps[1].analysis.templates[0].templateName: AnalysisTemplate "ghost" is not in the set`,
    `${ROLLOUT}: spec.strategy.canary.steps[3].analysis.args: AnalysisTemplate "${NAME}-canary" needs argument "canary-hash", which the step does not give`,
  ]);
});

test('a canary that can never start a pod', () => {
  const set = canarySet();
  (spec(find(set, 'Rollout')).strategy as { canary: JsonObject }).canary.maxSurge = 0;
  expect(problems(set)).toEqual([`${ROLLOUT}: spec.strategy.canary: maxSurge and maxUnavailable are both 0: no canary pod can start`]);
});

test('a field the Rollout CRD does not know is a schema error', () => {
  const set = canarySet();
  spec(find(set, 'Rollout')).canary = {};
  expect(problems(set)).toEqual([`${ROLLOUT}: spec.canary: unknown field "canary"`]);
});
