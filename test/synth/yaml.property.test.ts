import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { parse, parseAllDocuments, parseDocument } from 'yaml';
import { toYaml, toYamlDocuments } from '../../lib/synth/yaml';
import { HELM_BINARIES, runHelm } from '../helpers/helm';

/**
 * Round-trip properties: whatever JSON-shaped value goes in, YAML 1.2 (core
 * schema) and YAML 1.1 readers give back the same value. The `yaml` package is
 * the reader for both versions; the last block also reads the output with the
 * Go YAML reader that Helm (and Kubernetes tooling) use.
 *
 * `-0` is written as `0` (like JSON.stringify), so expected values map -0 to 0.
 */

const TRICKY_STRINGS = [
  'on', 'On', 'ON', 'off', 'Off', 'OFF', 'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'y', 'Y', 'n', 'N',
  'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL', '~', '',
  '0', 'e0', 'E5', 'e+5', '0777', '0o17', '0x1F', '0b101', '1e3', '1E+3', '12:30', '190:20:30.15', '1_000', '.5', '5.', '+1', '-1', '1.2.3',
  '.inf', '-.Inf', '+.INF', '.nan', '.NaN', 'NaN', 'Infinity', '+inf', '-nan', '2024-01-01', '2001-12-14t21:59:43.10-05:00',
  '2001-12-14 21:59:43.10 -5', '=', '<<', ' lead', 'trail ', ' ', '-', '- x', '--', '---', '...', '?', '? x', ':', ': x',
  ',', '[', ']', '{', '}', '#', 'a #b', 'a: b', 'a:', '&a', '*a', '!a', '!!str', '|', '>', "'", '"', '%', '@', '`',
  'a\tb', '\t', '\r', '\r\n', 'a\u0000b', '\u0007', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029', '\ufeff', '\ufffe', '\uffff',
  '\ud800', '\udfff', 'a\udbffb', '\u{1f600}', 'caf\u00e9', '500m', '256Mi', '1.5Gi', '0.5', 'nginx', 'app.kubernetes.io/name',
  'ghcr.io/acme/agent:1.2.3', '/health', 'RollingUpdate', 'a\nb', 'a\nb\n', 'a\nb\n\n', ' a\nb', '\n', '\n\n', '\na', 'a\n ',
  '  \n  x', 'x\n\n  \n', ' b\n ', 'a \n\n', ' \n\nb', '- a\n- b\n', '#!/bin/sh\nset -e\n', 'key: |\n  x\n',
];

const TRICKY_CHARS = [
  ' ', '  ', '\n', '\t', '\r', ':', '#', '-', '?', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`',
  '\\', '/', '.', '~', '<', '=', '0', '1', 'e', 'x', 'y', 'n', 'o', '\u0000', '\u001b', '\u007f', '\u0085', '\u00a0', '\u2028',
  '\u2029', '\ufeff', '\ufffe', '\uffff', '\ud800', '\udc00', '\u{10ffff}', '\u{1f600}', '\u00e9',
];

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const trickyUnit = fc.oneof(fc.constantFrom(...TRICKY_CHARS), anyCodeUnit, fc.string({ minLength: 1, maxLength: 1 }));
const LINES = ['', ' ', '   ', 'a', 'abc', ' b', '  c', 'd  ', '# x', '- y', 'k: v', '---', '...', '\t', 'é'];

const stringArb: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: trickyUnit, maxLength: 12 }),
  fc.constantFrom(...TRICKY_STRINGS),
  fc.array(fc.oneof(fc.constantFrom(...LINES), fc.string({ maxLength: 6 })), { maxLength: 6 }).map((lines) => lines.join('\n')),
);

const numberArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e21, -1e21, 1e-7, 5e-324, Number.MAX_VALUE, Number.MIN_SAFE_INTEGER, 0.1 + 0.2, 1e20, 123456789.125),
);

const scalarArb: fc.Arbitrary<unknown> = fc.oneof(stringArb, numberArb, fc.boolean(), fc.constant(null));

const { value: valueArb } = fc.letrec<{ value: unknown; array: unknown[]; object: Record<string, unknown> }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarArb, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(stringArb, tie('value'), { maxKeys: 6 }),
}));

/** A strict JSON-like text of a parsed value: fails on anything that is not plain data (e.g. a Date from a timestamp). */
function canonical(v: unknown): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return String(v);
    case 'number':
      if (Object.is(v, -0)) return '0';
      return Number.isFinite(v) ? String(v) : `<non-finite ${v}>`;
    case 'object': {
      if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== null && proto !== Object.prototype) return `<not plain: ${Object.prototype.toString.call(v)}>`;
      const obj = v as Record<string, unknown>;
      return `{${Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
        .join(',')}}`;
    }
    default:
      return `<${typeof v}>`;
  }
}

function readBack(text: string, version: '1.1' | '1.2'): unknown {
  const doc = parseDocument(text, { version });
  if (doc.errors.length > 0 || doc.warnings.length > 0) {
    throw new Error(`YAML ${version} read errors: ${[...doc.errors, ...doc.warnings].map((e) => e.message).join('; ')}\n${text}`);
  }
  return doc.toJS();
}

function hasLoneSurrogate(v: unknown): boolean {
  if (typeof v === 'string') return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(v);
  if (Array.isArray(v)) return v.some(hasLoneSurrogate);
  if (typeof v === 'object' && v !== null) {
    return Object.entries(v).some(([k, x]) => hasLoneSurrogate(k) || hasLoneSurrogate(x));
  }
  return false;
}

describe('toYaml round trips', () => {
  test('every tricky string reads back as itself, as value, key and list item', () => {
    for (const s of TRICKY_STRINGS) {
      const value = { v: s, [s]: [s, { [s]: s }] };
      const text = toYaml(value);
      expect(canonical(readBack(text, '1.2'))).toBe(canonical(value));
      expect(canonical(readBack(text, '1.1'))).toBe(canonical(value));
    }
  });

  test('arbitrary JSON values read back the same under YAML 1.2 and YAML 1.1', () => {
    fc.assert(
      fc.property(valueArb, (value) => {
        const text = toYaml(value);
        expect(text.endsWith('\n')).toBe(true);
        const expected = canonical(value);
        expect(canonical(readBack(text, '1.2'))).toBe(expected);
        expect(canonical(readBack(text, '1.1'))).toBe(expected);
      }),
      { numRuns: 1500 },
    );
  });

  test('the plain parse() API agrees, including nested objects under mapping keys', () => {
    fc.assert(
      fc.property(fc.dictionary(stringArb, valueArb, { maxKeys: 4 }), (value) => {
        const text = toYaml(value);
        expect(canonical(parse(text))).toBe(canonical(value));
        expect(canonical(parse(text, { version: '1.1' }))).toBe(canonical(value));
      }),
      { numRuns: 500 },
    );
  });

  test('multi-document output reads back document by document', () => {
    fc.assert(
      fc.property(fc.array(valueArb, { maxLength: 5 }), (docs) => {
        const text = toYamlDocuments(docs);
        for (const version of ['1.1', '1.2'] as const) {
          const parsed = parseAllDocuments(text, { version });
          const list = Array.isArray(parsed) ? parsed : [];
          expect(list.length).toBe(docs.length);
          list.forEach((d) => expect([...d.errors, ...d.warnings]).toEqual([]));
          expect(list.map((d) => canonical(d.toJS())).join('\n')).toBe(docs.map(canonical).join('\n'));
        }
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * Helm reads values.yaml with sigs.k8s.io/yaml (go-yaml, YAML 1.1 implicit
 * typing), the same reader family as Kubernetes clients. A chart whose template
 * re-emits `.Values` as base64 JSON shows what Go made of our output.
 * Lone surrogates are left out: they cannot exist in Go (UTF-8) strings.
 */
describe('Go YAML readers (Helm) read the same values', () => {
  let workDir: string;
  beforeAll(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-yaml-go-'));
  });
  afterAll(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  test.each(HELM_BINARIES.map((h) => [h.label, h] as const))('%s', (_label, helm) => {
    const generated = fc.sample(valueArb, { numRuns: 400, seed: 20240101 + helm.major });
    const cases = [
      ...TRICKY_STRINGS.filter((s) => !hasLoneSurrogate(s)).map((s) => ({ [s]: s, list: [s] })),
      ...generated.filter((v) => !hasLoneSurrogate(v)),
    ];
    const chart = path.join(workDir, `go-${helm.major}`);
    fs.mkdirSync(path.join(chart, 'templates'), { recursive: true });
    fs.writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: roundtrip\nversion: 0.1.0\n');
    fs.writeFileSync(path.join(chart, 'values.yaml'), toYaml({ cases }));
    fs.writeFileSync(
      path.join(chart, 'templates', 'out.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: roundtrip\ndata:\n  json: {{ .Values.cases | toJson | b64enc | quote }}\n',
    );
    const run = runHelm(helm, ['template', 'rt', chart]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const configMap = parse(run.stdout) as { data: { json: string } };
    const fromGo = JSON.parse(Buffer.from(configMap.data.json, 'base64').toString('utf8')) as unknown[];
    expect(fromGo.length).toBe(cases.length);
    // Go maps come back with sorted keys: compare order-insensitively, item by item for readable failures.
    cases.forEach((c, i) => {
      expect({ i, value: fromGo[i] }).toEqual({ i, value: JSON.parse(JSON.stringify(c)) });
    });
  });
});
