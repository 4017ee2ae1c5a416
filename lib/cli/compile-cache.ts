import * as nodeModule from 'module';

/**
 * Imported first by the programs that synthesize (the `cdk8s-agents` command, `npm run synth`,
 * the benchmark): on Node.js 22.1 and later it turns on Node's on-disk compile cache, so that
 * the next run of the same program skips compiling the library, cdk8s and their dependencies.
 * Elsewhere it does nothing. `NODE_DISABLE_COMPILE_CACHE=1` turns it off and
 * `NODE_COMPILE_CACHE=<dir>` moves it (Node reads both); it never changes what a program does.
 */
const enableCompileCache = (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache;
if (typeof enableCompileCache === 'function') {
  enableCompileCache();
}
