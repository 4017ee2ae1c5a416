import { type ApiObject, App, Chart, JsonPatch, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { renderApps } from '../../lib';
import { renderApiObject } from '../../lib/synth/render';
import { apps } from '../../apps';

function apiObjectsOf(chart: Chart): ApiObject[] {
  return chart.node.findAll().filter((c): c is ApiObject => 'apiVersion' in c && 'toJson' in c);
}

describe('the direct renderer', () => {
  test('renders every object of every example app exactly as ApiObject.toJson() does, key order included', () => {
    // GIVEN every app in every environment
    for (const env of renderApps(apps)) {
      for (const object of apiObjectsOf(env.platform)) {
        // WHEN both paths render the object THEN the JSON text is identical
        expect([object.node.path, JSON.stringify(renderApiObject(object))]).toEqual([object.node.path, JSON.stringify(object.toJson())]);
      }
    }
  });

  test('falls back to toJson() for objects with JSON patches', () => {
    // GIVEN an L1 object with a patch
    const chart = new Chart(new App(), 'c', { namespace: 'x' });
    const cm = new kplus.k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'cm' }, data: { a: 'b' } });
    cm.addJsonPatch(JsonPatch.add('/data/c', 'd'));
    // THEN the patch is applied
    expect(renderApiObject(cm)).toEqual(cm.toJson());
    expect((renderApiObject(cm) as unknown as { data: Record<string, string> }).data).toEqual({ a: 'b', c: 'd' });
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
});
