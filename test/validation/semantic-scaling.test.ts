import { hpa, kedaSet, NS, validSet } from './fixtures';
import { validateManifests } from '../validation';
import { byKind, mutated, deletePath, expectOnlyProblem, setPath } from './test-helpers';
import { type JsonObject } from '../../lib/validation/util';

const HPA = `autoscaling/v2 HorizontalPodAutoscaler ${NS}/jd-classifier`;
const SCALED_OBJECT = `keda.sh/v1alpha1 ScaledObject ${NS}/queue-worker`;
const C0 = 'spec.template.spec.containers[0]';


function workerHpa(): JsonObject {
  const extra = hpa();
  setPath(extra, 'metadata.name', 'queue-worker');
  setPath(extra, 'spec.scaleTargetRef.name', 'queue-worker');
  return extra;
}

describe('rule 6: HorizontalPodAutoscaler', () => {
  it('GIVEN an HPA pointing to a missing Deployment WHEN validated THEN the target is reported', () => {
    const set = mutated('HorizontalPodAutoscaler', (h) => setPath(h, 'spec.scaleTargetRef.name', 'ghost'));
    expectOnlyProblem(set, { object: HPA, path: 'spec.scaleTargetRef', message: 'scale target Deployment "ghost" is not in the set', rule: 'semantic' });
  });

  it('GIVEN an HPA pointing to the right name but the wrong kind WHEN validated THEN the target is missing', () => {
    const set = mutated('HorizontalPodAutoscaler', (h) => setPath(h, 'spec.scaleTargetRef.kind', 'StatefulSet'));
    expectOnlyProblem(set, { path: 'spec.scaleTargetRef', message: 'StatefulSet "jd-classifier" is not in the set', rule: 'semantic' });
  });

  it('GIVEN minReplicas above maxReplicas WHEN validated THEN it is reported', () => {
    const set = mutated('HorizontalPodAutoscaler', (h) => setPath(h, 'spec.minReplicas', 12));
    expectOnlyProblem(set, { path: 'spec.minReplicas', message: 'minReplicas 12 is greater than maxReplicas 10', rule: 'semantic' });
  });

  it('GIVEN minReplicas 0 WHEN validated THEN it is below 1', () => {
    const set = mutated('HorizontalPodAutoscaler', (h) => setPath(h, 'spec.minReplicas', 0));
    expectOnlyProblem(set, { path: 'spec.minReplicas', message: 'must be at least 1', rule: 'semantic' });
  });

  it('GIVEN cpu Utilization WHEN a target container has no cpu request nor limit THEN utilization cannot be computed', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.resources`, { requests: { memory: '256Mi' }, limits: { memory: '512Mi' } }));
    expectOnlyProblem(set, { object: HPA, path: 'spec.metrics[0].resource.name', message: 'container "classifier" of Deployment "jd-classifier" has no cpu request', rule: 'semantic' });
  });

  it('GIVEN cpu Utilization WHEN the container only sets a cpu limit THEN the request defaults to it (fine)', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.resources`, { limits: { cpu: '1', memory: '512Mi' } }));
    expect(validateManifests(set)).toEqual([]);
  });

  it('GIVEN a memory AverageValue metric WHEN there is no memory request THEN it is fine', () => {
    const set = mutated('HorizontalPodAutoscaler', (h) => setPath(h, 'spec.metrics', [{ type: 'Resource', resource: { name: 'ephemeral-storage', target: { type: 'AverageValue', averageValue: '1Gi' } } }]));
    expect(validateManifests(set)).toEqual([]);
  });

  it('GIVEN an autoscaling/v1 HPA on cpu WHEN the container has no cpu request THEN it is reported', () => {
    const set = validSet().filter((o) => o.kind !== 'HorizontalPodAutoscaler');
    setPath(byKind(set, 'Deployment'), `${C0}.resources`, {});
    const v1 = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'v1', namespace: NS }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'jd-classifier' }, maxReplicas: 3, targetCPUUtilizationPercentage: 80 } };
    expectOnlyProblem([...set, v1], { path: 'spec.targetCPUUtilizationPercentage', message: 'has no cpu request', rule: 'semantic' });
  });

  it('GIVEN two HPAs on the same Deployment WHEN validated THEN the second is reported', () => {
    const second = hpa();
    setPath(second, 'metadata.name', 'second');
    expectOnlyProblem([...validSet(), second], { path: 'spec.scaleTargetRef', message: 'HorizontalPodAutoscaler "jd-classifier" already targets Deployment "jd-classifier"', rule: 'semantic' });
  });
});

describe('rule 7: PodDisruptionBudget', () => {
  it('GIVEN both minAvailable and maxUnavailable WHEN validated THEN they are mutually exclusive', () => {
    const set = mutated('PodDisruptionBudget', (p) => setPath(p, 'spec.maxUnavailable', 1));
    expectOnlyProblem(set, { path: 'spec.maxUnavailable', message: 'mutually exclusive', rule: 'semantic' });
  });

  it('GIVEN a selector that matches no pod template WHEN validated THEN it is reported', () => {
    const set = mutated('PodDisruptionBudget', (p) => setPath(p, 'spec.selector', { matchLabels: { app: 'other' } }));
    expectOnlyProblem(set, { path: 'spec.selector', message: 'selects no pod template', rule: 'semantic' });
  });

  it('GIVEN no selector WHEN validated THEN the budget protects nothing', () => {
    const set = mutated('PodDisruptionBudget', (p) => deletePath(p, 'spec.selector'));
    expectOnlyProblem(set, { path: 'spec.selector', message: 'protects no pod', rule: 'semantic' });
  });

  it('GIVEN a percentage above 100% WHEN validated THEN it is reported', () => {
    const set = mutated('PodDisruptionBudget', (p) => setPath(p, 'spec.minAvailable', '150%'));
    expectOnlyProblem(set, { path: 'spec.minAvailable', message: 'must not exceed 100%', rule: 'semantic' });
  });

  it('GIVEN a string that is not a percentage WHEN validated THEN it is reported', () => {
    const set = mutated('PodDisruptionBudget', (p) => setPath(p, 'spec.minAvailable', 'half'));
    expectOnlyProblem(set, { path: 'spec.minAvailable', message: 'must be an integer or a percentage', rule: 'semantic' });
  });
});

describe('rule 8: KEDA ScaledObject', () => {
  it('GIVEN a ScaledObject on a missing Deployment WHEN validated THEN the target is reported', () => {
    const set = mutated('ScaledObject', (so) => setPath(so, 'spec.scaleTargetRef.name', 'ghost'), kedaSet);
    expectOnlyProblem(set, { object: SCALED_OBJECT, path: 'spec.scaleTargetRef', message: 'scale target Deployment "ghost" is not in the set', rule: 'semantic' });
  });

  it('GIVEN a ScaledObject plus an HPA on the same Deployment WHEN validated THEN the conflict is reported once', () => {
    expectOnlyProblem([...kedaSet(), workerHpa()], {
      object: SCALED_OBJECT,
      path: 'spec.scaleTargetRef',
      message: 'HorizontalPodAutoscaler "queue-worker" also targets Deployment "queue-worker"',
      rule: 'semantic',
    });
  });

  it('GIVEN two ScaledObjects on the same Deployment WHEN validated THEN the second is reported', () => {
    const second = { ...byKind(kedaSet(), 'ScaledObject'), metadata: { name: 'second', namespace: NS } };
    expectOnlyProblem([...kedaSet(), second], { path: 'spec.scaleTargetRef', message: 'ScaledObject "queue-worker" already targets', rule: 'semantic' });
  });

  it('GIVEN a trigger authenticationRef without its TriggerAuthentication WHEN validated THEN it is reported', () => {
    const set = kedaSet().filter((o) => o.kind !== 'TriggerAuthentication');
    expectOnlyProblem(set, { path: 'spec.triggers[0].authenticationRef.name', message: 'TriggerAuthentication "redis-auth" is not in the set', rule: 'semantic' });
  });

  it('GIVEN a ClusterTriggerAuthentication reference WHEN validated THEN it is not checked (cluster-wide, installed out of band)', () => {
    const set = mutated('ScaledObject', (so) => setPath(so, 'spec.triggers[0].authenticationRef', { name: 'shared', kind: 'ClusterTriggerAuthentication' }), kedaSet);
    expect(validateManifests(set)).toEqual([]);
  });

  it('GIVEN minReplicaCount above maxReplicaCount WHEN validated THEN the CRD CEL rule is enforced by hand', () => {
    const set = mutated('ScaledObject', (so) => setPath(so, 'spec.minReplicaCount', 30), kedaSet);
    expectOnlyProblem(set, { path: 'spec.minReplicaCount', message: 'minReplicaCount 30 is greater than maxReplicaCount 20', rule: 'semantic' });
  });

  it('GIVEN a cpu Utilization trigger WHEN the worker has no cpu request THEN it is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.resources`, { requests: { memory: '1Gi' } }), kedaSet);
    expectOnlyProblem(set, { object: SCALED_OBJECT, path: 'spec.triggers[1].type', message: 'cpu utilization cannot be computed', rule: 'semantic' });
  });
});
