#!/usr/bin/env node
/*
 * Parses every ```mermaid block of the given Markdown files with Mermaid's own parser (the
 * `mermaid` package, in a jsdom window because it expects a browser). Prints one line per
 * diagram, `<file> ok <type>` or `<file> FAIL <message>`, and exits 1 when any fails.
 */
import fs from 'fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
globalThis.DOMParser = dom.window.DOMParser;
globalThis.Element = dom.window.Element;

const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let failed = 0;
for (const file of process.argv.slice(2)) {
  const blocks = fs.readFileSync(file, 'utf8').split('```mermaid\n').slice(1).map((b) => b.split('```')[0]);
  if (blocks.length === 0) {
    failed++;
    console.log(`${file} FAIL no mermaid block`);
  }
  for (const source of blocks) {
    try {
      const result = await mermaid.parse(source);
      console.log(`${file} ok ${result.diagramType}`);
    } catch (error) {
      failed++;
      console.log(`${file} FAIL ${String(error?.message ?? error).split('\n').join(' ')}`);
    }
  }
}
process.exit(failed > 0 ? 1 : 0);
