import { z } from 'zod';
import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { nonNegativeInt } from './schemas';

/** User and filesystem settings of the restricted security context. */
export interface SecurityOptions {
  /**
   * UID the containers run as (never 0).
   * @default 10001
   */
  readonly runAsUser?: number;
  /**
   * GID the containers run as.
   * @default 10001
   */
  readonly runAsGroup?: number;
  /**
   * GID owning mounted volumes.
   * @default 10001
   */
  readonly fsGroup?: number;
  /**
   * Whether the root filesystem is read-only; `/tmp` is always a writable emptyDir.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
}

const nonRootId = nonNegativeInt.min(1, { error: 'must be a non-root id (1 or more): the restricted Pod Security level forbids running as root' });

export const securityOptionsSchema = z.object({
  runAsUser: nonRootId.optional(),
  runAsGroup: nonRootId.optional(),
  fsGroup: nonRootId.optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
}).strict();

export const DEFAULT_USER_ID = 10001;

/** Pod-level part of the restricted profile: non-root, RuntimeDefault seccomp, volume ownership. */
export function podSecurityContext(options: SecurityOptions | undefined): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: options?.runAsUser ?? DEFAULT_USER_ID,
    runAsGroup: options?.runAsGroup ?? DEFAULT_USER_ID,
    fsGroup: options?.fsGroup ?? DEFAULT_USER_ID,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level part: no privilege escalation, every capability dropped, read-only root filesystem. */
export function containerSecurityContext(options: SecurityOptions | undefined): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: options?.readOnlyRootFilesystem ?? true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
