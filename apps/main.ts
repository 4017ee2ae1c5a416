import * as fs from 'fs';
import * as path from 'path';
import { EXAMPLE_PRICE_TABLE, formatNotice, HelmChartWriter, synthesize, SynthesisError } from '../lib';
import { apps } from './index';

/** The chart version follows the package version, so a release pins both. */
function packageVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/**
 * `npm run synth` / `cdk8s synth`: every example app in every environment, as plain manifests
 * and as Helm charts, with a monthly cost estimate (`COST.md`) priced with the example table
 * (seed 001's prices, not current ones). The output folder is the first argument, else
 * CDK8S_OUTDIR (set by the cdk8s CLI), else `dist`. `--force` replaces an output folder that
 * synth did not write.
 */
function main(): number {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const outdir = args.find((a) => !a.startsWith('--')) ?? process.env.CDK8S_OUTDIR ?? 'dist';
  const started = Date.now();
  try {
    const report = synthesize(apps, {
      outdir,
      force,
      writers: [new HelmChartWriter({ version: packageVersion() })],
      cost: { prices: EXAMPLE_PRICE_TABLE },
    });
    for (const env of report.environments) {
      const cost = report.cost.find((c) => c.app === env.app && c.environment === env.environment);
      console.log(`  ${env.app}/${env.environment}: ${env.objects.length} objects in ${env.files.length} files; ${cost?.summary ?? 'no cost estimate'}`);
    }
    if (report.notices.length > 0) {
      console.log(`What the environments changed in what was asked (${report.notices.length}):`);
      for (const notice of report.notices) {
        console.log(`  ${formatNotice(notice)}`);
      }
    }
    console.log(`Synthesized ${report.objectCount} objects into ${report.fileCount} files under ${outdir}/ in ${Date.now() - started} ms`);
    return 0;
  } catch (error) {
    console.error(SynthesisError.isSynthesisError(error) ? error.message : error);
    return 1;
  }
}

process.exitCode = main();
