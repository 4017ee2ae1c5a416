#!/usr/bin/env node
import { runCli } from './cli';

/** The `cdk8s-agents` command. The CLI, unlike the constructs, may read the process's arguments and folders. */
void runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
