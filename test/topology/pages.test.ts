import * as path from 'path';
import { runCli } from '../../lib/cli/cli';

/** docs/topology holds the pictures the README embeds: regenerated here, they must equal the committed ones. */
test('docs/topology is up to date with the example apps (npm run docs regenerates it)', async () => {
  // GIVEN the example apps and the committed pages
  const repo = path.resolve(__dirname, '..', '..');
  let out = '';
  let err = '';
  // WHEN checking them
  const code = await runCli(['graph', '--apps', path.join(__dirname, '..', 'cli', 'fixtures', 'apps.js'), '--outdir', 'docs/topology', '--check'], {
    cwd: repo, out: (t) => { out += t; }, err: (t) => { err += t; },
  });
  // THEN every page and picture is current
  expect({ code, err }).toEqual({ code: 0, err: '' });
  expect(out).toBe('18 topology files in docs/topology/ are up to date\n');
});
