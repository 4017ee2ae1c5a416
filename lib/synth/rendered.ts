import { type ApiObject } from 'cdk8s';
import { type AgentPlatform } from '../agent-platform';
import { type SynthesisNotice } from '../core/notices';
import { type KubeObject } from './kube-object';

/*
 * What rendering produces, apart from the synthesizer that produces it, so the writers (Helm,
 * Argo CD, cost, prerequisites) depend on these types and not on the synthesizer, which depends
 * on them.
 */

/** The objects of one construct, written to one file. */
export interface ManifestFile {
  /** File name, e.g. `jd-classifier.yaml`. */
  readonly fileName: string;
  readonly objects: readonly KubeObject[];
  /** The construct each object was rendered from, in the same order. */
  readonly sources: readonly ApiObject[];
}

/** One app in one environment, rendered. */
export interface RenderedEnvironment {
  readonly app: string;
  readonly environment: string;
  readonly platform: AgentPlatform;
  /** Files in write order: a construct's dependencies come before it. */
  readonly files: readonly ManifestFile[];
  /** Every object, in the same order. */
  readonly objects: readonly KubeObject[];
  /** What the environment changed in what the constructs asked for. */
  readonly notices: readonly SynthesisNotice[];
}

/** Something that writes more files from the rendered environments (the Helm chart writer). */
export interface IOutputWriter {
  files(environments: readonly RenderedEnvironment[]): Map<string, string>;
}
