import { App, Chart } from 'cdk8s';
import { mirrorObjects } from './mirror';

/** (b) the same objects with raw cdk8s L1 classes and `app.synth()`: `node synth-raw.js <agents> <outdir>`. */
const agents = Number(process.argv[2]);
const app = new App({ outdir: process.argv[3] });
const chart = new Chart(app, 'bench', { disableResourceNameHashes: true });
for (const object of mirrorObjects(agents)) {
  new object.type(chart as never, object.id, object.props as never);
}
app.synth();
process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
