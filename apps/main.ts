import * as fs from 'fs';
import * as path from 'path';
import { ArgoCdWriter, EXAMPLE_PRICE_TABLE, formatNotice, HelmChartWriter, synthesize, SynthesisError } from '../lib';
import { apps } from './index';

/** The chart version follows the package version, so a release pins both. */
function packageVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/**
 * The Argo CD ApplicationSets of the example apps: the repository the output is committed to
 * (ARGOCD_REPO_URL, ARGOCD_REVISION), dev in the cluster Argo CD runs in, staging and prod in
 * clusters registered in Argo CD by those names.
 */
function argoCd(): ArgoCdWriter {
  return new ArgoCdWriter({
    repoUrl: process.env.ARGOCD_REPO_URL ?? 'https://github.com/example/agents-deploy.git',
    targetRevision: process.env.ARGOCD_REVISION ?? 'main',
    pathPrefix: 'dist',
    environments: { staging: { cluster: 'staging' }, prod: { cluster: 'prod' } },
  });
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
      writers: [new HelmChartWriter({ version: packageVersion() }), argoCd()],
      cost: { prices: EXAMPLE_PRICE_TABLE },
    });
    for (const env of report.environments) {
      const cost = report.cost.find((c) => c.app === env.app && c.environment === env.environment);
      const prerequisites = report.prerequisites.find((p) => p.app === env.app && p.environment === env.environment)?.items.length ?? 0;
      console.log(`  ${env.app}/${env.environment}: ${env.objects.length} objects in ${env.files.length} files; ${prerequisites} prerequisites (PREREQUISITES.md); ${cost?.summary ?? 'no cost estimate'}`);
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
