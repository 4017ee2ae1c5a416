import { catalog } from '../../lib/validation/catalog';
import { compilePattern, validateCustomResource } from '../../lib/validation/crd';
import { kedaSet, NS } from './fixtures';
import { validateManifests } from '../validation';
import { mutated, deletePath, expectOnlyProblem, setPath } from './test-helpers';
import { type Issue, type JsonObject } from '../../lib/validation/util';

const SCALED_OBJECT = `keda.sh/v1alpha1 ScaledObject ${NS}/queue-worker`;


function externalSecret(): JsonObject {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'llm-keys', namespace: NS },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      target: { name: 'llm-keys', creationPolicy: 'Owner' },
      data: [{ secretKey: 'openai', remoteRef: { key: 'ai/openai', property: 'api-key' } }],
    },
  };
}

function sealedSecret(): JsonObject {
  return {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: 'db', namespace: NS },
    spec: {
      encryptedData: { password: 'AgBy3i4OJSWK+PiTySYZZA==' },
      template: { metadata: { labels: { app: 'db' }, anythingElse: { kept: true } }, data: null, type: 'Opaque' },
    },
  };
}

/** Runs the CRD walker on a hand-written structural schema. */
function walk(schema: JsonObject, value: unknown): Issue[] {
  const issues: Issue[] = [];
  validateCustomResource({ type: 'object', properties: { spec: schema } }, { metadata: { name: 'x' }, spec: value }, issues);
  return issues;
}

describe('CRD loading', () => {
  it('GIVEN the CRD folder WHEN the catalog loads THEN every served version of every CRD is known, with its scope', () => {
    const kinds = [...catalog().crds.values()].map((c) => `${c.group}/${c.version}/${c.kind}`).sort();
    expect(kinds).toEqual(expect.arrayContaining([
      'bitnami.com/v1alpha1/SealedSecret',
      'external-secrets.io/v1/ExternalSecret',
      'keda.sh/v1alpha1/ScaledObject',
      'keda.sh/v1alpha1/TriggerAuthentication',
      'monitoring.coreos.com/v1/PodMonitor',
      'monitoring.coreos.com/v1/PrometheusRule',
      'monitoring.coreos.com/v1/ServiceMonitor',
    ]));
    expect(catalog().crds.has('external-secrets.io/v1beta1/ExternalSecret')).toBe(false);
    expect(catalog().crdScopes.get('keda.sh/ScaledObject')).toBe('Namespaced');
    expect(catalog()).toBe(catalog());
  });

  it('GIVEN an RE2 pattern with (?i) WHEN compiled THEN it becomes a case-insensitive RegExp', () => {
    expect(compilePattern('^(?i)(abort|warn)?$')?.test('WARN')).toBe(true);
    expect(compilePattern('[unclosed')).toBeNull();
  });
});

describe('custom resources against their CRD', () => {
  it('GIVEN the valid KEDA set (Deployment, TriggerAuthentication, ScaledObject, ServiceMonitor) WHEN validated THEN no problem', () => {
    expect(validateManifests(kedaSet())).toEqual([]);
  });

  it('GIVEN a valid ExternalSecret and SealedSecret WHEN validated THEN no problem (preserve-unknown-fields, nullable)', () => {
    expect(validateManifests([externalSecret(), sealedSecret()])).toEqual([]);
  });

  it('GIVEN an unknown field in a ScaledObject WHEN validated THEN it is rejected (strict)', () => {
    const set = mutated('ScaledObject', (so) => setPath(so, 'spec.pollingIntervall', 30), kedaSet);
    expectOnlyProblem(set, { object: SCALED_OBJECT, path: 'spec.pollingIntervall', message: 'unknown field "pollingIntervall"', rule: 'schema' });
  });

  it('GIVEN a wrong enum value WHEN validated THEN the allowed values are listed', () => {
    const set = mutated('ScaledObject', (so) => setPath(so, 'spec.triggers[0].authenticationRef.kind', 'SecretAuthentication'), kedaSet);
    const problem = expectOnlyProblem(set, { path: 'spec.triggers[0].authenticationRef.kind', message: 'is not one of', rule: 'schema' });
    expect(problem.message).toContain('ClusterTriggerAuthentication');
  });

  it('GIVEN a wrong type WHEN validated THEN it is a type error', () => {
    const set = mutated('ScaledObject', (so) => setPath(so, 'spec.maxReplicaCount', '20'), kedaSet);
    expectOnlyProblem(set, { path: 'spec.maxReplicaCount', message: 'expected integer, got string "20"', rule: 'schema' });
  });

  it('GIVEN a missing required field WHEN validated THEN it is reported', () => {
    const set = mutated('ScaledObject', (so) => deletePath(so, 'spec.triggers'), kedaSet);
    expectOnlyProblem(set, { path: 'spec.triggers', message: 'missing required field "triggers"', rule: 'schema' });
  });

  it('GIVEN an empty string under minLength WHEN validated THEN it is rejected', () => {
    const set = mutated('ScaledObject', (so) => setPath(so, 'spec.scaleTargetRef.name', ''), kedaSet);
    const problems = validateManifests(set).filter((p) => p.rule === 'schema');
    expect(problems).toEqual([expect.objectContaining({ path: 'spec.scaleTargetRef.name', message: expect.stringContaining('at least 1 characters') })]);
  });

  it('GIVEN a value that breaks a pattern WHEN validated THEN the pattern is quoted', () => {
    const set = mutated('ServiceMonitor', (sm) => setPath(sm, 'spec.endpoints[0].interval', '30 seconds'), kedaSet);
    expectOnlyProblem(set, { path: 'spec.endpoints[0].interval', message: 'does not match pattern', rule: 'schema' });
  });

  it('GIVEN a wrong enum in a ServiceMonitor WHEN validated THEN it is rejected', () => {
    const set = mutated('ServiceMonitor', (sm) => setPath(sm, 'spec.endpoints[0].scheme', 'ftp'), kedaSet);
    expectOnlyProblem(set, { path: 'spec.endpoints[0].scheme', message: 'is not one of ["http","https","HTTP","HTTPS"]', rule: 'schema' });
  });

  it('GIVEN a custom resource metadata WHEN it has an unknown field THEN ObjectMeta rejects it', () => {
    const set = mutated('TriggerAuthentication', (ta) => setPath(ta, 'metadata.lables', { a: 'b' }), kedaSet);
    expectOnlyProblem(set, { path: 'metadata.lables', message: 'unknown field "lables"', rule: 'schema' });
  });

  it('GIVEN an unserved CRD version WHEN validated THEN the apiVersion is rejected', () => {
    const es = { ...externalSecret(), apiVersion: 'external-secrets.io/v1beta1' };
    expectOnlyProblem([es], { path: 'apiVersion', message: 'unknown or unserved apiVersion external-secrets.io/v1beta1', rule: 'schema' });
  });

  it('GIVEN null where the CRD is not nullable WHEN validated THEN null is rejected', () => {
    const es = externalSecret();
    setPath(es, 'spec.target', null);
    expectOnlyProblem([es], { path: 'spec.target', message: 'null is not allowed', rule: 'schema' });
  });

  it('GIVEN a required field with a default WHEN it is omitted THEN the API server default fills it (no problem)', () => {
    const issues = walk({ type: 'object', required: ['mode'], properties: { mode: { type: 'string', default: 'auto' } } }, {});
    expect(issues).toEqual([]);
  });

  it('GIVEN x-kubernetes-int-or-string WHEN given an int, a string, a float THEN only the float fails', () => {
    const schema = { type: 'object', properties: { port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } } };
    expect(walk(schema, { port: 80 })).toEqual([]);
    expect(walk(schema, { port: 'http' })).toEqual([]);
    expect(walk(schema, { port: 1.5 })).toEqual([{ path: 'spec.port', message: expect.stringContaining('x-kubernetes-int-or-string') }]);
  });

  it('GIVEN numeric bounds WHEN values cross them THEN inclusive and exclusive limits are honoured', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer', minimum: 1, maximum: 10, exclusiveMaximum: true } } };
    expect(walk(schema, { n: 1 })).toEqual([]);
    expect(walk(schema, { n: 0 })[0].message).toContain('at least 1');
    expect(walk(schema, { n: 10 })[0].message).toContain('less than 10');
  });

  it('GIVEN length and count bounds WHEN crossed THEN they are reported', () => {
    const schema = {
      type: 'object',
      properties: {
        s: { type: 'string', maxLength: 3 },
        a: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2 },
        m: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1, maxProperties: 1 },
      },
    };
    expect(walk(schema, { s: 'abc', a: ['x'], m: { k: 'v' } })).toEqual([]);
    const issues = walk(schema, { s: 'abcd', a: [], m: { a: 'b', c: 'd' } });
    expect(issues.map((i) => i.path)).toEqual(['spec.s', 'spec.a', 'spec.m']);
    expect(issues.map((i) => i.message)).toEqual([
      expect.stringContaining('at most 3 characters'),
      expect.stringContaining('at least 1 items'),
      expect.stringContaining('at most 1 properties'),
    ]);
  });

  it('GIVEN additionalProperties false or a schema WHEN extra keys appear THEN they are checked', () => {
    expect(walk({ type: 'object', additionalProperties: false }, { a: 1 })[0]).toEqual({ path: 'spec.a', message: 'unknown field "a"' });
    expect(walk({ type: 'object', additionalProperties: { type: 'integer' } }, { a: 'x' })[0].message).toContain('expected integer');
    expect(walk({ type: 'object', additionalProperties: true }, { a: 'x' })).toEqual([]);
    expect(walk({ type: 'object' }, { a: 'x' })[0].message).toContain('unknown field');
  });

  it('GIVEN x-kubernetes-preserve-unknown-fields with properties WHEN validated THEN unknown keys pass but known ones are checked', () => {
    const schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'boolean' } } };
    expect(walk(schema, { anything: { deep: [1] } })).toEqual([]);
    expect(walk(schema, { known: 'yes' })[0]).toEqual({ path: 'spec.known', message: 'expected boolean, got string "yes"' });
  });

  it('GIVEN anyOf/oneOf/allOf/not value validations WHEN validated THEN they apply without reporting unknown fields', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' }, c: { type: 'string' } },
      anyOf: [{ required: ['a'] }, { required: ['b'] }],
      oneOf: [{ required: ['a'] }, { required: ['c'] }],
      allOf: [{ properties: { a: { maxLength: 2 } } }],
      not: { required: ['b', 'c'] },
    };
    expect(walk(schema, { a: 'x' })).toEqual([]);
    expect(walk(schema, { c: 'x' }).map((i) => i.message)).toEqual([expect.stringContaining('anyOf')]);
    expect(walk(schema, { a: 'x', c: 'y' }).map((i) => i.message)).toEqual([expect.stringContaining('exactly one of the oneOf')]);
    expect(walk(schema, { a: 'xyz' }).map((i) => i.message)).toEqual([expect.stringContaining('at most 2')]);
    expect(walk(schema, { b: 'x', c: 'y' }).map((i) => i.message)).toEqual([expect.stringContaining('"not"')]);
  });

  it('GIVEN x-kubernetes-embedded-resource WHEN it carries apiVersion/kind/metadata THEN they are allowed and metadata is ObjectMeta', () => {
    const schema = { type: 'object', properties: { template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } };
    expect(walk(schema, { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { x: 1 } } })).toEqual([]);
    expect(walk(schema, { template: { metadata: { nme: 'p' } } })[0]).toEqual({ path: 'spec.template.metadata.nme', message: 'unknown field "nme"' });
    expect(walk(schema, { template: { other: 1 } })[0].message).toContain('unknown field "other"');
  });

  it('GIVEN list types set and map WHEN items repeat THEN duplicates are rejected', () => {
    const schema = {
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['port', 'protocol'],
          items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } } },
        },
      },
    };
    expect(walk(schema, { tags: ['a', 'b'], ports: [{ port: 80 }, { port: 80, protocol: 'UDP' }] })).toEqual([]);
    const issues = walk(schema, { tags: ['a', 'a'], ports: [{ port: 80 }, { port: 80, protocol: 'TCP' }] });
    expect(issues.map((i) => i.path)).toEqual(['spec.tags[1]', 'spec.ports[1]']);
  });

  it('GIVEN formats int32, date-time and byte WHEN values break them THEN they are reported', () => {
    const schema = { type: 'object', properties: { i: { type: 'integer', format: 'int32' }, t: { type: 'string', format: 'date-time' }, b: { type: 'string', format: 'byte' } } };
    expect(walk(schema, { i: 5, t: '2024-01-02T03:04:05Z', b: 'aGk=' })).toEqual([]);
    expect(walk(schema, { i: 2 ** 40, t: 'now', b: '%%' }).map((i) => i.path)).toEqual(['spec.i', 'spec.t', 'spec.b']);
  });
});
