import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigFile, MAX_CONFIG_MAP_BYTES } from '../../lib';
import { problemsOfFile, problemsOfFiles, TempFolder } from './helpers';

/**
 * ConfigFile (issue 16, item 1): what a file or inline content becomes, and every refusal with
 * its message. Files are read when the ConfigFile is created; problems are reported by the
 * ConfigFiles map that holds the file (here `[test/cfg]`), with all other problems of the app.
 */

/** The fs module itself (the `import * as` view of it has fixed getters a spy cannot replace; the library's view reads through to it). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeFs = require('fs') as typeof fs;

const tmp = new TempFolder();
afterAll(() => tmp.cleanUp());

const SECRET_FIX = 'A ConfigMap is stored unencrypted, readable by anyone who may read the namespace, and committed to Git with the manifests. Declare it as a SecretSource';

describe('reading a file', () => {
  test('a UTF-8 file is text under its base name, read once, byte for byte (BOM, CRLF and a missing final newline kept)', () => {
    const content = '\ufeffareas:\r\n  - id: "10-19"\r\n    name: Ädministration';
    const file = ConfigFile.fromFile(tmp.write('jd.yaml', content));
    expect([file.key, file.text, file.binary, file.sizeBytes]).toEqual(['jd.yaml', content, false, Buffer.byteLength(content)]);
    expect(file.source).toBe(`file ${path.join(tmp.root, 'jd.yaml')}`);
    expect(problemsOfFile(file)).toEqual([]);
  });

  test('key: another name in the map', () => {
    expect(ConfigFile.fromFile(tmp.write('structure.yml', 'x: 1\n'), { key: 'jd.yaml' }).key).toBe('jd.yaml');
  });

  test('content that is not UTF-8 is binary: base64 in binaryData, its raw bytes counted', () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]);
    const file = ConfigFile.fromFile(tmp.write('logo.png', bytes));
    expect([file.binary, file.text, file.sizeBytes, file._content]).toEqual([true, undefined, 10, { base64: bytes.toString('base64') }]);
  });

  test('a file changed after the ConfigFile was created does not change it', () => {
    const where = tmp.write('late.yaml', 'a: 1\n');
    const file = ConfigFile.fromFile(where);
    fs.writeFileSync(where, 'a: 2\n');
    expect(file.text).toBe('a: 1\n');
  });
});

describe('refusals of a file that cannot be used, each with the path, the reason and the fix', () => {
  test('a missing file', () => {
    const where = path.join(tmp.root, 'nope.yaml');
    expect(problemsOfFile(ConfigFile.fromFile(where))).toEqual([
      `[test/cfg] files[0].path: does not exist: check the path (files are read when the ConfigFile is created; build it from __dirname, e.g. path.join(__dirname, "jd.yaml")) (got ${JSON.stringify(where)})`,
    ]);
  });

  test('a relative path (it would depend on the folder synth runs in); nothing is read', () => {
    const read = jest.spyOn(nodeFs, 'readFileSync');
    try {
      expect(problemsOfFile(ConfigFile.fromFile('apps/jd.yaml'))).toEqual([
        '[test/cfg] files[0].path: must be an absolute path: a relative one would be read from whatever folder synth runs in. Use path.join(__dirname, "apps/jd.yaml") (got "apps/jd.yaml")',
      ]);
      expect(read).not.toHaveBeenCalled();
    } finally {
      read.mockRestore();
    }
  });

  test('no path at all', () => {
    expect(problemsOfFile(ConfigFile.fromFile(undefined as unknown as string))).toEqual([
      '[test/cfg] files[0].path: must be the path of a file, e.g. path.join(__dirname, "jd.yaml") (got undefined)',
    ]);
  });

  test('a folder', () => {
    expect(problemsOfFile(ConfigFile.fromFile(tmp.root))).toEqual([
      `[test/cfg] files[0].path: is a folder: name one file (one ConfigFile per file; a ConfigFiles map holds several) (got ${JSON.stringify(tmp.root)})`,
    ]);
  });

  test('a FIFO (reading it would block synth)', () => {
    const fifo = path.join(tmp.root, 'pipe');
    execFileSync('mkfifo', [fifo]);
    expect(problemsOfFile(ConfigFile.fromFile(fifo))).toEqual([
      `[test/cfg] files[0].path: is not a regular file (a device, FIFO or socket): name a file of the app's source tree (got ${JSON.stringify(fifo)})`,
    ]);
  });

  test('a path through a file', () => {
    const where = `${tmp.write('plain.txt', 'x')}/jd.yaml`;
    expect(problemsOfFile(ConfigFile.fromFile(where))).toEqual([`[test/cfg] files[0].path: does not exist: a part of the path is a file, not a folder (got ${JSON.stringify(where)})`]);
  });

  test('a symbolic link loop', () => {
    const a = path.join(tmp.root, 'loop-a');
    fs.symlinkSync(path.join(tmp.root, 'loop-b'), a);
    fs.symlinkSync(a, path.join(tmp.root, 'loop-b'));
    expect(problemsOfFile(ConfigFile.fromFile(a))).toEqual([`[test/cfg] files[0].path: cannot be read: too many levels of symbolic links (got ${JSON.stringify(a)})`]);
  });

  test('a file the user running synth may not read (simulated: these tests may run as root, who reads everything)', () => {
    const where = tmp.write('secretive.yaml', 'x: 1\n');
    const read = jest.spyOn(nodeFs, 'readFileSync').mockImplementation(() => {
      throw Object.assign(new Error(`EACCES: permission denied, open '${where}'`), { code: 'EACCES' });
    });
    try {
      expect(problemsOfFile(ConfigFile.fromFile(where))).toEqual([
        `[test/cfg] files[0].path: cannot be read: permission denied (give the user running synth read access) (got ${JSON.stringify(where)})`,
      ]);
    } finally {
      read.mockRestore();
    }
  });

  test('a file above 1 MiB is refused before it is read; exactly 1 MiB is accepted', () => {
    const exact = ConfigFile.fromFile(tmp.write('exact.txt', 'x'.repeat(MAX_CONFIG_MAP_BYTES)));
    expect([exact.sizeBytes, problemsOfFile(exact)]).toEqual([1048576, []]);
    const where = tmp.write('big.txt', 'x'.repeat(MAX_CONFIG_MAP_BYTES + 1));
    const read = jest.spyOn(nodeFs, 'readFileSync');
    try {
      expect(problemsOfFile(ConfigFile.fromFile(where))).toEqual([
        `[test/cfg] files[0].path: holds 1048577 bytes; a ConfigMap holds at most 1048576 bytes (1 MiB) of data: ship a file this large in the image or on a volume (got ${JSON.stringify(where)})`,
      ]);
      expect(read).not.toHaveBeenCalled();
    } finally {
      read.mockRestore();
    }
  });

  test('a file name that is not a ConfigMap key says how to give one', () => {
    const where = tmp.write('my jd.yaml', 'x: 1\n');
    expect(problemsOfFile(ConfigFile.fromFile(where))).toEqual([
      '[test/cfg] files[0].key: must be a Secret or ConfigMap key: letters, digits, "-", "_" and ".", at most 253 characters, not "." or ".." and not starting with ".." (e.g. "password"); the file\'s name is the key unless you give one: ConfigFile.fromFile(path, { key: "app.yaml" }) (got "my jd.yaml")',
    ]);
    expect(problemsOfFile(ConfigFile.fromFile(where, { key: 'jd.yaml' }))).toEqual([]);
  });

  test('unknown options', () => {
    expect(problemsOfFile(ConfigFile.fromFile(tmp.write('o.yaml', 'x'), { kee: 'x' } as never))).toEqual(['[test/cfg] files[0].kee: unknown field "kee"; allowed fields here: key']);
  });
});

describe('inline content', () => {
  test('a string is text; bytes are text when they are UTF-8, else binary', () => {
    expect(ConfigFile.fromContent('a.txt', 'héllo').text).toBe('héllo');
    expect(ConfigFile.fromContent('b.txt', Buffer.from('héllo')).text).toBe('héllo');
    expect(ConfigFile.fromContent('c.bin', new Uint8Array([0xc3, 0x28])).binary).toBe(true);
    expect(ConfigFile.fromContent('a.txt', 'héllo').sizeBytes).toBe(6);
  });

  test('refusals: an invalid key, a lone surrogate, not a string or bytes', () => {
    expect(problemsOfFile(ConfigFile.fromContent('conf/app.yaml', 'x'))).toEqual([
      '[test/cfg] files[0].key: must be a Secret or ConfigMap key: letters, digits, "-", "_" and ".", at most 253 characters, not "." or ".." and not starting with ".." (e.g. "password") (got "conf/app.yaml")',
    ]);
    expect(problemsOfFile(ConfigFile.fromContent('a.txt', 'x\ud800'))).toEqual([
      '[test/cfg] files[0].content: is not well-formed Unicode (it holds a lone surrogate), so it has no UTF-8 form: pass the bytes (a Buffer) instead',
    ]);
    expect(problemsOfFile(ConfigFile.fromContent('a.txt', 42 as unknown as string))).toEqual(['[test/cfg] files[0].content: must be a string or bytes (a Buffer or Uint8Array) (got "42")']);
  });

  test('fromYaml and fromJson serialize objects (never hand-built text)', () => {
    expect(ConfigFile.fromYaml('app.yaml', { logLevel: 'info', retries: 3, hosts: ['a', 'b'] }).text).toBe('logLevel: info\nretries: 3\nhosts:\n  - a\n  - b\n');
    expect(ConfigFile.fromJson('app.json', { logLevel: 'info', retries: 3 }).text).toBe('{\n  "logLevel": "info",\n  "retries": 3\n}\n');
  });

  test('fromYaml and fromJson refuse what has no form in the format', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(problemsOfFile(ConfigFile.fromYaml('a.yaml', 3))).toEqual(['[test/cfg] files[0].value: must be an object or a list to serialize as YAML (got 3)']);
    expect(problemsOfFile(ConfigFile.fromJson('a.json', cycle))).toEqual(['[test/cfg] files[0].value: cannot be serialized as JSON: Converting circular structure to JSON (got {"self":[circular]})']);
    expect(problemsOfFile(ConfigFile.fromYaml('a.yaml', { when: new Date(0) }))).toEqual(['[test/cfg] files[0].value: cannot be serialized as YAML: toYaml: cannot serialize an instance of Date at $.when (got {"when":Date {}})']);
  });
});

describe('secret-looking files are refused, naming the rule, never the secret; the fix is a SecretSource', () => {
  const refusal = (field: string, rule: string, key: string, got: string) =>
    `[test/cfg] files[0].${field}: looks like a secret: ${rule}. ${SECRET_FIX} (new SecretSource(scope, 'name', { keys: ['${key}'] })) and mount it with addVolume(PodVolume.fromSecret(secret), { mountPath }) (got ${JSON.stringify(got)})`;

  test.each([
    ['.env', 'a dotenv file (".env", ".env.*" or "*.env")'],
    ['.env.production', 'a dotenv file (".env", ".env.*" or "*.env")'],
    ['prod.env', 'a dotenv file (".env", ".env.*" or "*.env")'],
    ['id_ed25519', 'a private key or keystore file (id_rsa, id_dsa, id_ecdsa, id_ed25519, *.key, *.p12, *.pfx, *.jks, *.keystore, *.ppk)'],
    ['tls.key', 'a private key or keystore file (id_rsa, id_dsa, id_ecdsa, id_ed25519, *.key, *.p12, *.pfx, *.jks, *.keystore, *.ppk)'],
    ['client.p12', 'a private key or keystore file (id_rsa, id_dsa, id_ecdsa, id_ed25519, *.key, *.p12, *.pfx, *.jks, *.keystore, *.ppk)'],
    ['credentials', 'a credentials file (credentials, credentials.*, .netrc, .pgpass, .htpasswd, .git-credentials, kubeconfig, *.kubeconfig)'],
    ['credentials.json', 'a credentials file (credentials, credentials.*, .netrc, .pgpass, .htpasswd, .git-credentials, kubeconfig, *.kubeconfig)'],
    ['.netrc', 'a credentials file (credentials, credentials.*, .netrc, .pgpass, .htpasswd, .git-credentials, kubeconfig, *.kubeconfig)'],
    ['prod.kubeconfig', 'a credentials file (credentials, credentials.*, .netrc, .pgpass, .htpasswd, .git-credentials, kubeconfig, *.kubeconfig)'],
  ])('by name: %s', (name, rule) => {
    // The content is harmless: the name alone decides.
    const where = tmp.write(`names/${name}`, 'LOG_LEVEL=info\n');
    expect(problemsOfFile(ConfigFile.fromFile(where))).toEqual([refusal('path', `${JSON.stringify(name)} is ${rule}`, name, where)]);
  });

  test('by name, under a harmless key: the file\'s own name still counts', () => {
    const where = tmp.write('keys/.env', 'LOG_LEVEL=info\n');
    expect(problemsOfFile(ConfigFile.fromFile(where, { key: 'settings.conf' }))).toEqual([refusal('path', '".env" is a dotenv file (".env", ".env.*" or "*.env")', 'settings.conf', where)]);
  });

  test.each([
    ['a PEM private key, also inside JSON', 'sa.json', '{\n  "type": "service_account",\n  "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE...\\n-----END PRIVATE KEY-----\\n"\n}\n', 'line 3 holds a PEM private key ("-----BEGIN ... PRIVATE KEY-----")'],
    ['an OpenSSH private key', 'deploy', 'x\ny\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n', 'line 3 holds a PEM private key ("-----BEGIN ... PRIVATE KEY-----")'],
    ['a dotenv assignment under another name', 'app.conf', 'LOG_LEVEL=info\nexport OPENAI_API_KEY="sk-abc"\n', 'line 2 holds an assignment to a secret-looking variable (*_PASSWORD=, *_TOKEN=, *_API_KEY=, *_SECRET=...)'],
    ['a password assignment', 'settings.sh', 'DB_PASSWORD=hunter2\n', 'line 1 holds an assignment to a secret-looking variable (*_PASSWORD=, *_TOKEN=, *_API_KEY=, *_SECRET=...)'],
    ['an AWS access key id', 'aws.yaml', 'region: eu-west-1\naccessKeyId: AKIAIOSFODNN7EXAMPLE\n', 'line 2 holds an access token of a well-known format (AWS, GitHub, Slack, OpenAI, Anthropic, Google)'],
    ['a GitHub token', 'gh.yaml', `token: ghp_${'a1B2'.repeat(9)}\n`, 'line 1 holds an access token of a well-known format (AWS, GitHub, Slack, OpenAI, Anthropic, Google)'],
    ['a Slack webhook', 'alerts.yaml', 'url: https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnopqrstuvwx\n', 'line 1 holds an access token of a well-known format (AWS, GitHub, Slack, OpenAI, Anthropic, Google)'],
  ])('by content: %s', (_what, key, content, rule) => {
    expect(problemsOfFile(ConfigFile.fromContent(key, content))).toEqual([refusal('content', rule, key, key)]);
  });

  test.each([
    ['a CA certificate bundle', 'ca.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
    ['a public SSH key', 'id_ed25519.pub', 'ssh-ed25519 AAAAC3Nza user@host\n'],
    ['settings that name secrets without holding them', 'app.env.example.yaml', 'passwordFile: /run/secrets/db\nOPENAI_API_KEY_FILE=/run/secrets/openai\nDB_PASSWORD=\n'],
    ['a YAML key named password with a reference', 'grafana.ini', '[security]\nadmin_password = $__file{/etc/secrets/admin}\n'],
    ['the Johnny.Decimal structure of the emm app', 'jd.yaml', fs.readFileSync(path.join(__dirname, '..', '..', 'apps', 'jd.yaml'), 'utf8')],
  ])('not refused: %s', (_what, key, content) => {
    expect(problemsOfFile(ConfigFile.fromContent(key, content))).toEqual([]);
  });
});

describe('the map holding the files', () => {
  test('two files under one key: the second is refused, naming the first', () => {
    const where = tmp.write('dup/a.yaml', 'y');
    expect(problemsOfFiles([ConfigFile.fromContent('a.yaml', 'x'), ConfigFile.fromFile(where)])).toEqual([
      '[test/cfg] files[1].key: is already the key of another file of the map (inline content); a key names one file: give one of them another key (ConfigFile.fromFile(path, { key: "other.yaml" })) (got "a.yaml")',
    ]);
  });

  test('files of at most 1 MiB each, more than 1 MiB together', () => {
    const half = 'x'.repeat(600_000);
    expect(problemsOfFiles([ConfigFile.fromContent('a.txt', half), ConfigFile.fromContent('b.txt', half), ConfigFile.fromContent('c.txt', 'x')])).toEqual([
      '[test/cfg] files: hold more data than Kubernetes accepts in one ConfigMap, 1048576 bytes (1 MiB; largest files in bytes: a.txt 600000, b.txt 600000, c.txt 1): split them into several ConfigFiles, or ship large files in the image or on a volume (got "1200001 bytes")',
    ]);
    // exactly 1 MiB together is accepted, keys not counted
    expect(problemsOfFiles([ConfigFile.fromContent('a.txt', 'x'.repeat(MAX_CONFIG_MAP_BYTES - 3)), ConfigFile.fromContent('b.bin', Buffer.from([0xff, 0xfe, 0xfd]))])).toEqual([]);
  });

  test('no files, something else than a ConfigFile, an invalid name', () => {
    expect(problemsOfFiles([])).toEqual(['[test/cfg] files: must list at least one ConfigFile (ConfigFile.fromFile(), .fromContent(), .fromYaml() or .fromJson()) (got [])']);
    expect(problemsOfFiles([{ key: 'x' } as unknown as ConfigFile])).toEqual([
      '[test/cfg] files[0]: must be a ConfigFile (ConfigFile.fromFile(), .fromContent(), .fromYaml() or .fromJson()), not a plain object (got {"key":"x"})',
    ]);
    expect(problemsOfFiles([ConfigFile.fromContent('a', 'x')], { name: 'JD_Structure' })).toEqual([
      '[test/cfg] name: must be a DNS-1035 label: lowercase letters, digits and "-", starting with a letter and ending with a letter or digit (e.g. "jd-classifier") (got "JD_Structure")',
    ]);
    expect(problemsOfFiles([ConfigFile.fromContent('a', 'x')], { name: 'x'.repeat(57) })[0]).toContain('name: must be at most 56 characters');
  });

  test('every problem of every file at once', () => {
    const problems = problemsOfFiles([ConfigFile.fromFile('jd.yaml'), ConfigFile.fromContent('.env', 'A=1'), ConfigFile.fromContent('bad key', 'x')]);
    expect(problems.map((p) => p.split(':')[0])).toEqual(['[test/cfg] files[0].path', '[test/cfg] files[1].content', '[test/cfg] files[2].key']);
  });
});
