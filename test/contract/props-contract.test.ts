import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { CONSTRUCT_PROPS, libProgram } from './typescript';

/**
 * Runs the TypeScript compiler on props-contract.ts, whose compile-time checks say, per construct,
 * that the props interface and the zod schema have the same keys (npm run typecheck runs them
 * too; here each construct is a test of its own, and a failure quotes the compiler).
 */

const FILE = path.join(__dirname, 'props-contract.ts');
const text = fs.readFileSync(FILE, 'utf8');

/** `Name: contract<Props, typeof schema>()` entries, with their line (0-based). */
const entries = text.split('\n').flatMap((line, index) => {
  const match = /^ {2}'?([^':]+)'?: contract<(\w+), /.exec(line);
  return match ? [{ name: match[1], props: match[2], line: index }] : [];
});

const diagnostics = ts.getPreEmitDiagnostics(libProgram([FILE])).filter((d) => d.file?.fileName === FILE);

function problemsAt(line: number): string[] {
  return diagnostics
    .filter((d) => d.file !== undefined && d.start !== undefined && d.file.getLineAndCharacterOfPosition(d.start).line === line)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('the props contract: interface keys equal schema input keys', () => {
  test('the contract file compiles as a whole', () => {
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  });

  test('covers the props of every construct, and more', () => {
    expect(entries.length).toBeGreaterThanOrEqual(CONSTRUCT_PROPS.length);
    expect(CONSTRUCT_PROPS.filter((props) => !entries.some((e) => e.props === props))).toEqual([]);
  });

  test.each(entries.map((e) => [e.name, e.props, e.line] as const))('%s: %s and its schema agree', (_name, _props, line) => {
    expect(problemsAt(line)).toEqual([]);
  });
});
