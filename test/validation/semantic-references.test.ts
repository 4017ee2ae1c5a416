import { validateManifests } from '../validation';
import { mutated, expectOnlyProblem, setPath } from './test-helpers';

const POD = 'spec.template.spec';
const C0 = `${POD}.containers[0]`;


describe('rule 12: ConfigMap references', () => {
  it('GIVEN an env configMapKeyRef to a ConfigMap not in the set WHEN validated THEN it is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.env[0].valueFrom.configMapKeyRef.name`, 'ghost-config'));
    expectOnlyProblem(set, { path: `${C0}.env[0].valueFrom.configMapKeyRef.name`, message: 'ConfigMap "ghost-config" is not in the set', rule: 'semantic' });
  });

  it('GIVEN the same reference marked optional WHEN validated THEN it is fine', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.env[0].valueFrom.configMapKeyRef`, { name: 'ghost-config', key: 'x', optional: true }));
    expect(validateManifests(set)).toEqual([]);
  });

  it('GIVEN a configMapKeyRef on a key the ConfigMap lacks WHEN validated THEN the key is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.env[0].valueFrom.configMapKeyRef.key`, 'LOGLEVEL'));
    expectOnlyProblem(set, { path: `${C0}.env[0].valueFrom.configMapKeyRef.key`, message: 'has no key "LOGLEVEL"', rule: 'semantic' });
  });

  it('GIVEN an envFrom configMapRef to a missing ConfigMap WHEN validated THEN it is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.envFrom[0].configMapRef.name`, 'ghost-config'));
    expectOnlyProblem(set, { path: `${C0}.envFrom[0].configMapRef.name`, message: 'ConfigMap "ghost-config"', rule: 'semantic' });
  });

  it('GIVEN a configMap volume on a missing ConfigMap WHEN validated THEN it is reported unless optional', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${POD}.volumes[0].configMap`, { name: 'ghost-config' }));
    expectOnlyProblem(set, { path: `${POD}.volumes[0].configMap.name`, message: 'ConfigMap "ghost-config"', rule: 'semantic' });
    const optional = mutated('Deployment', (d) => setPath(d, `${POD}.volumes[0].configMap`, { name: 'ghost-config', optional: true }));
    expect(validateManifests(optional)).toEqual([]);
  });

  it('GIVEN a configMap volume item on a missing key WHEN validated THEN the key is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${POD}.volumes[0].configMap.items[0].key`, 'app.yml'));
    expectOnlyProblem(set, { path: `${POD}.volumes[0].configMap.items[0].key`, message: 'has no key "app.yml"', rule: 'semantic' });
  });

  it('GIVEN a projected volume with a missing ConfigMap WHEN validated THEN it is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${POD}.volumes[1]`, { name: 'tmp', projected: { sources: [{ configMap: { name: 'ghost-config' } }, { secret: { name: 'ghost-secret' } }] } }));
    expectOnlyProblem(set, { path: `${POD}.volumes[1].projected.sources[0].configMap.name`, message: 'ConfigMap "ghost-config"', rule: 'semantic' });
  });

  it('GIVEN references to Secrets that are not in the set WHEN validated THEN nothing is reported', () => {
    const set = mutated('Deployment', (d) => {
      setPath(d, `${POD}.volumes[1]`, { name: 'tmp', secret: { secretName: 'made-elsewhere' } });
      setPath(d, `${C0}.envFrom[1].secretRef.name`, 'also-elsewhere');
    });
    expect(validateManifests(set)).toEqual([]);
  });
});
