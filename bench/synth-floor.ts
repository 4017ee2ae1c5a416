import * as fs from 'fs';
import * as path from 'path';
import { toYamlDocuments } from '../lib/synth/yaml';
import { mirrorObjects } from './mirror';

/** (d) the floor: the same objects as plain JS objects, serialized to YAML, one file: `node synth-floor.js <agents> <outdir>`. */
const agents = Number(process.argv[2]);
const outdir = process.argv[3];
const documents = mirrorObjects(agents).map((o) => o.type.manifest(o.props as never));
fs.mkdirSync(outdir, { recursive: true });
fs.writeFileSync(path.join(outdir, 'bench.yaml'), toYamlDocuments(documents));
process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
