import * as fs from 'fs';
import * as path from 'path';
import { renderApps } from '../../lib';
import { emm } from '../../apps/emm';
import { at, Synthesized } from '../helpers/synth';
import { expectValidManifests } from '../validation';

/**
 * Issue 16, item 1, done when: emm mounts the ConfigMap jd-structure, made from apps/jd.yaml, into
 * jd-classifier and the agents that classify, in every environment.
 */

const JD_YAML = fs.readFileSync(path.join(__dirname, '..', '..', 'apps', 'jd.yaml'), 'utf8');
const rendered = renderApps([emm]);
const AGENTS = ['confluence-agent', 'bookmark-scraper', 'file-system-agent'];

test('every environment of emm is checked', () => {
  expect(rendered.map((r) => r.environment)).toEqual(['dev', 'staging', 'prod']);
});

describe.each(rendered.map((r) => [r.environment, new Synthesized(r.objects)] as const))('emm %s', (_env, s) => {
  interface Pod { metadata: { annotations: Record<string, string> }; spec: { containers: { volumeMounts: object[] }[]; volumes: object[] } }
  const pod = (name: string) => at(s.get('Deployment', name), 'spec.template') as Pod;
  const hash = () => pod('jd-classifier').metadata.annotations['checksum/config-jd-structure'];

  test('the ConfigMap jd-structure holds apps/jd.yaml byte for byte, and passes the strict validation', () => {
    expect(at(s.get('ConfigMap', 'jd-structure'), 'data')).toEqual({ 'jd.yaml': JD_YAML });
    expectValidManifests(s.objects);
  });

  test('jd-classifier mounts the folder at /etc/emm/jd', () => {
    expect(pod('jd-classifier').spec.containers[0].volumeMounts).toContainEqual({ name: 'config-jd-structure', mountPath: '/etc/emm/jd', readOnly: true });
    expect(pod('jd-classifier').spec.volumes).toContainEqual({ name: 'config-jd-structure', configMap: { name: 'jd-structure' } });
    expect(hash()).toMatch(/^[0-9a-f]{64}$/);
  });

  test.each(AGENTS)('%s mounts jd.yaml at /etc/emm/jd.yaml, with the same hash', (agent) => {
    expect(pod(agent).spec.containers[0].volumeMounts).toContainEqual({ name: 'config-jd-structure', mountPath: '/etc/emm/jd.yaml', readOnly: true, subPath: 'jd.yaml' });
    expect(pod(agent).metadata.annotations['checksum/config-jd-structure']).toBe(hash());
  });

  test('no other workload mounts it or carries its hash', () => {
    const others = [...s.all('Deployment'), ...s.all('StatefulSet')].filter((o) => !['jd-classifier', ...AGENTS].includes(o.metadata.name));
    expect(others.length).toBeGreaterThan(5);
    for (const other of others) {
      expect(JSON.stringify(at(other, 'spec.template'))).not.toContain('jd-structure');
    }
  });
});
