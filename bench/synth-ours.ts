import '../lib/cli/compile-cache';
import { HelmChartWriter, synthesize } from '../lib';
import { benchApp } from './platform';

/** (a) our synth of the platform, as a whole process: `node synth-ours.js <agents> <outdir> [--helm]`. */
const agents = Number(process.argv[2]);
const outdir = process.argv[3];
const writers = process.argv.includes('--helm') ? [new HelmChartWriter({ version: '0.1.0' })] : [];
const report = synthesize([benchApp(agents)], { outdir, writers });
process.stdout.write(`${JSON.stringify({ objects: report.objectCount, files: report.fileCount, maxRssKb: process.resourceUsage().maxRSS })}\n`);
