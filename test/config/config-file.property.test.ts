import fc from 'fast-check';
import { AgentMicroservice, ConfigFile, ConfigFiles, type KubeObject } from '../../lib';
import { at, synth } from '../helpers/synth';
import { problemsOfFile } from './helpers';

/**
 * Property tests of ConfigFile (fast-check prints the seed and the shrunk input of a failure;
 * `fc.assert(..., { seed, path })` replays it).
 */

const RUNS = { numRuns: 150 };

/** Kubernetes' rule for a ConfigMap key (IsConfigMapKey), written out here as the oracle. */
const isConfigMapKey = (key: string) => key.length > 0 && key.length <= 253 && /^[-._a-zA-Z0-9]+$/.test(key) && key !== '.' && !key.startsWith('..');
/** Names the secret-file rules refuse whatever the content (dotenv files, keys and keystores, credentials files). */
const isSecretName = (key: string) => /(^|\.)env(\.|$)|\.(key|p12|pfx|jks|keystore|ppk|kubeconfig)$|^id_(rsa|dsa|ecdsa|ed25519)$|^credentials(\.|$)|^(\.netrc|_netrc|\.pgpass|\.htpasswd|\.git-credentials|kubeconfig)$/i.test(key);

describe('keys', () => {
  const keys = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.string({ unit: fc.constantFrom(...'ab.-_Z9/ '), maxLength: 10 }),
    fc.stringMatching(/^[-._a-zA-Z0-9]{1,20}$/),
    fc.stringMatching(/^[a-z]{250,256}$/),
  );

  test('accepted iff a valid ConfigMap key; a refused key is one problem naming the field and the key', () => {
    fc.assert(fc.property(keys.filter((k) => !isSecretName(k)), (key) => {
      const problems = problemsOfFile(ConfigFile.fromContent(key, 'x: 1\n'));
      if (isConfigMapKey(key)) {
        expect(problems).toEqual([]);
      } else {
        expect(problems).toHaveLength(1);
        expect(problems[0].startsWith('[test/cfg] files[0].key: must be a Secret or ConfigMap key')).toBe(true);
        expect(problems[0].endsWith(`(got ${JSON.stringify(key)})`) || JSON.stringify(key).length > 100).toBe(true);
      }
    }), RUNS);
  });
});

describe('content', () => {
  /** The bytes a pod reads from the rendered ConfigMap. */
  function mountedBytes(map: KubeObject, key: string): Buffer {
    const text = (at(map, 'data') as Record<string, string> | undefined)?.[key];
    const binary = (at(map, 'binaryData') as Record<string, string> | undefined)?.[key];
    return text !== undefined ? Buffer.from(text, 'utf8') : Buffer.from(binary ?? '', 'base64');
  }

  const render = (bytes: Uint8Array) => synth((p) => {
    const files = new ConfigFiles(p, 'files', { files: [ConfigFile.fromContent('blob', bytes)] });
    new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0', configFiles: [{ files, mountPath: '/etc/files' }] });
  });

  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.string({ unit: 'binary', maxLength: 32 }).map((s) => Buffer.from(s, 'utf8')),
  );

  test('any bytes reach the pod unchanged: text exactly when they are UTF-8, binaryData otherwise, sized as Kubernetes counts', () => {
    fc.assert(fc.property(bytes, (content) => {
      const file = ConfigFile.fromContent('blob', content);
      const isUtf8 = Buffer.from(Buffer.from(content).toString('utf8'), 'utf8').equals(Buffer.from(content));
      expect(file.binary).toBe(!isUtf8);
      expect(file.sizeBytes).toBe(content.length);
      const map = render(content).get('ConfigMap', 'files');
      expect(mountedBytes(map, 'blob').equals(Buffer.from(content))).toBe(true);
    }), { numRuns: 60 });
  });

  test('the pod-template hash changes exactly when the bytes change', () => {
    const hash = (content: Uint8Array) => (at(render(content).get('Deployment', 'agent'), 'spec.template.metadata.annotations') as Record<string, string>)['checksum/config-files'];
    // b is a copy of a in about a third of the runs
    const pairs = fc.tuple(bytes, fc.option(bytes, { freq: 3 })).map(([a, b]) => [a, b ?? Buffer.from(a)] as const);
    fc.assert(fc.property(pairs, ([a, b]) => {
      expect(hash(a) === hash(b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
    }), { numRuns: 40 });
  });
});
