import { z } from 'zod';

/**
 * A container image split into the parts a Helm chart lets you override: registry, repository,
 * tag and digest.
 */
export interface ImageReference {
  /** Registry host, e.g. `ghcr.io`. Undefined: the environment's registry, or Docker Hub when it has none. */
  readonly registry?: string;
  /** Repository path, e.g. `acme/evaluation-service`. */
  readonly repository: string;
  /** Tag, e.g. `1.4.2`. */
  readonly tag?: string;
  /** Digest, e.g. `sha256:...`; takes precedence over the tag. */
  readonly digest?: string;
}

/** How strictly an environment wants images pinned. */
export enum ImageTagPolicy {
  /** Any tag, including `latest` or none (development only). */
  ANY = 'any',
  /** A tag other than `latest`, or a digest. */
  PINNED = 'pinned',
  /** A digest (`@sha256:...`). */
  DIGEST = 'digest',
}

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const REGISTRY = /^(localhost|[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)+|[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*:[0-9]+|\[[0-9a-fA-F:]+\](:[0-9]+)?)$/;

/**
 * The parts of an image reference. Props take the whole string (`imageSchema`); Helm values
 * take the parts (`imageValuesSchema`); both check the parts with these schemas.
 */
export const imageRegistrySchema = z.string().regex(REGISTRY, { error: 'must be a registry host such as "ghcr.io" or "registry.acme.io:5000"' });
export const imageRepositorySchema = z.string().regex(REPOSITORY, { error: 'must be a repository path of lowercase components, e.g. "acme/agent"' });
export const imageTagSchema = z.string().regex(TAG, { error: 'must be an image tag: letters, digits, "_", "." and "-", at most 128 characters' });
export const imageDigestSchema = z.string().regex(DIGEST, { error: 'must be a digest such as "sha256:<64 hex digits>"' });

/** A registry with an optional path, prefixed to images that name no registry: `registry.acme.io/agents`. */
export const imageRegistryPrefixSchema = z.string().regex(/^[a-zA-Z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/, {
  error: 'must be a registry host with an optional path, e.g. "registry.acme.io/agents"',
});

const imagePartsSchema = z.object({
  registry: imageRegistrySchema.optional(),
  repository: imageRepositorySchema,
  tag: imageTagSchema.optional(),
  digest: imageDigestSchema.optional(),
}).strict();

/** An image as Helm values: the parts; a numeric tag is accepted because `--set image.tag=20240101` gives a number. */
export const imageValuesSchema = imagePartsSchema.extend({
  tag: z.union([imageTagSchema, z.number().int().min(0)]).optional(),
}).strict().meta({ id: 'image', description: 'A container image: registry (default: global.imageRegistry), repository, tag, or a digest that wins over the tag' });

function splitDigest(text: string): [string, string | undefined] {
  const at = text.indexOf('@');
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function splitTag(text: string): [string, string | undefined] {
  const colon = text.lastIndexOf(':');
  return colon > text.lastIndexOf('/') ? [text.slice(0, colon), text.slice(colon + 1)] : [text, undefined];
}

function isRegistry(first: string): boolean {
  return first === 'localhost' || first.includes('.') || first.includes(':') || first.startsWith('[');
}

/** Parses `[registry/]repository[:tag][@digest]`; undefined when it is not a valid reference. */
export function parseImage(text: string): ImageReference | undefined {
  const [withoutDigest, digest] = splitDigest(text);
  const [name, tag] = splitTag(withoutDigest);
  const parts = name.split('/');
  const registry = parts.length > 1 && isRegistry(parts[0]) ? parts.shift() : undefined;
  const candidate = { registry, repository: parts.join('/'), tag, digest };
  return imagePartsSchema.safeParse(candidate).success ? candidate : undefined;
}

/** The image string a container gets: the registry defaults to `defaultRegistry`. */
export function formatImage(image: ImageReference, defaultRegistry?: string): string {
  const registry = image.registry ?? defaultRegistry;
  const name = registry ? `${registry}/${image.repository}` : image.repository;
  if (image.digest) {
    return `${name}@${image.digest}`;
  }
  return image.tag ? `${name}:${image.tag}` : name;
}

/** Why the image breaks the policy, or undefined when it complies. */
export function tagPolicyViolation(image: ImageReference, policy: ImageTagPolicy): string | undefined {
  if (policy === ImageTagPolicy.ANY || image.digest) {
    return undefined;
  }
  const example = `"${formatImage({ ...image, tag: '1.4.2', digest: undefined })}"`;
  if (policy === ImageTagPolicy.DIGEST) {
    return `this environment's image tag policy is "digest": pin the image by digest, e.g. "${image.repository}@sha256:<64 hex digits>"`;
  }
  if (!image.tag) {
    return `has no tag, so it means "latest"; this environment's image tag policy is "pinned": use a version tag or a digest, e.g. ${example} (only an environment with imageTagPolicy "any", such as dev, accepts it)`;
  }
  if (image.tag.toLowerCase() === 'latest') {
    return `uses the mutable tag "latest"; this environment's image tag policy is "pinned": use a version tag or a digest, e.g. ${example} (only an environment with imageTagPolicy "any", such as dev, accepts it)`;
  }
  return undefined;
}

export const imageSchema = z.string().refine((text) => parseImage(text) !== undefined, {
  error: 'must be a container image reference "[registry/]repository[:tag][@digest]" with a lowercase repository, e.g. "ghcr.io/acme/agent:1.4.2"',
});
