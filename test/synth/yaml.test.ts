import { parse, parseAllDocuments } from 'yaml';
import { toYaml, toYamlDocuments } from '../../lib/synth/yaml';

/** Parses with both YAML 1.2 (core schema) and YAML 1.1 rules. */
function readBoth(text: string): [unknown, unknown] {
  return [parse(text), parse(text, { version: '1.1' })];
}

describe('toYaml layout', () => {
  test('a Deployment-like object', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'agent-planner',
        namespace: 'agents',
        labels: {
          'app.kubernetes.io/name': 'planner',
          'app.kubernetes.io/version': '1.2.3',
          'app.kubernetes.io/managed-by': 'cdk8s',
        },
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'planner' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'planner' } },
          spec: {
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'app',
                image: 'ghcr.io/acme/agent:1.2.3',
                args: ['--port', '8080', '--verbose'],
                env: [
                  { name: 'REDIS_URL', value: 'redis://redis.agents.svc:6379/0' },
                  { name: 'DEBUG', value: 'no' },
                ],
                ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 10 },
                resources: {
                  limits: { cpu: '500m', memory: '256Mi', 'nvidia.com/gpu': 1 },
                  requests: { cpu: '0.25', memory: '128Mi' },
                },
                securityContext: { runAsNonRoot: true, runAsUser: 1000, capabilities: { drop: ['ALL'] } },
              },
            ],
            volumes: [{ name: 'cache', emptyDir: {} }],
            tolerations: [],
          },
        },
      },
    };
    const expected = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent-planner
  namespace: agents
  labels:
    app.kubernetes.io/name: planner
    app.kubernetes.io/version: "1.2.3"
    app.kubernetes.io/managed-by: cdk8s
  annotations:
    prometheus.io/scrape: "true"
    prometheus.io/port: "9090"
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: planner
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: "25%"
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: planner
    spec:
      automountServiceAccountToken: false
      containers:
        - name: app
          image: ghcr.io/acme/agent:1.2.3
          args:
            - "--port"
            - "8080"
            - "--verbose"
          env:
            - name: REDIS_URL
              value: redis://redis.agents.svc:6379/0
            - name: DEBUG
              value: "no"
          ports:
            - containerPort: 8080
              name: http
              protocol: TCP
          readinessProbe:
            httpGet:
              path: /health
              port: http
            periodSeconds: 10
          resources:
            limits:
              cpu: 500m
              memory: 256Mi
              nvidia.com/gpu: 1
            requests:
              cpu: "0.25"
              memory: 128Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 1000
            capabilities:
              drop:
                - ALL
      volumes:
        - name: cache
          emptyDir: {}
      tolerations: []
`;
    const out = toYaml(deployment);
    expect(out).toBe(expected);
    expect(readBoth(out)).toEqual([deployment, deployment]);
  });

  test('keeps insertion order and never sorts keys', () => {
    expect(toYaml({ zeta: 1, alpha: 2, mid: { b: 1, a: 2 } })).toBe('zeta: 1\nalpha: 2\nmid:\n  b: 1\n  a: 2\n');
  });

  test('nested sequences', () => {
    const value = { matrix: [[1, 2], [], [[3], ['a', { k: 'v', l: [true] }]], [{}], [[]]] };
    const expected = `matrix:
  - - 1
    - 2
  - []
  - - - 3
    - - a
      - k: v
        l:
          - true
  - - {}
  - - []
`;
    expect(toYaml(value)).toBe(expected);
    expect(readBoth(expected)).toEqual([value, value]);
  });

  test('top-level values', () => {
    expect(toYaml({})).toBe('{}\n');
    expect(toYaml([])).toBe('[]\n');
    expect(toYaml(null)).toBe('null\n');
    expect(toYaml(true)).toBe('true\n');
    expect(toYaml(42)).toBe('42\n');
    expect(toYaml('plain')).toBe('plain\n');
    expect(toYaml('yes')).toBe('"yes"\n');
    expect(toYaml([1, 'a', null])).toBe('- 1\n- a\n- null\n');
    expect(toYaml([{ a: 1, b: 2 }, { c: 3 }])).toBe('- a: 1\n  b: 2\n- c: 3\n');
    // A top-level multi-line string is never a block scalar.
    expect(toYaml('a\nb\n')).toBe('"a\\nb\\n"\n');
  });

  test('empty containers and null', () => {
    const value = { a: {}, b: [], c: null, d: [{}, [], null], e: { f: {} } };
    const expected = 'a: {}\nb: []\nc: null\nd:\n  - {}\n  - []\n  - null\ne:\n  f: {}\n';
    expect(toYaml(value)).toBe(expected);
    expect(readBoth(expected)).toEqual([value, value]);
  });

  test('undefined-valued keys are skipped, like JSON.stringify', () => {
    expect(toYaml({ a: undefined, b: 1, c: { d: undefined } })).toBe('b: 1\nc: {}\n');
    expect(toYaml({ a: undefined })).toBe('{}\n');
    expect(toYaml([{ a: undefined }])).toBe('- {}\n');
  });

  test('a getter that calls toYaml itself does not disturb the outer document', () => {
    const inner = { get nested() { return toYaml({ x: 1 }); } };
    expect(toYaml({ a: 1, inner, b: 2 })).toBe('a: 1\ninner:\n  nested: |\n    x: 1\nb: 2\n');
  });

  test('a null-prototype object is a plain object', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.x = 'z';
    expect(toYaml({ o })).toBe('o:\n  x: z\n');
  });
});

describe('numbers', () => {
  test.each([
    [0, '0'],
    [-0, '0'],
    [7, '7'],
    [-12, '-12'],
    [0.5, '0.5'],
    [-1.25, '-1.25'],
    [1e21, '1.0e+21'],
    [-2.5e30, '-2.5e+30'],
    [1e-7, '1.0e-7'],
    [1.5e-7, '1.5e-7'],
    [5e-324, '5.0e-324'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    [1e20, '100000000000000000000'],
    [0.1 + 0.2, '0.30000000000000004'],
  ])('%p is written as %s', (n, text) => {
    expect(toYaml({ num: n })).toBe(`num: ${text}\n`);
    const [v12, v11] = readBoth(`num: ${text}\n`);
    expect(v12).toEqual({ num: Object.is(n, -0) ? 0 : n });
    expect(v11).toEqual({ num: Object.is(n, -0) ? 0 : n });
  });
});

describe('string quoting', () => {
  const mustQuote = [
    'on', 'On', 'ON', 'off', 'Off', 'OFF', 'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'y', 'Y', 'n', 'N',
    'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL', 'yEs', 'nUll', '~', '',
    '0', '7', '-7', '0777', '0o17', '0x1F', '0b101', '1e3', '1E3', '1.0e+3', '12:30', '190:20:30', '1_000',
    '.5', '5.', '+1', '-1', '1.2.3', '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '2024-01-01', '2001-12-14t21:59:43.10-05:00',
    '2001-12-14 21:59:43.10 -5', '=', '<<', ' lead', 'trail ', ' ', '-', '-x', '--port', '?', '?x', ':', ':x', ',', '[a]', ']', '{a}',
    '}', '#c', '&a', '*a', '!tag', '|', '>', "'q'", '"q"', '%d', '@x', '`x`', 'a: b', 'a #b', 'a\tb', 'key:', 'a\u0000b',
    'a\u0007b', 'a\u007fb', 'a\u0085b', 'a\u2028b', 'a\u2029b', '\ufeffa', 'a\ufffe', 'caf\u00e9', 'a\\b', 'a"b', 'a#b',
    'a[b]', 'a{b}', 'a|b', 'a>b', 'a*b', 'a&b', 'a!b', 'a%b', 'a?b', 'a~b', '0m', '1.5', '1.5e3', '1Gi ', '1 Gi', 'e0', 'E5', 'e+5', 'e-12',
  ];

  test.each(mustQuote.map((s) => [s]))('%j is double-quoted and reads back', (s) => {
    const text = toYaml({ v: s });
    expect(text.startsWith('v: "')).toBe(true);
    expect(text.endsWith('"\n')).toBe(true);
    expect(readBoth(text)).toEqual([{ v: s }, { v: s }]);
  });

  const staysPlain = [
    'nginx', 'app.kubernetes.io/name', 'ghcr.io/acme/agent:1.2.3', 'ghcr.io/acme/agent@sha256:abc123', '/health', '/',
    'RollingUpdate', '500m', '256Mi', '1Gi', '1.5Gi', '100Ki', 'v1', 'v1.2.3', 'apps/v1', 'http://svc.ns.svc:8080/path',
    'a b c', 'Hello, world (again)', "it's", 'key=value', 'a+b', 'a-b_c.d', 'NaN', 'Infinity', 'inf', 'nope', 'onion', 'yesterday',
    'Nullable', 'x:y', 'a :b', 'e', 'e1a', 'eon', 'exp5', 'TCP', 'IfNotPresent', 'ClusterIP', 'ReadWriteOnce', 'redis://redis.agents.svc:6379/0',
  ];

  test.each(staysPlain.map((s) => [s]))('%j stays plain', (s) => {
    const text = toYaml({ v: s });
    expect(text).toBe(`v: ${s}\n`);
    expect(readBoth(text)).toEqual([{ v: s }, { v: s }]);
  });

  test('escapes that JSON leaves raw are escaped for YAML', () => {
    expect(toYaml({ v: 'a\u0085b\u2028c\u2029d\u007fe\ufefff\uffff' })).toBe('v: "a\\u0085b\\u2028c\\u2029d\\u007fe\\ufefff\\uffff"\n');
    expect(toYaml({ v: 'tab\there\u0000\u001b' })).toBe('v: "tab\\there\\u0000\\u001b"\n');
    expect(toYaml({ v: 'lone \ud800 surrogate' })).toBe('v: "lone \\ud800 surrogate"\n');
    expect(toYaml({ v: 'emoji \u{1f600} ok' })).toBe('v: "emoji \u{1f600} ok"\n');
  });

  test('keys follow the same rules', () => {
    const value = {
      'app.kubernetes.io/name': 1,
      'prometheus.io/scrape': 2,
      'nvidia.com/gpu': 3,
      on: 4,
      y: 5,
      '8080': 6,
      '': 7,
      '<<': 8,
      '=': 9,
      'a: b': 10,
      '-x': 11,
      'multi\nline': 12,
      ' sp': 13,
      '~': 14,
    };
    const expected = `"8080": 6
app.kubernetes.io/name: 1
prometheus.io/scrape: 2
nvidia.com/gpu: 3
"on": 4
"y": 5
"": 7
"<<": 8
"=": 9
"a: b": 10
"-x": 11
"multi\\nline": 12
" sp": 13
"~": 14
`;
    expect(toYaml(value)).toBe(expected);
    expect(readBoth(expected)).toEqual([value, value]);
  });

  test('very long keys use the explicit key form', () => {
    const long = 'k'.repeat(1500);
    const value = { [long]: { a: 1 }, short: [{ [long]: 'v' }] };
    const text = toYaml(value);
    expect(text).toBe(`? ${long}\n:\n  a: 1\nshort:\n  - ? ${long}\n    : v\n`);
    expect(readBoth(text)).toEqual([value, value]);
  });
});

describe('multi-line strings', () => {
  const cases: Array<[string, string, string]> = [
    ['clip: one trailing newline', 'line1\nline2\n', 'v: |\n  line1\n  line2\n'],
    ['strip: no trailing newline', 'line1\nline2', 'v: |-\n  line1\n  line2\n'],
    // Helm trims every rendered manifest, so kept trailing blank lines (`|+`) at a document's end would be lost: quoted
    ['several trailing newlines are quoted', 'line1\nline2\n\n\n', 'v: "line1\\nline2\\n\\n\\n"\n'],
    ['leading space on the first line', '  indented\nnext\n', 'v: |2\n    indented\n  next\n'],
    ['leading space, strip', ' a\nb', 'v: |2-\n   a\n  b\n'],
    ['leading space, several trailing newlines: quoted', ' a\n\n', 'v: " a\\n\\n"\n'],
    ['leading empty line', '\nfoo', 'v: |2-\n\n  foo\n'],
    ['empty lines inside', 'a\n\n\nb\n', 'v: |\n  a\n\n\n  b\n'],
    ['space-only lines inside', 'a\n   \nb', 'v: |-\n  a\n     \n  b\n'],
    ['space-only first line', '  \nb', 'v: |2-\n    \n  b\n'],
    ['trailing spaces on a line before the last', 'a  \nb\n', 'v: |\n  a  \n  b\n'],
    ['indicator-looking content', '- a\n# b\nc: d\n---\n...\n', 'v: |\n  - a\n  # b\n  c: d\n  ---\n  ...\n'],
    ['non-ASCII text', 'caf\u00e9\n\u{1f600}\n', 'v: |\n  caf\u00e9\n  \u{1f600}\n'],
  ];

  test.each(cases)('%s', (_name, s, expected) => {
    expect(toYaml({ v: s })).toBe(expected);
    expect(readBoth(expected)).toEqual([{ v: s }, { v: s }]);
  });

  test('block scalars inside sequences and nested sequences', () => {
    const value = { items: ['a\nb\n', [' c\nd', { script: 'set -e\necho hi\n' }]] };
    const expected = `items:
  - |
    a
    b
  - - |2-
       c
      d
    - script: |
        set -e
        echo hi
`;
    expect(toYaml(value)).toBe(expected);
    expect(readBoth(expected)).toEqual([value, value]);
  });

  test.each([
    ['tab', 'a\tb\nc'],
    ['carriage return', 'a\r\nb'],
    ['only newlines', '\n\n'],
    ['only spaces and newlines', '  \n \n'],
    ['space-only last line', 'a\n  '],
    ['space-only last line, indicator', ' b\n '],
    ['trailing space on the last line', 'a\nb  \n'],
    ['trailing space before trailing newlines', 'a \n\n'],
    ['NEL', 'a\u0085\nb'],
    ['line separator', 'a\u2028\nb'],
    ['control character', 'a\u0001\nb'],
    ['lone surrogate', 'a\udc00\nb'],
  ])('falls back to double quotes with a %s', (_name, s) => {
    const text = toYaml({ v: s });
    expect(text.startsWith('v: "')).toBe(true);
    expect(readBoth(text)).toEqual([{ v: s }, { v: s }]);
  });
});

describe('errors name the path', () => {
  test.each([
    [{ spec: { replicas: NaN } }, 'NaN at $.spec.replicas'],
    [{ a: [1, Infinity] }, 'Infinity at $.a[1]'],
    [{ a: [{ b: -Infinity }] }, '-Infinity at $.a[0].b'],
    [{ a: [1, undefined] }, 'undefined at $.a[1]'],
    [{ 'app.kubernetes.io/name': () => 1 }, 'a function at $["app.kubernetes.io/name"]'],
    [{ s: Symbol('x') }, 'a symbol at $.s'],
    [{ big: 10n }, 'bigint 10n at $.big'],
    [{ when: new Date(0) }, 'an instance of Date at $.when'],
    [{ m: new Map() }, 'an instance of Map at $.m'],
    [[[new (class Thing {})()]], 'an instance of Thing at $[0][0]'],
    [undefined, 'undefined at $'],
  ])('%#: %s', (value, message) => {
    expect(() => toYaml(value)).toThrow(`toYaml: cannot serialize ${message}`);
  });

  test('documents are named by index', () => {
    expect(() => toYamlDocuments([{}, { a: { b: NaN } }])).toThrow('toYaml: cannot serialize NaN at documents[1].a.b');
  });

  test('sparse arrays throw', () => {
    expect(() => toYaml({ a: [1, , 3] })).toThrow('undefined at $.a[1]');
  });

  test('circular structures throw instead of overflowing the stack', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => toYaml(a)).toThrow('nested too deeply');
  });
});

describe('toYamlDocuments', () => {
  test('separates documents with --- lines', () => {
    const docs = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'agents' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'agents' }, data: { 'run.sh': 'echo hi\n', on: 'off' } },
      [],
      {},
      null,
      'text',
    ];
    const expected = `apiVersion: v1
kind: Namespace
metadata:
  name: agents
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: agents
data:
  run.sh: |
    echo hi
  "on": "off"
---
[]
---
{}
---
null
---
text
`;
    const out = toYamlDocuments(docs);
    expect(out).toBe(expected);
    for (const version of ['1.1', '1.2'] as const) {
      const parsed = parseAllDocuments(out, { version });
      expect(Array.isArray(parsed)).toBe(true);
      const list = parsed as Array<{ errors: unknown[]; toJS(): unknown }>;
      expect(list.map((d) => d.errors)).toEqual(docs.map(() => []));
      expect(list.map((d) => d.toJS())).toEqual(docs);
    }
  });

  test('no documents give an empty string, one document no separator', () => {
    expect(toYamlDocuments([])).toBe('');
    expect(toYamlDocuments([{ a: 1 }])).toBe('a: 1\n');
  });
});
