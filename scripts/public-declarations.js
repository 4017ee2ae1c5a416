#!/usr/bin/env node
/*
 * The library loads cdk8s-plus-28's L1 module directly (`cdk8s-plus-28/lib/imports/k8s`): the
 * package index would also load every L2 construct, about 60 ms at start-up. The declarations
 * users compile against must not name that internal path, so after `tsc` this rewrites each
 * such import in build/**\/*.d.ts to the same namespace through the package's public entry point
 * (cdk8s-plus-28's index does `export * as k8s from './imports/k8s'`). Any other deep import of a
 * dependency in a declaration fails the build.
 */
'use strict';

const fs = require('fs');
const path = require('path');

const BUILD = path.join(__dirname, '..', 'build');
const REWRITES = [
  [/^import \* as (\w+) from 'cdk8s-plus-28\/lib\/imports\/k8s';$/gm, "import { k8s as $1 } from 'cdk8s-plus-28';"],
  [/^import type \* as (\w+) from 'cdk8s-plus-28\/lib\/imports\/k8s';$/gm, "import type { k8s as $1 } from 'cdk8s-plus-28';"],
];
const DEEP_IMPORT = /from '((?:@[\w.-]+\/)?\w[\w.-]*)\/[^']+'/g;

function declarations(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? declarations(full) : entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

const problems = [];
let rewritten = 0;
for (const file of [...declarations(path.join(BUILD, 'lib')), ...declarations(path.join(BUILD, 'imports'))]) {
  const text = fs.readFileSync(file, 'utf8');
  const result = REWRITES.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text).replace(/\{ k8s as k8s \}/g, '{ k8s }');
  if (result !== text) {
    fs.writeFileSync(file, result);
    rewritten++;
  }
  for (const match of result.matchAll(DEEP_IMPORT)) {
    problems.push(`${path.relative(BUILD, file)}: imports ${match[0].slice(5)}, an internal path of ${match[1]}`);
  }
}
if (problems.length > 0) {
  console.error(`Declarations must use the public entry points of their dependencies:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
if (process.argv.includes('--verbose')) {
  console.log(`public-declarations: ${rewritten} declaration files rewritten`);
}
