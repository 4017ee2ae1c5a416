import * as fs from 'fs';
import * as path from 'path';
import { HelmChartWriter, synthesize, SynthesisError } from '../lib';
import { apps } from './index';

/** The chart version follows the package version, so a release pins both. */
function packageVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/**
 * `npm run synth` / `cdk8s synth`: every example app in every environment, as plain manifests
 * and as Helm charts. The output folder is the first argument, else CDK8S_OUTDIR (set by the
 * cdk8s CLI), else `dist`.
 */
function main(): number {
  const outdir = process.argv[2] ?? process.env.CDK8S_OUTDIR ?? 'dist';
  const started = Date.now();
  try {
    const report = synthesize(apps, { outdir, writers: [new HelmChartWriter({ version: packageVersion() })] });
    report.environments.forEach((env, i) => {
      const prerequisites = report.prerequisites[i]?.items.length ?? 0;
      console.log(`  ${env.app}/${env.environment}: ${env.objects.length} objects in ${env.files.length} files; ${prerequisites} prerequisites in PREREQUISITES.md`);
    });
    console.log(`Synthesized ${report.objectCount} objects into ${report.fileCount} files under ${outdir}/ in ${Date.now() - started} ms`);
    return 0;
  } catch (error) {
    console.error(error instanceof SynthesisError ? error.message : error);
    return 1;
  }
}

process.exitCode = main();
