import { z } from 'zod';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { httpPath, positiveInt } from './schemas';

/** Readiness, liveness and startup probes over HTTP. */
export interface HealthCheckOptions {
  /**
   * Path answering 200 when the service can take traffic (readiness and startup).
   * @default "/health"
   */
  readonly path?: string;
  /**
   * A command whose exit code 0 means healthy, instead of HTTP (queue workers without a server).
   * @default - HTTP probes on `path`
   */
  readonly command?: string[];
  /**
   * Path answering 200 while the process is alive. Point it at an endpoint that does not check
   * dependencies, or an LLM outage restarts every pod.
   * @default - the same as `path`
   */
  readonly livenessPath?: string;
  /**
   * Seconds a starting container may take to answer before it is restarted: the startup probe's
   * budget. Liveness and readiness only start after it, so slow LLM warm-up never kills a pod.
   * @default 300
   */
  readonly startupTimeoutSeconds?: number;
  /**
   * Seconds between readiness checks.
   * @default 5
   */
  readonly readinessPeriodSeconds?: number;
  /**
   * Seconds between liveness checks.
   * @default 10
   */
  readonly livenessPeriodSeconds?: number;
  /**
   * Consecutive failures before a pod is marked unready or restarted.
   * @default 3
   */
  readonly failureThreshold?: number;
  /**
   * Seconds a probe request may take.
   * @default 3
   */
  readonly timeoutSeconds?: number;
}

export const healthCheckSchema = z.object({
  path: httpPath.optional(),
  command: z.array(z.string({ error: 'must be a list of strings' })).min(1, { error: 'must name a command' }).optional(),
  livenessPath: httpPath.optional(),
  startupTimeoutSeconds: positiveInt.max(3600, { error: 'must be at most 3600 seconds' }).optional(),
  readinessPeriodSeconds: positiveInt.max(300, { error: 'must be at most 300 seconds' }).optional(),
  livenessPeriodSeconds: positiveInt.max(300, { error: 'must be at most 300 seconds' }).optional(),
  failureThreshold: positiveInt.max(30, { error: 'must be at most 30' }).optional(),
  timeoutSeconds: positiveInt.max(60, { error: 'must be at most 60 seconds' }).optional(),
}).strict().superRefine((check, ctx) => {
  // A probe has exactly one handler: with a command, the HTTP paths would be silently ignored.
  for (const field of ['path', 'livenessPath'] as const) {
    if (check.command && check[field] !== undefined) {
      ctx.addIssue({ code: 'custom', path: [field], input: check[field], message: 'cannot be combined with command: a probe runs one handler, so the path would be ignored; remove it, or remove command to probe over HTTP' });
    }
  }
});

const STARTUP_PERIOD_SECONDS = 5;

/** The three probes of a container serving HTTP on the named port. */
export interface ContainerProbes {
  readonly startupProbe: k8s.Probe;
  readonly readinessProbe: k8s.Probe;
  readonly livenessProbe: k8s.Probe;
}

/**
 * The probes of the main container: exec probes when `command` is given, else HTTP probes on the
 * named port; none when there is neither (the workload reports that as a problem).
 */
export function httpProbes(options: HealthCheckOptions | undefined, portName: string | undefined, defaults: { startupTimeoutSeconds: number }): ContainerProbes | undefined {
  if (!options?.command && portName === undefined) {
    return undefined;
  }
  const path = options?.path ?? '/health';
  const timeoutSeconds = options?.timeoutSeconds ?? 3;
  const failureThreshold = options?.failureThreshold ?? 3;
  const command = options?.command;
  const check = (p: string): Pick<k8s.Probe, 'httpGet' | 'exec'> => (command
    ? { exec: { command: [...command] } }
    : { httpGet: { path: p, port: k8s.IntOrString.fromString(portName ?? 'http'), scheme: 'HTTP' } });
  const budget = options?.startupTimeoutSeconds ?? defaults.startupTimeoutSeconds;
  return {
    startupProbe: {
      ...check(path),
      periodSeconds: STARTUP_PERIOD_SECONDS,
      timeoutSeconds,
      failureThreshold: Math.max(1, Math.ceil(budget / STARTUP_PERIOD_SECONDS)),
      successThreshold: 1,
    },
    readinessProbe: {
      ...check(path),
      periodSeconds: options?.readinessPeriodSeconds ?? 5,
      timeoutSeconds,
      failureThreshold,
      successThreshold: 1,
    },
    livenessProbe: {
      ...check(options?.livenessPath ?? path),
      periodSeconds: options?.livenessPeriodSeconds ?? 10,
      timeoutSeconds,
      failureThreshold,
      successThreshold: 1,
    },
  };
}
