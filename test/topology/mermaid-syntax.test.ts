import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Protocol } from '../../lib/core/network';
import { topologyMarkdown } from '../../lib/topology/markdown';
import { type Topology, TopologyNodeKind } from '../../lib/topology/topology';

/** The Mermaid we write is parsed by Mermaid itself (scripts/check-mermaid.mjs), as GitHub will. */

const REPO = path.resolve(__dirname, '..', '..');

function check(files: readonly string[]): { code: number; lines: string[] } {
  try {
    const out = execFileSync(process.execPath, [path.join(REPO, 'scripts', 'check-mermaid.mjs'), ...files], { cwd: REPO, encoding: 'utf8', stdio: 'pipe', timeout: 120_000 });
    return { code: 0, lines: out.trim().split('\n') };
  } catch (error) {
    return { code: (error as { status?: number }).status ?? -1, lines: String((error as { stdout?: string }).stdout ?? '').trim().split('\n') };
  }
}

test('every topology page of the example apps, and labels with quotes, brackets and pipes, parse as Mermaid flowcharts', () => {
  // GIVEN the committed pages and a picture whose labels hold Mermaid's special characters
  const pages = fs.readdirSync(path.join(REPO, 'docs', 'topology')).filter((f) => f.endsWith('.md')).map((f) => path.join('docs', 'topology', f));
  expect(pages.length).toBe(9);
  const odd: Topology = {
    app: 'odd', environment: 'dev', namespace: 'odd', networkPolicies: true,
    nodes: [
      { id: 'a', label: 'say "hi" [now] (a|b) {c}', kind: TopologyNodeKind.AGENT, inApp: true, selectors: [] },
      { id: 'b.c', label: 'x > y; z', kind: TopologyNodeKind.SETUP, inApp: true, selectors: [] },
      { id: 'ext', label: 'api.example.com, *.example.org', kind: TopologyNodeKind.EXTERNAL, inApp: false, selectors: [] },
    ],
    edges: [{ from: 'a', to: 'b.c', ports: [{ port: 53, protocol: Protocol.UDP }], observability: false }, { from: 'a', to: 'ext', ports: [{ port: 443, protocol: Protocol.TCP }], observability: true }],
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-mermaid-'));
  const oddPage = path.join(dir, 'odd.md');
  fs.writeFileSync(oddPage, topologyMarkdown(odd));
  try {
    // WHEN Mermaid parses them
    const result = check([...pages, oddPage]);
    // THEN every one is a flowchart
    expect(result).toEqual({ code: 0, lines: [...pages, oddPage].map((p) => `${p} ok flowchart-v2`) });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the check fails on a broken diagram', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-mermaid-'));
  const broken = path.join(dir, 'broken.md');
  fs.writeFileSync(broken, '```mermaid\nflowchart LR\n  a[["unclosed]\n```\n');
  try {
    const result = check([broken]);
    expect(result.code).toBe(1);
    expect(result.lines[0]).toMatch(/broken\.md FAIL /);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
