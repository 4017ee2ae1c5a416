import { deployment, hpa, NS, service, validSet } from './fixtures';
import { validateManifests } from '../validation';
import { validateAgainstSchema } from '../../lib/validation/schema';
import { byKind, mutated, deletePath, expectOnlyProblem, setPath } from './test-helpers';

const DEPLOYMENT = `apps/v1 Deployment ${NS}/jd-classifier`;
const CONTAINER = 'spec.template.spec.containers[0]';


describe('schema rules (Kubernetes 1.28 definitions)', () => {
  it('GIVEN the valid Deployment+Service+HPA+PDB+NetworkPolicy+Ingress+ConfigMap set WHEN validated THEN there is no problem', () => {
    expect(validateManifests(validSet())).toEqual([]);
  });

  it('GIVEN a misspelt container field WHEN validated THEN it is an unknown field at its exact path', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${CONTAINER}.imagePullPolicyy`, 'Always'));
    expectOnlyProblem(set, { object: DEPLOYMENT, path: `${CONTAINER}.imagePullPolicyy`, message: 'unknown field "imagePullPolicyy"', rule: 'schema' });
  });

  it('GIVEN an unknown top-level field WHEN validated THEN it is reported', () => {
    const set = mutated('Service', (s) => setPath(s, 'extra', true));
    expectOnlyProblem(set, { path: 'extra', message: 'unknown field "extra"', rule: 'schema' });
  });

  it('GIVEN replicas as a string WHEN validated THEN it is a type error', () => {
    const set = mutated('Deployment', (d) => setPath(d, 'spec.replicas', '3'));
    expectOnlyProblem(set, { path: 'spec.replicas', message: 'expected integer, got string "3"', rule: 'schema' });
  });

  it('GIVEN a fractional integer WHEN validated THEN it is a type error', () => {
    const set = mutated('Deployment', (d) => setPath(d, 'spec.replicas', 1.5));
    expectOnlyProblem(set, { path: 'spec.replicas', message: 'expected integer, got number 1.5', rule: 'schema' });
  });

  it('GIVEN an int32 field above 2^31-1 WHEN validated THEN it is out of range', () => {
    const set = mutated('Deployment', (d) => setPath(d, 'spec.revisionHistoryLimit', 2 ** 31));
    expectOnlyProblem(set, { path: 'spec.revisionHistoryLimit', message: 'out of the int32 range', rule: 'schema' });
  });

  it('GIVEN a container without image field name WHEN validated THEN the required field is missing', () => {
    const set = mutated('Deployment', (d) => deletePath(d, `${CONTAINER}.name`));
    expectOnlyProblem(set, { path: `${CONTAINER}.name`, message: 'missing required field "name"', rule: 'schema' });
  });

  it('GIVEN an HPA without maxReplicas WHEN validated THEN the required field is missing', () => {
    const set = mutated('HorizontalPodAutoscaler', (h) => deletePath(h, 'spec.maxReplicas'));
    expectOnlyProblem(set, { path: 'spec.maxReplicas', message: 'missing required field "maxReplicas"', rule: 'schema' });
  });

  it('GIVEN a wrong kind enum value inside a definition WHEN validated THEN it is reported (the top kind is looked up first)', () => {
    const objects = [{ ...deployment(), apiVersion: 'apps/v1', kind: 'Deploymnet' }];
    expectOnlyProblem(objects, { path: 'kind', message: 'unknown kind Deploymnet in API group "apps"', rule: 'schema' });
  });

  it('GIVEN an unknown apiVersion for a known kind WHEN validated THEN the known versions are listed', () => {
    const set = mutated('HorizontalPodAutoscaler', (h) => setPath(h, 'apiVersion', 'autoscaling/v2beta2'));
    const problem = expectOnlyProblem(set, { path: 'apiVersion', message: 'unknown or unserved apiVersion autoscaling/v2beta2', rule: 'schema' });
    expect(problem.message).toContain('v2');
  });

  it('GIVEN an object without apiVersion and kind WHEN validated THEN both are missing', () => {
    const problems = validateManifests([{ metadata: { name: 'x' } }]);
    expect(problems.map((p) => p.path)).toEqual(['apiVersion', 'kind']);
  });

  it('GIVEN an object without metadata.name WHEN validated THEN the name is required', () => {
    const set = mutated('ServiceAccount', (c) => deletePath(c, 'metadata.name'));
    expectOnlyProblem(set, { path: 'metadata.name', message: 'missing required field "name"', rule: 'schema' });
  });

  it('GIVEN an entry that is not an object WHEN validated THEN it is reported at the root', () => {
    expectOnlyProblem(['not a manifest'], { path: '', message: 'expected a Kubernetes object', rule: 'schema', object: 'objects[0] (not an object)' });
  });

  it('GIVEN a null field WHEN validated THEN null is rejected', () => {
    const set = mutated('Deployment', (d) => setPath(d, 'metadata.creationTimestamp', null));
    expectOnlyProblem(set, { path: 'metadata.creationTimestamp', message: 'null is not allowed', rule: 'schema' });
  });

  it('GIVEN a malformed date-time WHEN validated THEN the format is rejected', () => {
    const set = mutated('Deployment', (d) => setPath(d, 'metadata.creationTimestamp', 'yesterday'));
    expectOnlyProblem(set, { path: 'metadata.creationTimestamp', message: 'RFC 3339', rule: 'schema' });
  });

  it('GIVEN a Quantity that does not follow the grammar WHEN validated THEN it is reported once', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${CONTAINER}.resources.requests.memory`, '256MB'));
    expectOnlyProblem(set, { path: `${CONTAINER}.resources.requests.memory`, message: 'invalid quantity "256MB"', rule: 'schema' });
  });

  it('GIVEN a Quantity given as a number or a boolean WHEN validated THEN numbers pass and booleans fail', () => {
    const ok = mutated('Deployment', (d) => setPath(d, `${CONTAINER}.resources.limits.cpu`, 1));
    expect(validateManifests(ok)).toEqual([]);
    const bad = mutated('Deployment', (d) => setPath(d, `${CONTAINER}.resources.limits.cpu`, true));
    expectOnlyProblem(bad, { path: `${CONTAINER}.resources.limits.cpu`, message: 'expected a quantity', rule: 'schema' });
  });

  it('GIVEN IntOrString fields WHEN given an integer, a string or a float THEN only the float fails', () => {
    const asInt = mutated('Service', (s) => setPath(s, 'spec.ports[0].targetPort', 8080));
    expect(validateManifests(asInt)).toEqual([]);
    const asFloat = mutated('Service', (s) => setPath(s, 'spec.ports[0].targetPort', 80.5));
    expectOnlyProblem(asFloat, { path: 'spec.ports[0].targetPort', message: 'IntOrString', rule: 'schema' });
  });

  it('GIVEN an inline schema with format int-or-string (older swagger dumps) WHEN validated THEN ints and strings pass', () => {
    const schema = { type: 'object', properties: { port: { type: 'string', format: 'int-or-string' }, at: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time' } } };
    const issues: { path: string; message: string }[] = [];
    validateAgainstSchema(schema, { port: 80, at: '2024-05-01T10:00:00Z' }, '', issues);
    validateAgainstSchema(schema, { port: 'http' }, '', issues);
    expect(issues).toEqual([]);
    validateAgainstSchema(schema, { port: true, at: 3 }, '', issues);
    expect(issues.map((i) => i.path)).toEqual(['port', 'at']);
  });

  it('GIVEN a non-string label value type WHEN validated THEN the additionalProperties map rejects it', () => {
    const set = mutated('ConfigMap', (c) => setPath(c, ['metadata', 'labels', 'tier'], 3));
    expectOnlyProblem(set, { path: 'metadata.labels.tier', message: 'expected string, got number 3', rule: 'schema' });
  });

  it('GIVEN ConfigMap data with arbitrary keys WHEN validated THEN the map accepts them but not non-string values', () => {
    const set = mutated('ConfigMap', (c) => setPath(c, ['data', 'x.json'], { nested: true }));
    expectOnlyProblem(set, { path: 'data["x.json"]', message: 'expected string, got object', rule: 'schema' });
  });

  it('GIVEN Secret data that is not base64 WHEN validated THEN format byte rejects it', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: NS }, data: { ok: 'aGVsbG8=', bad: 'hello!' } };
    expectOnlyProblem([secret], { path: 'data.bad', message: 'base64', rule: 'schema' });
  });

  it('GIVEN a RawExtension or JSON field WHEN it holds anything THEN it is accepted', () => {
    const revision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: 'rev-1', namespace: NS },
      revision: 1,
      data: { anything: [1, 'two', { three: null }] },
    };
    expect(validateManifests([revision])).toEqual([]);
  });

  it('GIVEN an array where an object is expected WHEN validated THEN the walker stops there with one problem', () => {
    const set = mutated('Deployment', (d) => setPath(d, 'spec.template.spec', []));
    const problems = validateManifests(set).filter((p) => p.rule === 'schema');
    expect(problems).toEqual([expect.objectContaining({ path: 'spec.template.spec', message: 'expected object, got array' })]);
  });

  it('GIVEN several problems in several objects WHEN validated THEN all of them are reported in input order', () => {
    const set = validSet();
    setPath(byKind(set, 'Deployment'), 'spec.replicas', 'two');
    setPath(byKind(set, 'Service'), 'spec.typo', 1);
    setPath(byKind(set, 'HorizontalPodAutoscaler'), 'spec.maxReplicas', '10');
    const problems = validateManifests(set);
    expect(problems.map((p) => p.path)).toEqual(['spec.replicas', 'spec.typo', 'spec.maxReplicas']);
  });

  it('GIVEN hpa and service fixtures alone WHEN validated THEN only the cross-object rules complain', () => {
    const problems = validateManifests([service(), hpa()]);
    expect(problems.every((p) => p.rule === 'semantic')).toBe(true);
  });
});
