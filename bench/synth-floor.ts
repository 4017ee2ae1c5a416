import '../lib/cli/compile-cache';
import * as fs from 'fs';
import * as path from 'path';
import { toYamlDocuments } from '../lib/synth/yaml';
import { fixtureObjects, mirrorAgentObjects } from './mirror';

/**
 * (d) the floor: the same objects as plain JS objects serialized to YAML in one file.
 * `node synth-floor.js <agents> <outdir> <fixture.json>`
 */
const agents = Number(process.argv[2]);
const outdir = process.argv[3];
const documents = [...fixtureObjects(process.argv[4]), ...mirrorAgentObjects(agents).map((o) => o.type.manifest(o.props as never))];
fs.mkdirSync(outdir, { recursive: true });
fs.writeFileSync(path.join(outdir, 'bench.yaml'), toYamlDocuments(documents));
process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
