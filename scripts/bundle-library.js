#!/usr/bin/env node
/*
 * The package's entry point, build/lib/index.js, as one file (esbuild) instead of tsc's ~170
 * modules plus zod's ~95: every `npm run synth` and every user's synth program loads it, and
 * loading many small modules (resolving, reading and compiling each) was a third of the
 * synthesis time of a small app (bench/results.md). tsc still writes every module and every
 * declaration (the package's types, and the `validate` command's schemas, are unchanged); only
 * the entry's JavaScript is replaced by the bundle.
 *
 * Bundled: the library and zod (always needed). Left to `require`: the peer dependencies (cdk8s,
 * constructs, cdk8s-plus-28: the user's copies), and the dependencies the library loads only on
 * first use (yaml, commander, @viz-js/viz, microdiff).
 */
'use strict';

const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'build', 'lib', 'index.js');
const EXTERNAL = ['cdk8s', 'constructs', 'cdk8s-plus-28', 'cdk8s-plus-28/*', 'yaml', 'commander', '@viz-js/viz', 'microdiff'];
const L1_MODULE = 'cdk8s-plus-28/lib/imports/k8s';

/**
 * esbuild gives every `import * as k8s from '<L1 module>'` its own namespace object with one
 * getter per export (about 1,500 each, in 24 modules: several milliseconds at every start).
 * That module is tsc's CommonJS with `__esModule` set, for which a namespace import is the module
 * object itself (what tsc's `__importStar` returns), so the bundle uses it directly.
 */
function useL1ModuleDirectly(code) {
  const wrapped = `__toESM(require(${JSON.stringify(L1_MODULE)}))`;
  const count = code.split(wrapped).length - 1;
  if (count === 0) {
    throw new Error(`bundle-library: expected ${wrapped} in the bundle; update useL1ModuleDirectly`);
  }
  if (require(L1_MODULE).__esModule !== true) {
    throw new Error(`bundle-library: ${L1_MODULE} is no longer an __esModule CommonJS module; its namespace import cannot be the module itself`);
  }
  return code.split(wrapped).join(`require(${JSON.stringify(L1_MODULE)})`);
}

function license(name) {
  return fs.readFileSync(path.join(path.dirname(require.resolve(`${name}/package.json`)), 'LICENSE'), 'utf8').trim();
}

const result = esbuild.buildSync({
  entryPoints: [path.join(ROOT, 'lib', 'index.ts')],
  tsconfig: path.join(ROOT, 'tsconfig.build.json'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: EXTERNAL,
  // Class names appear in messages (`new.target.name`): keep them where the bundle renames a binding.
  keepNames: true,
  write: false,
  outfile: OUT,
  logLevel: 'warning',
  footer: { js: `/*\n * Bundled with zod ${require('zod/package.json').version}:\n *\n${license('zod').split('\n').map((l) => ` * ${l}`.trimEnd()).join('\n')}\n */` },
});
fs.writeFileSync(OUT, useL1ModuleDirectly(result.outputFiles[0].text));
