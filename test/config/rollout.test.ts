import * as fs from 'fs';
import * as path from 'path';
import diff from 'microdiff';
import { parseAllDocuments } from 'yaml';
import { ArgoCdWriter, EXAMPLE_PRICE_TABLE, HelmChartWriter, type KubeObject, synthesize } from '../../lib';
import { emmApp } from '../../apps/emm';
import { TempFolder } from './helpers';

/**
 * Issue 16, item 1: "changing the file changes the pod-template hash, and only that". The emm app
 * is synthesized end to end (plain manifests, COST.md, PREREQUISITES.md, Helm charts, Argo CD)
 * from two copies of its jd.yaml that differ in one category name, and the two outputs are
 * compared file by file and object by object: the ConfigMap's data and the `checksum/` annotation
 * of exactly the four pod templates that mount jd-structure differ, nothing else.
 */

const tmp = new TempFolder();
afterAll(() => tmp.cleanUp());

const JD_YAML = fs.readFileSync(path.join(__dirname, '..', '..', 'apps', 'jd.yaml'), 'utf8');
const EDITED = JD_YAML.replace('name: Finance\n', 'name: Finance and purchasing\n');

/** Every file synthesize() writes for emm, by path relative to the output folder. */
function synthesizeEmm(jdYaml: string, label: string): Map<string, string> {
  const outdir = path.join(tmp.root, `out-${label}`);
  synthesize([emmApp(tmp.write(`${label}/jd.yaml`, jdYaml))], {
    outdir,
    writers: [new HelmChartWriter({ version: '0.1.0' }), new ArgoCdWriter({ repoUrl: 'https://github.com/example/deploy.git', targetRevision: 'main', pathPrefix: 'dist' })],
    cost: { prices: EXAMPLE_PRICE_TABLE },
  });
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(outdir, full), fs.readFileSync(full, 'utf8'));
    }
  };
  walk(outdir);
  return files;
}

const before = synthesizeEmm(JD_YAML, 'before');
const after = synthesizeEmm(EDITED, 'after');
const changedFiles = [...before.keys()].filter((file) => before.get(file) !== after.get(file)).sort();

const MOUNTERS = ['bookmark-scraper', 'confluence-agent', 'file-system-agent', 'jd-classifier'];
const ENVIRONMENTS = ['dev', 'staging', 'prod'];

function objects(text: string | undefined): KubeObject[] {
  return parseAllDocuments(text ?? '').map((d) => d.toJS() as KubeObject).filter((o) => o !== null);
}

test('the edit is real and both runs wrote the same files', () => {
  expect(EDITED).not.toBe(JD_YAML);
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  expect(before.size).toBeGreaterThan(50);
});

test('only the map and the manifests of the four workloads that mount it change, in the plain manifests and in the charts; COST.md, PREREQUISITES.md, values, NOTES and Argo CD do not', () => {
  const expected = ENVIRONMENTS.flatMap((env) => [
    ...['jd-structure', ...MOUNTERS].map((name) => `manifests/emm/${env}/${name}.yaml`),
    ...['jd-structure', ...MOUNTERS].map((name) => `helm/emm-${env}/templates/${name}.yaml`),
  ]).sort();
  expect(changedFiles).toEqual(expected);
  expect([...before.keys()].filter((f) => /COST\.md|PREREQUISITES\.md|values\.yaml|NOTES\.txt|argocd/.test(f)).length).toBeGreaterThan(10);
});

describe.each(ENVIRONMENTS)('%s, object by object', (env) => {
  test('the ConfigMap: only data["jd.yaml"], now the edited file', () => {
    const file = `manifests/emm/${env}/jd-structure.yaml`;
    const [old] = objects(before.get(file));
    const [changed] = objects(after.get(file));
    expect(diff(old, changed).map((d) => d.path.join('.'))).toEqual(['data.jd.yaml']);
    expect((changed as unknown as { data: Record<string, string> }).data['jd.yaml']).toBe(EDITED);
  });

  test.each(MOUNTERS)('%s: only the checksum annotation on the pod template', (name) => {
    const file = `manifests/emm/${env}/${name}.yaml`;
    const old = objects(before.get(file));
    const changed = objects(after.get(file));
    expect(changed.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(old.map((o) => `${o.kind}/${o.metadata.name}`));
    const changes = old.flatMap((o, i) => diff(o, changed[i]).map((d) => ({ object: `${o.kind}/${o.metadata.name}`, type: d.type, path: d.path.join('.') })));
    expect(changes).toEqual([{ object: `Deployment/${name}`, type: 'CHANGE', path: 'spec.template.metadata.annotations.checksum/config-jd-structure' }]);
  });

  test('the chart templates change exactly as the plain manifests do', () => {
    for (const name of ['jd-structure', ...MOUNTERS]) {
      const lines = (files: Map<string, string>, file: string) => (files.get(file) ?? '').split('\n');
      const changedLines = (file: string) => lines(before, file).filter((line, i) => line !== lines(after, file)[i]).length;
      expect(changedLines(`helm/emm-${env}/templates/${name}.yaml`)).toBe(changedLines(`manifests/emm/${env}/${name}.yaml`));
    }
  });
});

test('where the file lives does not matter: the copy renders what apps/jd.yaml renders', () => {
  const fromApps = synthesize([emmApp()], { outdir: path.join(tmp.root, 'out-apps') }).environments.flatMap((e) => e.objects);
  const copy = synthesize([emmApp(tmp.write('copy/jd.yaml', JD_YAML))], { outdir: path.join(tmp.root, 'out-copy') }).environments.flatMap((e) => e.objects);
  expect(copy).toEqual(fromApps);
});
