import { z } from 'zod';
import { type ConfigFilesMount, configFilesMountSchema } from './config-mounts';
import { type EnvMap, EnvValue } from './env-value';
import { imageSchema } from './image';
import { type ExternalEndpoint } from './network';
import { type ResourceOptions, resourceOptionsSchema } from './resources';
import { annotations as annotationsSchema, envVarName, memoryQuantity } from './schemas';
import { brandedReference, REFERENCES } from './references';
import { type SecurityOptions, securityOptionsSchema } from './security';
import { type WorkloadOptions } from './workload';

/** Props of every construct that runs a container of your image (services, workers, batch jobs). */
export interface ContainerWorkloadProps extends WorkloadOptions {
  /**
   * Container image, `[registry/]repository[:tag][@digest]`. Outside development it must be
   * pinned: a version tag other than `latest`, or a digest.
   */
  readonly image: string;
  /**
   * Entrypoint override.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Arguments.
   * @default - the image's command
   */
  readonly args?: string[];
  /**
   * Environment variables: strings are literal, `EnvValue.fromSecret()` / `fromConfigMap()` reference keys.
   * @default - none
   */
  readonly env?: EnvMap;
  /**
   * Requests and limits: a preset with any quantity overridden.
   * @default - the construct's preset (each construct documents it)
   */
  readonly resources?: ResourceOptions;
  /**
   * User and filesystem settings of the restricted security context.
   * @default - UID/GID 10001, read-only root filesystem
   */
  readonly security?: SecurityOptions;
  /**
   * Endpoints outside the cluster the workload may call (LLM APIs, SaaS, databases), admitted by its NetworkPolicy.
   * @default - none
   */
  readonly externalEndpoints?: ExternalEndpoint[];
  /**
   * Size limit of the writable `/tmp` emptyDir.
   * @default - "512Mi" for services, "1Gi" for batch jobs
   */
  readonly tmpSizeLimit?: string;
  /**
   * Extra annotations on the pods.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * Configuration files (`ConfigFiles` maps) mounted read-only into the main container, as a
   * folder or one file each; a change of their content rolls the pods. Same as calling
   * `mountConfigFiles()`.
   * @default - none
   */
  readonly configFiles?: ConfigFilesMount[];
}

export const externalEndpointSchema = brandedReference<ExternalEndpoint>(REFERENCES.EXTERNAL_ENDPOINT);

export const envMapSchema = z.record(envVarName, z.union([z.string(), z.custom<EnvValue>((v) => EnvValue.isEnvValue(v))], {
  error: 'must be a string or an EnvValue (EnvValue.fromSecret(), EnvValue.fromConfigMap(), ...)',
}));

/** The zod schema of each `ContainerWorkloadProps` field, to compose into a construct's schema. */
export const containerWorkloadShape = {
  name: z.unknown().optional(),
  image: imageSchema,
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: envMapSchema.optional(),
  resources: resourceOptionsSchema.optional(),
  security: securityOptionsSchema.optional(),
  externalEndpoints: z.array(externalEndpointSchema).optional(),
  tmpSizeLimit: memoryQuantity.optional(),
  podAnnotations: annotationsSchema.optional(),
  configFiles: z.array(configFilesMountSchema).optional(),
};
