import '../lib/cli/compile-cache';
import { ApiObject, App, Chart } from 'cdk8s';
import { fixtureObjects, mirrorAgentObjects } from './mirror';

/**
 * (b) the same objects with raw cdk8s and `app.synth()`: the per-agent objects with the L1
 * classes (`k8s.Kube*`), the shared ones from the fixture as plain ApiObjects.
 * `node synth-raw.js <agents> <outdir> <fixture.json>`
 */
const agents = Number(process.argv[2]);
const app = new App({ outdir: process.argv[3] });
const chart = new Chart(app, 'bench', { disableResourceNameHashes: true });
fixtureObjects(process.argv[4]).forEach((object, i) => {
  new ApiObject(chart, `shared-${i}`, object as never);
});
for (const object of mirrorAgentObjects(agents)) {
  new object.type(chart as never, object.id, object.props as never);
}
app.synth();
process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
