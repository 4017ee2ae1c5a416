import { Chart, Cron, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { NS, validSet } from './fixtures';
import { expectValidManifests, formatProblems, validateManifests, type ManifestProblem } from '../validation';
import { byKind, setPath } from './test-helpers';
import { isRecord, type JsonObject } from '../../lib/validation/util';

/** `copies` independent copies of the valid set, each in its own namespace. */
function manyValidSets(copies: number): JsonObject[] {
  const out: JsonObject[] = [];
  for (let i = 0; i < copies; i++) {
    for (const object of validSet()) {
      if (object.kind === 'Namespace') setPath(object, 'metadata.name', `team-${i}`);
      else setPath(object, 'metadata.namespace', `team-${i}`);
      out.push(object);
    }
  }
  return out;
}

describe('public API', () => {
  it('GIVEN a valid set WHEN expectValidManifests THEN it does not throw', () => {
    expect(() => expectValidManifests(validSet())).not.toThrow();
  });

  it('GIVEN problems in two objects WHEN expectValidManifests THEN one Error lists every problem on its own line', () => {
    const set = validSet();
    setPath(byKind(set, 'Deployment'), 'spec.replicas', '3');
    setPath(byKind(set, 'HorizontalPodAutoscaler'), 'spec.scaleTargetRef.name', 'ghost');
    let message = '';
    try {
      expectValidManifests(set, { domainRules: false });
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    const lines = message.split('\n');
    expect(lines[0]).toBe('2 manifest problem(s):');
    expect(lines[1]).toBe(`apps/v1 Deployment ${NS}/jd-classifier: spec.replicas: expected integer, got string "3" [schema]`);
    expect(lines[2]).toContain(`autoscaling/v2 HorizontalPodAutoscaler ${NS}/jd-classifier: spec.scaleTargetRef: scale target Deployment "ghost"`);
    expect(lines[2]).toMatch(/\[semantic\]$/);
  });

  it('GIVEN problems WHEN formatted THEN the root path shows as (root) and an empty list gives an empty string', () => {
    const problems: ManifestProblem[] = [
      { object: 'v1 ConfigMap a/b', path: '', message: 'm1', rule: 'schema', index: 0 },
      { object: 'v1 ConfigMap a/c', path: 'data.x', message: 'm2', rule: 'semantic', index: 1 },
    ];
    expect(formatProblems(problems)).toBe('v1 ConfigMap a/b: (root): m1 [schema]\nv1 ConfigMap a/c: data.x: m2 [semantic]');
    expect(formatProblems([])).toBe('');
  });

  it('GIVEN schema and semantic problems on several objects WHEN validated THEN they come in input order, schema first per object', () => {
    const set = validSet();
    const deployment = byKind(set, 'Deployment');
    setPath(deployment, 'spec.replicas', 'x');
    setPath(deployment, ['spec', 'selector', 'matchLabels', 'app.kubernetes.io/name'], 'other');
    setPath(byKind(set, 'ConfigMap'), 'metadata.labels', { bad: 'a b' });
    const problems = validateManifests(set);
    expect(problems.map((p) => `${p.object.split(' ')[1]} ${p.rule} ${p.path}`)).toEqual([
      'ConfigMap semantic metadata.labels.bad',
      'Deployment schema spec.replicas',
      'Deployment semantic spec.selector',
    ]);
  });

  it('GIVEN the input array WHEN validated THEN it is not modified', () => {
    const set = validSet();
    const before = JSON.stringify(set);
    validateManifests(set);
    expect(JSON.stringify(set)).toBe(before);
  });

  it('GIVEN an empty set WHEN validated THEN there is no problem', () => {
    expect(validateManifests([])).toEqual([]);
  });

  it('GIVEN about 500 objects WHEN validated THEN it takes well under a second and finds nothing', () => {
    validateManifests(validSet()); // schemas are loaded once, lazily
    const objects = manyValidSets(56);
    expect(objects.length).toBeGreaterThanOrEqual(500);
    const start = performance.now();
    const problems = validateManifests(objects);
    const elapsed = performance.now() - start;
    expect(problems).toEqual([]);
    expect(elapsed).toBeLessThan(1000);
  });

  it('GIVEN a chart synthesized by cdk8s-plus-28 WHEN validated THEN there is no false positive', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'plus', { namespace: NS });
    const config = new kplus.ConfigMap(chart, 'config', { data: { 'app.yaml': 'a: 1' } });
    const web = new kplus.Deployment(chart, 'web', { replicas: 2, containers: [{ image: 'nginx:1.27', portNumber: 8080 }] });
    web.containers[0].mount('/etc/app', kplus.Volume.fromConfigMap(chart, 'config-volume', config));
    const service = web.exposeViaService({ ports: [{ port: 80, targetPort: 8080 }] });
    new kplus.Ingress(chart, 'ingress', { defaultBackend: kplus.IngressBackend.fromService(service) });
    new kplus.StatefulSet(chart, 'redis', { containers: [{ image: 'redis:7', portNumber: 6379 }] });
    new kplus.CronJob(chart, 'nightly', { schedule: Cron.daily(), containers: [{ image: 'busybox:1.36' }] });
    new kplus.NetworkPolicy(chart, 'policy', { selector: web });
    new kplus.ServiceAccount(chart, 'sa');
    const objects: unknown[] = Testing.synth(chart);
    expect(objects.filter(isRecord).map((o) => o.kind)).toEqual(expect.arrayContaining(['Deployment', 'Service', 'StatefulSet', 'CronJob', 'Ingress']));
    expect(formatProblems(validateManifests(objects))).toBe('');
  });
});
