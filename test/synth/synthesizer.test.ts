import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import {
  AgentMicroservice, type AgentAppDefinition, Environments, type IOutputWriter, McpToolService,
  OUTPUT_MARKER, renderApps, synthesize,
} from '../../lib';
import { manifestFiles, prerequisiteFiles } from '../../lib/synth/synthesizer';
import { synthesisErrorOf } from '../helpers/synth';
import { expectValidManifests } from '../validation';
import { nonEmpty } from '../helpers/lists';

const IMAGE = 'ghcr.io/acme/agent:1.0.0';

/** An app with one agent and one tool, in dev and prod. The tool is created after the agent. */
const agents: AgentAppDefinition = {
  name: 'agents',
  environments: [Environments.dev({ namespace: 'agents' }), Environments.prod({ namespace: 'agents' })],
  build: (platform) => {
    const planner = new AgentMicroservice(platform, 'planner', { image: IMAGE });
    const search = new McpToolService(platform, 'search', { image: 'ghcr.io/acme/search:1.0.0' });
    planner.addTool(search);
  },
};

const evaluation: AgentAppDefinition = {
  name: 'evaluation',
  environments: [Environments.prod({ namespace: 'evaluation' })],
  build: (platform) => {
    new AgentMicroservice(platform, 'evaluation-service', { image: 'ghcr.io/acme/evaluation-service:1.2.0', port: 5002 });
  },
};

/** Valid everywhere but production (a latest image). */
const badInProd: AgentAppDefinition = {
  name: 'bad',
  environments: [Environments.dev({ namespace: 'bad' }), Environments.prod({ namespace: 'bad' })],
  build: (platform) => {
    new AgentMicroservice(platform, 'agent', { image: 'ghcr.io/acme/agent:latest' });
  },
};

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-synth-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** Every file below `dir` but the output marker, relative, with `/` separators, sorted. */
function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !(e.name === OUTPUT_MARKER && path.resolve(e.parentPath) === path.resolve(dir)))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** sha256 of every file below `dir`, by relative path. */
function hashTree(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex')]));
}

describe('synthesize() output', () => {
  test('writes manifests/<app>/<env>/*.yaml, exactly the files manifestFiles() lists, with valid objects, and PREREQUISITES.md next to them', () => {
    // WHEN
    const outdir = path.join(root, 'out');
    const report = synthesize([agents, evaluation], { outdir });
    // THEN the files on disk are the rendered ones and the prerequisites of each environment
    const expected = new Map([...manifestFiles(report.environments), ...prerequisiteFiles(report.environments)]);
    expect(listFiles(outdir)).toEqual([...expected.keys()].sort());
    expect(listFiles(outdir)).toEqual([
      'manifests/agents/dev/00-namespace.yaml',
      'manifests/agents/dev/PREREQUISITES.md',
      'manifests/agents/dev/planner.yaml',
      'manifests/agents/dev/search.yaml',
      'manifests/agents/prod/00-namespace.yaml',
      'manifests/agents/prod/PREREQUISITES.md',
      'manifests/agents/prod/planner.yaml',
      'manifests/agents/prod/search.yaml',
      'manifests/evaluation/prod/00-namespace.yaml',
      'manifests/evaluation/prod/PREREQUISITES.md',
      'manifests/evaluation/prod/evaluation-service.yaml',
    ]);
    for (const [relative, content] of expected) {
      expect(fs.readFileSync(path.join(outdir, relative), 'utf8')).toBe(content);
    }
    // AND every rendered object passes the strict validation
    for (const env of nonEmpty(report.environments)) {
      expectValidManifests(env.objects);
    }
  });

  test('each file parses to exactly the rendered objects of its construct', () => {
    const outdir = path.join(root, 'out');
    const report = synthesize([agents], { outdir });
    for (const env of nonEmpty(report.environments)) {
      for (const file of nonEmpty(env.files)) {
        // WHEN the file is read back as YAML
        const text = fs.readFileSync(path.join(outdir, 'manifests', env.app, env.environment, file.fileName), 'utf8');
        const documents = parseAllDocuments(text);
        // THEN it has no YAML error and holds the objects, in order
        expect(Array.isArray(documents)).toBe(true);
        const docs = documents as Exclude<typeof documents, { empty: true }>;
        expect(docs.flatMap((d) => d.errors)).toEqual([]);
        expect(docs.map((d) => d.toJS())).toEqual(JSON.parse(JSON.stringify(file.objects)));
      }
    }
  });

  test('the report counts environments, files and objects', () => {
    const report = synthesize([agents, evaluation], { outdir: path.join(root, 'out') });
    expect(report.outdir).toBe(path.join(root, 'out'));
    expect(report.environments.map((e) => `${e.app}/${e.environment}`)).toEqual(['agents/dev', 'agents/prod', 'evaluation/prod']);
    expect(report.fileCount).toBe(11);
    expect(report.prerequisites.map((p) => `${p.app}/${p.environment}`)).toEqual(['agents/dev', 'agents/prod', 'evaluation/prod']);
    expect(report.objectCount).toBe(report.environments.reduce((n, e) => n + e.files.reduce((m, f) => m + f.objects.length, 0), 0));
    for (const env of report.environments) {
      expect(env.objects).toEqual(env.files.flatMap((f) => f.objects));
    }
  });

  test('00-namespace.yaml comes first and holds the namespace guard rails', () => {
    const [prod] = renderApps([evaluation]);
    expect(prod.files[0].fileName).toBe('00-namespace.yaml');
    expect(prod.files[0].objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/evaluation', 'ResourceQuota/workloads', 'LimitRange/container-defaults', 'NetworkPolicy/default-deny',
    ]);
  });

  test('dependencies first: a tool wired to an agent is written before the agent, though created after it', () => {
    for (const env of nonEmpty(renderApps([agents]))) {
      expect(env.files.map((f) => f.fileName)).toEqual(['00-namespace.yaml', 'search.yaml', 'planner.yaml']);
    }
  });

  test('an agent calling another one is written after it', () => {
    const app: AgentAppDefinition = {
      name: 'chain',
      environments: [Environments.prod({ namespace: 'chain' })],
      build: (platform) => {
        const planner = new AgentMicroservice(platform, 'planner', { image: IMAGE });
        const executor = new AgentMicroservice(platform, 'executor', { image: IMAGE });
        planner.callAgent(executor);
      },
    };
    expect(renderApps([app])[0].files.map((f) => f.fileName)).toEqual(['00-namespace.yaml', 'executor.yaml', 'planner.yaml']);
  });

  test('writers add their files next to the manifests', () => {
    const writer: IOutputWriter = {
      files: (environments) => new Map([['index.txt', environments.map((e) => `${e.app}/${e.environment}`).join('\n')]]),
    };
    const outdir = path.join(root, 'out');
    const report = synthesize([evaluation], { outdir, writers: [writer] });
    expect(fs.readFileSync(path.join(outdir, 'index.txt'), 'utf8')).toBe('evaluation/prod');
    expect(report.fileCount).toBe(4);
  });

  test('a second synthesis replaces the folder: files of a removed app are gone, no staging folder is left', () => {
    const outdir = path.join(root, 'out');
    synthesize([agents, evaluation], { outdir });
    fs.writeFileSync(path.join(outdir, 'stray.txt'), 'left by hand');
    // WHEN the evaluation app is dropped
    synthesize([agents], { outdir });
    // THEN
    expect(listFiles(outdir).filter((f) => !f.startsWith('manifests/agents/'))).toEqual([]);
    expect(fs.readdirSync(root)).toEqual(['out']);
  });
});

describe('synthesize() failures', () => {
  test('one bad app among good ones: SynthesisError, the previous output byte for byte untouched, no staging folder', () => {
    // GIVEN a previous good synthesis
    const outdir = path.join(root, 'out');
    synthesize([agents, evaluation], { outdir });
    const before = hashTree(outdir);
    expect(Object.keys(before)).toHaveLength(11);
    // WHEN the next one has a bad app
    const error = synthesisErrorOf(() => synthesize([agents, badInProd, evaluation], { outdir }));
    // THEN it names the problem and writes nothing
    expect(error.message.startsWith('cdk8s-agents found 1 problem; nothing was written:\n')).toBe(true);
    expect(error.problems).toEqual([expect.stringMatching(/^\[bad-prod\/agent\] image: uses the mutable tag "latest"/)]);
    expect(hashTree(outdir)).toEqual(before);
    expect(fs.readdirSync(root)).toEqual(['out']);
  });

  test('a failing first synthesis creates no output folder at all', () => {
    const outdir = path.join(root, 'out');
    synthesisErrorOf(() => synthesize([badInProd], { outdir }));
    expect(fs.readdirSync(root)).toEqual([]);
  });

  test('an exception thrown while building an app is reported as a problem naming [app/env], with the other problems', () => {
    // GIVEN an app whose build throws in prod only
    const throwing: AgentAppDefinition = {
      name: 'throwing',
      environments: [Environments.dev({ namespace: 'throwing' }), Environments.prod({ namespace: 'throwing' })],
      build: (platform) => {
        if (platform.environment.name === 'prod') {
          throw new Error('model registry unreachable');
        }
        new AgentMicroservice(platform, 'agent', { image: IMAGE });
      },
    };
    const outdir = path.join(root, 'out');
    // WHEN
    const error = synthesisErrorOf(() => synthesize([throwing, badInProd, agents], { outdir }));
    // THEN both problems are listed and nothing is written
    expect(error.problems).toEqual([
      '[throwing/prod] model registry unreachable',
      expect.stringMatching(/^\[bad-prod\/agent\] image: /),
    ]);
    expect(error.message.startsWith('cdk8s-agents found 2 problems; nothing was written:\n')).toBe(true);
    expect(fs.existsSync(outdir)).toBe(false);
  });

  // Two workloads with one name would share every object name; the second must be refused, not
  // written over the first.
  test('two workloads with the same name in one platform are refused, not silently overwritten', () => {
    const duplicate: AgentAppDefinition = {
      name: 'dup',
      environments: [Environments.prod({ namespace: 'dup' })],
      build: (platform) => {
        new AgentMicroservice(platform, 'first', { image: 'ghcr.io/acme/first:1.0.0', name: 'x' });
        new AgentMicroservice(platform, 'second', { image: 'ghcr.io/acme/second:1.0.0', name: 'x' });
      },
    };
    const error = synthesisErrorOf(() => synthesize([duplicate], { outdir: path.join(root, 'out') }));
    expect(error.problems).toEqual([expect.stringMatching(/^\[dup-prod\/(first|second)\] name: .*"x"/)]);
    expect(fs.existsSync(path.join(root, 'out'))).toBe(false);
  });

  test('a thrown non-Error value is reported too', () => {
    const app: AgentAppDefinition = {
      name: 'odd',
      environments: [Environments.prod({ namespace: 'odd' })],
      build: () => {
        throw 'plain string';
      },
    };
    expect(synthesisErrorOf(() => renderApps([app])).problems).toEqual(['[odd/prod] plain string']);
  });
});
