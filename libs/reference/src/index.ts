export type { ImageReference } from './image-reference.js';
export {
  DEFAULT_DOMAIN,
  DEFAULT_TAG,
  LEGACY_DEFAULT_DOMAIN,
  OFFICIAL_REPO_PREFIX,
  REPOSITORY_PATH_MAX_LENGTH,
  TAG_MAX_LENGTH,
} from './image-reference.js';
export { parseReference } from './parse-reference.js';
export { parseDockerRef, withDefaultTag } from './docker-ref.js';
export {
  familiarName,
  isOfficial,
  normalizedName,
  registryOf,
  toFamiliarString,
  toNormalizedString,
} from './reference-strings.js';
export { parseImageLookup } from './image-lookup.js';
export type { ImageLookup } from './image-lookup.js';
export { SUPPORTED_DIGEST_ALGORITHMS } from './digest.js';
