import { type KubeObject } from '../../lib';
import { diffOutputs, type LocatedObject, outputDiffMarkdown, outputDiffText } from '../../lib/diff/output-diff';

function deployment(image: string, replicas: number, containers = ['api']): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'agents' },
    spec: { replicas, template: { spec: { containers: containers.map((name) => ({ name, image: name === 'api' ? image : `${name}:1` })) } } },
  };
}

const at = (object: KubeObject, folder = 'app/prod', file = `${folder}/api.yaml`): LocatedObject => ({ folder, file, object });

describe('diffOutputs', () => {
  test('lists changed fields of a changed object, list entries by name', () => {
    // GIVEN a Deployment whose image and replicas changed
    const result = diffOutputs([at(deployment('api:1', 2))], [at(deployment('api:2', 3))]);
    // THEN one changed object with both fields, the container named
    expect(result.unchanged).toBe(0);
    expect(result.changes).toEqual([{
      change: 'changed', name: 'Deployment agents/api', folder: 'app/prod',
      fields: [
        { path: 'spec.replicas', before: 2, after: 3, hidden: false },
        { path: 'spec.template.spec.containers[api].image', before: 'api:1', after: 'api:2', hidden: false },
      ],
    }]);
  });

  test('a container inserted before another is one added entry, not a shift of every later one', () => {
    // GIVEN a sidecar added in front of the main container
    const result = diffOutputs([at(deployment('api:1', 2))], [at(deployment('api:1', 2, ['proxy', 'api']))]);
    // THEN only the sidecar is reported
    expect(result.changes[0].fields).toEqual([{ path: 'spec.template.spec.containers[proxy]', after: { name: 'proxy', image: 'proxy:1' }, hidden: false }]);
  });

  test('objects added, removed and unchanged; identity ignores the file and the API version, but not the folder', () => {
    // GIVEN a ConfigMap moved to another file, an HPA at a new version, a Service removed, a PDB added, and the same Deployment in another environment's folder
    const config: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } };
    const hpa = (apiVersion: string): KubeObject => ({ apiVersion, kind: 'HorizontalPodAutoscaler', metadata: { name: 'api' }, spec: { maxReplicas: 3 } });
    const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' } };
    const pdb: KubeObject = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'api' } };
    const before = [at(config, 'app/prod', 'app/prod/a.yaml'), at(hpa('autoscaling/v1')), at(service), at(deployment('api:1', 1), 'app/dev')];
    const after = [at(config, 'app/prod', 'app/prod/b.yaml'), at(hpa('autoscaling/v2')), at(pdb), at(deployment('api:1', 1), 'app/staging')];
    // WHEN compared
    const result = diffOutputs(before, after);
    // THEN
    expect(result.changes.map((c) => `${c.change} ${c.name} ${c.folder}`)).toEqual([
      'removed Deployment agents/api app/dev',
      'removed Service api app/prod',
      'added PodDisruptionBudget api app/prod',
      'changed HorizontalPodAutoscaler api app/prod',
      'added Deployment agents/api app/staging',
    ]);
    expect(result.changes.find((c) => c.change === 'changed')?.fields).toEqual([{ path: 'apiVersion', before: 'autoscaling/v1', after: 'autoscaling/v2', hidden: false }]);
    expect(result.unchanged).toBe(1);
  });

  test('Secret data is reported as changed without its values', () => {
    // GIVEN a Secret whose data changed
    const secret = (value: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: value } });
    // WHEN compared
    const result = diffOutputs([at(secret('c2VjcmV0'))], [at(secret('b3RoZXI='))]);
    // THEN no value appears in the result or its texts
    expect(result.changes[0].fields).toEqual([{ path: 'data.password', hidden: true }]);
    for (const text of [outputDiffText(result), outputDiffMarkdown(result), JSON.stringify(result)]) {
      expect(text).not.toContain('c2VjcmV0');
      expect(text).not.toContain('b3RoZXI=');
    }
  });
});

describe('formats', () => {
  const result = diffOutputs([at(deployment('api:1', 2))], [at(deployment('api:2', 2)), at({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'agents' } })]);

  test('plain text for CI logs', () => {
    expect(outputDiffText(result, 'output')).toBe([
      'Changes in the output: 1 changed, 1 added, 0 removed, 0 unchanged',
      '+ Service agents/api (app/prod)',
      '~ Deployment agents/api (app/prod)',
      '    spec.template.spec.containers[api].image: api:1 -> api:2',
      '',
    ].join('\n'));
  });

  test('Markdown for a pull-request comment', () => {
    expect(outputDiffMarkdown(result, 'output')).toBe([
      '### Changes in the output',
      '',
      '**1 changed, 1 added, 0 removed, 0 unchanged**',
      '',
      '| change | object | where | fields |',
      '| --- | --- | --- | ---: |',
      '| added | `Service agents/api` | app/prod |  |',
      '| changed | `Deployment agents/api` | app/prod | 1 |',
      '',
      '<details><summary>Deployment agents/api (app/prod): 1 field</summary>',
      '',
      '| field | before | after |',
      '| --- | --- | --- |',
      '| `spec.template.spec.containers[api].image` | `api:1` | `api:2` |',
      '',
      '</details>',
      '',
    ].join('\n'));
  });

  test('no changes', () => {
    const same = diffOutputs([at(deployment('api:1', 2))], [at(deployment('api:1', 2))]);
    expect(outputDiffText(same)).toBe('No changes in the output (1 object compared).\n');
    expect(outputDiffMarkdown(same)).toBe('### No changes in the output\n\n1 object compared.\n');
  });
});
