#!/usr/bin/env node
/*
 * The `validate` command and the cdk8s plugin need the Kubernetes 1.28 definitions and the CRD
 * schemas at run time. The repository keeps them unmodified in test/schemas; the package ships
 * them in build/schemas as JSON without their descriptions (documentation, not constraints),
 * which is about a quarter of the size. A key named "description" inside `properties` (a field of
 * the object being described) is kept.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { parseAllDocuments } = require('yaml');

const ROOT = path.join(__dirname, '..');
const SOURCE = path.join(ROOT, 'test', 'schemas');
const TARGET = path.join(ROOT, 'build', 'schemas');
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);

/** A copy without schema descriptions; `isMap` marks an object whose keys are field names. */
function strip(value, isMap = false) {
  if (Array.isArray(value)) return value.map((v) => strip(v));
  if (typeof value !== 'object' || value === null) return value;
  const out = {};
  for (const [key, child] of Object.entries(value)) {
    if (!isMap && key === 'description' && typeof child === 'string') continue;
    out[key] = strip(child, !isMap && SCHEMA_MAPS.has(key));
  }
  return out;
}

function write(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value));
}

fs.rmSync(TARGET, { recursive: true, force: true });
for (const version of fs.readdirSync(path.join(SOURCE, 'k8s'))) {
  const definitions = JSON.parse(fs.readFileSync(path.join(SOURCE, 'k8s', version, '_definitions.json'), 'utf8'));
  write(path.join(TARGET, 'k8s', version, '_definitions.json'), strip(definitions));
}
for (const file of fs.readdirSync(path.join(SOURCE, 'crds')).filter((f) => /\.ya?ml$/.test(f)).sort()) {
  const documents = parseAllDocuments(fs.readFileSync(path.join(SOURCE, 'crds', file), 'utf8')).map((d) => d.toJS());
  documents.filter((d) => d && d.kind === 'CustomResourceDefinition').forEach((crd, i) => {
    write(path.join(TARGET, 'crds', `${file.replace(/\.ya?ml$/, '')}${i > 0 ? `-${i}` : ''}.json`), strip(crd));
  });
}
