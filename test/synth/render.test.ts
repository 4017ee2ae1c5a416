import * as fs from 'fs';
import * as path from 'path';
import { type ApiObject, App, Chart, type IResolver, JsonPatch, Lazy, type ResolutionContext } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { AgentMicroservice, AgentPlatform, Environments, McpToolService, renderApps, SynthesisError } from '../../lib';
import { renderPlatform } from '../../lib/synth/synthesizer';
import { ApiObjectRenderer, CHECKED_CDK8S_VERSIONS, directPathMatchesCdk8s, EXPECTED_CDK8S_FIELDS, renderApiObject } from '../../lib/synth/render';
import { PLACEHOLDER } from '../../lib/core/placeholder';
import { apps } from '../../apps';
import { synthesisErrorOf } from '../helpers/synth';

function apiObjectsOf(chart: Chart): ApiObject[] {
  return chart.node.findAll().filter((c): c is ApiObject => 'apiVersion' in c && 'toJson' in c);
}

/** Both paths, as JSON text, next to the object's path so a failure names it. */
function bothPaths(chart: Chart): { direct: string[]; toJson: string[] } {
  const renderer = new ApiObjectRenderer(chart);
  const objects = apiObjectsOf(chart);
  expect(objects.length).toBeGreaterThan(0);
  return {
    direct: objects.map((o) => `${o.node.path} ${JSON.stringify(renderer.render(o))}`),
    toJson: objects.map((o) => `${o.node.path} ${JSON.stringify(o.toJson())}`),
  };
}

/** Upper-cases every string value, as a user's resolver might. */
class UpperCaseResolver implements IResolver {
  public resolve(context: ResolutionContext): void {
    if (typeof context.value === 'string' && context.value !== context.value.toUpperCase() && context.key.includes('data')) {
      context.replaceValue(context.value.toUpperCase());
    }
  }
}

function agentPlatform(app: App): AgentPlatform {
  const platform = new AgentPlatform(app, 'test', { appName: 'test', environment: Environments.prod({ namespace: 'agents' }) });
  const tool = new McpToolService(platform, 'search', { image: 'search:1.0.0' });
  new AgentMicroservice(platform, 'planner', { image: 'planner:1.0.0', tools: [tool], env: { MODE: 'x-value' } });
  return platform;
}

describe('the direct renderer', () => {
  test('renders every object of every example app exactly as ApiObject.toJson() does, key order included', () => {
    // GIVEN every app in every environment
    const environments = renderApps(apps);
    expect(environments.length).toBeGreaterThan(0);
    for (const env of environments) {
      // WHEN both paths render each object THEN the JSON text is identical
      const { direct, toJson } = bothPaths(env.platform);
      expect(direct).toEqual(toJson);
    }
  });

  test('an app with a custom resolver renders what toJson() renders: user resolvers are honoured (defect probe 2)', () => {
    // GIVEN an app whose resolver upper-cases data values, and a ConfigMap and an agent in it
    const app = new App({ outdir: '.', resolvers: [new UpperCaseResolver()] });
    const platform = agentPlatform(app);
    const cm = new kplus.k8s.KubeConfigMap(platform, 'cm', { metadata: { name: 'cm' }, data: { key: 'x-value' } });
    // WHEN the platform renders
    const objects = renderPlatform(platform).flatMap((f) => f.objects);
    // THEN the resolver ran, as with cdk8s
    expect(cm.toJson().data).toEqual({ key: 'X-VALUE' });
    expect(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'cm')?.data).toEqual({ key: 'X-VALUE' });
    // AND every object is byte for byte what toJson() gives
    const { direct, toJson } = bothPaths(platform);
    expect(direct).toEqual(toJson);
  });

  test('an app with JSON patches on the library\'s own objects renders them as toJson() does', () => {
    // GIVEN an agent whose Deployment and Service are patched
    const platform = agentPlatform(new App({ outdir: '.' }));
    const planner = platform.node.findChild('planner') as AgentMicroservice;
    planner.deployment.addJsonPatch(JsonPatch.add('/spec/template/spec/priorityClassName', 'agents-high'));
    planner.service?.addJsonPatch(JsonPatch.replace('/spec/type', 'NodePort'));
    // WHEN it renders
    const objects = renderPlatform(platform).flatMap((f) => f.objects);
    // THEN the patches are applied, byte for byte like toJson()
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'planner') as unknown as { spec: { template: { spec: { priorityClassName: string } } } };
    expect(deployment.spec.template.spec.priorityClassName).toBe('agents-high');
    expect(objects.find((o) => o.kind === 'Service' && o.metadata.name === 'planner')?.spec).toMatchObject({ type: 'NodePort' });
    const { direct, toJson } = bothPaths(platform);
    expect(direct).toEqual(toJson);
  });

  test('falls back to toJson() for an L1 object with JSON patches', () => {
    // GIVEN an L1 object with a patch
    const chart = new Chart(new App(), 'c', { namespace: 'x' });
    const cm = new kplus.k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'cm' }, data: { a: 'b' } });
    cm.addJsonPatch(JsonPatch.add('/data/c', 'd'));
    // THEN the patch is applied
    expect(renderApiObject(cm)).toEqual(cm.toJson());
    expect((renderApiObject(cm) as unknown as { data: Record<string, string> }).data).toEqual({ a: 'b', c: 'd' });
  });

  test('metadata attributes the L1 converter drops take toJson(), so both paths agree', () => {
    // GIVEN metadata set with metadata.add(): generateName is kept by the converter, an unknown key is dropped
    const chart = new Chart(new App(), 'c', { namespace: 'x' });
    const cm = new kplus.k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'cm' }, data: { a: 'b' } });
    cm.metadata.add('generateName', 'cm-');
    cm.metadata.add('notAField', 'dropped');
    // THEN the renderer gives what toJson() gives
    expect(JSON.stringify(renderApiObject(cm))).toBe(JSON.stringify(cm.toJson()));
    expect(renderApiObject(cm).metadata).not.toHaveProperty('notAField');
  });

  test('renames L1 properties in structs but never keys of user maps', () => {
    // GIVEN a Service with clusterIp and a selector map whose key looks like an L1 property
    const chart = new Chart(new App(), 'c', { namespace: 'x' });
    const svc = new kplus.k8s.KubeService(chart, 'svc', {
      metadata: { name: 'svc', labels: { clusterIp: 'yes' } },
      spec: { clusterIp: 'None', selector: { hostIp: 'a' }, ports: [{ port: 80, targetPort: kplus.k8s.IntOrString.fromString('http') }] },
    });
    // THEN both paths agree, with clusterIP renamed and the map keys untouched
    expect(renderApiObject(svc)).toEqual(svc.toJson());
    expect(JSON.stringify(renderApiObject(svc))).toContain('"clusterIP":"None"');
    expect(JSON.stringify(renderApiObject(svc))).toContain('"selector":{"hostIp":"a"}');
  });

  test('resolves Lazy values and drops empty metadata like toJson()', () => {
    const chart = new Chart(new App(), 'c');
    const cm = new kplus.k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'cm', annotations: {} }, data: Lazy.any({ produce: () => ({ z: '1', a: '2' }) }) });
    expect(JSON.stringify(renderApiObject(cm))).toBe(JSON.stringify(cm.toJson()));
  });

  test('with CDK8S_DISABLE_SORT set, cdk8s keeps key order and so does the renderer (it falls back)', () => {
    const chart = new Chart(new App(), 'c');
    const cm = new kplus.k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'cm' }, data: { z: '1', a: '2' } });
    const before = process.env.CDK8S_DISABLE_SORT;
    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      expect(directPathMatchesCdk8s()).toBe(false);
      expect(JSON.stringify(renderApiObject(cm))).toBe(JSON.stringify(cm.toJson()));
    } finally {
      if (before === undefined) {
        delete process.env.CDK8S_DISABLE_SORT;
      } else {
        process.env.CDK8S_DISABLE_SORT = before;
      }
    }
    expect(directPathMatchesCdk8s()).toBe(true);
  });

  test('a render error names the construct path, on the direct path and on toJson()', () => {
    // GIVEN a Lazy that fails in an L1 object, and in an object the direct path does not take (patched)
    const chart = new Chart(new App(), 'c', { namespace: 'x' });
    const failing = () => Lazy.any({ produce: () => { throw new Error('no data yet'); } });
    const direct = new kplus.k8s.KubeConfigMap(chart, 'Direct', { metadata: { name: 'a' }, data: failing() });
    const patched = new kplus.k8s.KubeConfigMap(chart, 'Patched', { metadata: { name: 'b' }, data: failing() });
    patched.addJsonPatch(JsonPatch.add('/data/x', 'y'));
    // THEN both errors start with the path and keep the cause
    expect(() => renderApiObject(direct)).toThrow('[c/Direct] no data yet');
    expect(() => renderApiObject(patched)).toThrow('[c/Patched] no data yet');
    // AND renderPlatform reports it as a SynthesisError
    const error = synthesisErrorOf(() => renderPlatform(chart));
    expect(error.problems).toEqual(['[c/Direct] no data yet', '[c/Patched] no data yet']);
  });

  test(`refuses to render an object holding the stand-in for invalid input ("${PLACEHOLDER}"), on both paths`, () => {
    const chart = new Chart(new App(), 'c', { namespace: 'x' });
    const direct = new kplus.k8s.KubeConfigMap(chart, 'Direct', { metadata: { name: 'a' }, data: { image: `${PLACEHOLDER}:1.0` } });
    const patched = new kplus.k8s.KubeConfigMap(chart, 'Patched', { metadata: { name: 'b' } });
    patched.addJsonPatch(JsonPatch.add('/data', { host: `x.${PLACEHOLDER}` }));
    expect(() => renderApiObject(direct)).toThrow(`[c/Direct] ConfigMap "a" contains "${PLACEHOLDER}", the stand-in for a refused input; refusing to render it`);
    expect(() => renderApiObject(patched)).toThrow(`[c/Patched] ConfigMap "b" contains "${PLACEHOLDER}"`);
  });
});

describe('the cdk8s internals the direct renderer reads', () => {
  const installed = (JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('cdk8s')), '..', 'package.json'), 'utf8')) as { version: string }).version;

  test('the installed cdk8s is a version the private field access was checked against', () => {
    // A new version is fine once the next test passes with it: add it to CHECKED_CDK8S_VERSIONS in lib/synth/render.ts.
    expect({ cdk8s: installed, checked: CHECKED_CDK8S_VERSIONS.includes(installed) }).toEqual({ cdk8s: installed, checked: true });
  });

  test('ApiObject and its metadata still have exactly the fields the renderer reads', () => {
    // GIVEN an L1 object
    const chart = new Chart(new App(), 'c', { namespace: 'x' });
    const cm = new kplus.k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'cm', labels: { a: 'b' } }, data: { a: 'b' } });
    // THEN its own fields (besides the construct's) are the ones lib/synth/render.ts was written for
    const ownFields = Object.keys(cm).filter((k) => k !== 'node').sort();
    expect({ cdk8s: installed, apiObject: ownFields }).toEqual({ cdk8s: installed, apiObject: [...EXPECTED_CDK8S_FIELDS.apiObject] });
    expect({ cdk8s: installed, metadata: Object.keys(cm.metadata).sort() }).toEqual({ cdk8s: installed, metadata: [...EXPECTED_CDK8S_FIELDS.metadata] });
    // AND they hold what the renderer expects
    const internals = cm as unknown as { props: { data: unknown }; patches: unknown[] };
    expect(internals.props.data).toEqual({ a: 'b' });
    expect(internals.patches).toEqual([]);
    expect((cm.metadata as unknown as { _additionalAttributes: Record<string, unknown> })._additionalAttributes).toMatchObject({ name: 'cm' });
    // AND the run-time probe agrees that both paths render alike
    expect(directPathMatchesCdk8s()).toBe(true);
  });
});

describe('defect probe 1: exported rendering validates first', () => {
  test('renderPlatform refuses `image: 42, port: 99999` with a SynthesisError naming both, instead of rendering a stand-in', () => {
    // GIVEN an agent with a numeric image and a port out of range
    const platform = new AgentPlatform(new App({ outdir: '.' }), 'test', { appName: 'test', environment: Environments.prod({ namespace: 'agents' }) });
    new AgentMicroservice(platform, 'agent', { image: 42, port: 99999 } as unknown as { image: string });
    // WHEN it renders THEN nothing is rendered and both problems are listed
    const error = synthesisErrorOf(() => renderPlatform(platform));
    expect(error).toBeInstanceOf(SynthesisError);
    expect(error.problems).toEqual([
      '[test/agent] image: must be a string (got 42)',
      '[test/agent] port: must be an integer port number between 1 and 65535 (got 99999)',
    ]);
  });
});
