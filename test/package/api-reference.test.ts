import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * docs/api is generated from the TSDoc of the public API (typedoc with the Markdown plugin, config
 * in typedoc.json). It is regenerated here, offline, into a temporary folder and must equal the
 * committed one: a changed doc comment or export without `npm run docs` fails.
 */

const REPO = path.resolve(__dirname, '..', '..');
const COMMITTED = path.join(REPO, 'docs', 'api');

function files(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
    const full = path.join(root, file);
    if (fs.statSync(full).isFile()) out.set(file.split(path.sep).join('/'), fs.readFileSync(full, 'utf8'));
  }
  return out;
}

test('docs/api is the API reference typedoc generates from the current sources', () => {
  // GIVEN a fresh generation
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-api-'));
  try {
    execFileSync(process.execPath, [path.join(REPO, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out, '--logLevel', 'Error'], { cwd: REPO, stdio: 'pipe', timeout: 120_000 });
    const fresh = files(out);
    const committed = files(COMMITTED);
    // THEN the same files with the same text
    const stale = [...new Set([...fresh.keys(), ...committed.keys()])].filter((f) => fresh.get(f) !== committed.get(f)).sort();
    expect({ stale, hint: stale.length > 0 ? 'run npm run docs and commit docs/' : '' }).toEqual({ stale: [], hint: '' });
    expect(fresh.size).toBeGreaterThan(50);
    expect(fresh.get('README.md')).toContain('[AgentMicroservice](classes/AgentMicroservice.md)');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 150_000);
