import { type ImageReference, parseImage } from './image';

/**
 * The one stand-in for invalid input. When a prop is refused, construction goes on with this
 * value in its place, so that every other problem of the app is found in the same run; the
 * refusal itself is recorded as a problem and fails validation. Rendering refuses any object
 * whose output contains this text (`assertNoPlaceholder`), so a stand-in can never reach a
 * manifest, even through a path that skipped validation. It is a valid DNS label and image
 * repository, so code that derives names from it keeps working until then.
 */
export const PLACEHOLDER = 'cdk8s-agents-invalid-input';

/** The stand-in image of a refused image reference. */
export const PLACEHOLDER_IMAGE: ImageReference = Object.freeze({ repository: PLACEHOLDER });

/** Whether `text` is, or was derived from, a stand-in for invalid input. */
export function isPlaceholder(text: string | undefined): boolean {
  return text !== undefined && text.includes(PLACEHOLDER);
}

/** The parts of `text`, or the stand-in when it is not a valid reference (the schema reported it). */
export function parseImageOrPlaceholder(text: string): ImageReference {
  return parseImage(text) ?? PLACEHOLDER_IMAGE;
}

/** Thrown when a stand-in for invalid input is about to be rendered: a defect of the library, never of the input. */
export class PlaceholderInOutputError extends Error {
  constructor(where: string) {
    super(`${where} contains "${PLACEHOLDER}", the stand-in for a refused input; refusing to render it. Validate first (renderPlatform and synthesize do), or report this as a cdk8s-agents bug if validation passed`);
    this.name = 'PlaceholderInOutputError';
  }
}

/** Throws when any string in `value` holds the stand-in. */
export function assertNoPlaceholder(value: unknown, where: string): void {
  if (containsPlaceholder(value)) {
    throw new PlaceholderInOutputError(where);
  }
}

function containsPlaceholder(value: unknown): boolean {
  if (typeof value === 'string') {
    return value.includes(PLACEHOLDER);
  }
  if (Array.isArray(value)) {
    return value.some(containsPlaceholder);
  }
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (key.includes(PLACEHOLDER) || containsPlaceholder((value as Record<string, unknown>)[key])) {
        return true;
      }
    }
  }
  return false;
}
