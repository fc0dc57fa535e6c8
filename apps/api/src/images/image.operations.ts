import type { ErrorCode } from '#libs/errors';
import { declareOperation } from '../operations/operation.js';

/** What a caller can do with the images of the Docker host, whatever the transport. */

/**
 * Every one of them takes a host (see fleet.operations.ts): an unknown one, or none where there
 * are several, is BAD_USER_INPUT; a host whose agent is away is HOST_OFFLINE.
 */
const hostErrors = (errors: readonly ErrorCode[]): ErrorCode[] => [
  ...new Set<ErrorCode>([...errors, 'BAD_USER_INPUT', 'HOST_OFFLINE']),
];

const LOOKUP_ERRORS = [
  'INVALID_REFERENCE',
  'IMAGE_NOT_FOUND',
  'AMBIGUOUS_REFERENCE',
  'DOCKER_UNAVAILABLE',
] as const;

export const listImages = declareOperation({
  name: 'images',
  effect: 'read',
  summary: 'Local images, like docker image ls',
  description:
    'Local images of the Docker host, like `docker image ls` (with `all: true`, like `docker image ls -a`).',
  // IMAGE_NOT_FOUND: the Engine API's `before` and `since` filters name an image.
  errors: hostErrors(['BAD_USER_INPUT', 'DOCKER_UNAVAILABLE', 'IMAGE_NOT_FOUND']),
});

export const inspectImage = declareOperation({
  name: 'image',
  effect: 'read',
  summary: 'One image, like docker image inspect',
  description:
    'One image by anything `docker image inspect` accepts: name[:tag], name@digest, full id, or a unique id prefix. Null when absent.',
  errors: hostErrors(LOOKUP_ERRORS),
});

export const imageHistory = declareOperation({
  name: 'imageHistory',
  effect: 'read',
  summary: 'Build history, newest first, like docker image history --no-trunc',
  errors: hostErrors(LOOKUP_ERRORS),
});

export const imageLayers = declareOperation({
  name: 'imageLayers',
  effect: 'read',
  summary: 'Read-only layers, base first, each with the local images sharing it',
  errors: hostErrors(LOOKUP_ERRORS),
});

export const listTags = declareOperation({
  name: 'tags',
  effect: 'read',
  summary: 'Local tags, optionally of one repository',
  description: 'Local tags, optionally of one repository (familiar or normalised name).',
  errors: hostErrors(['DOCKER_UNAVAILABLE']),
});

export const listLayers = declareOperation({
  name: 'layers',
  effect: 'read',
  summary: 'Every layer on the host once, by chain id, with the images sharing it',
  description: 'Every layer on the host once, by chain id, with the images that share it.',
  errors: hostErrors(['BAD_USER_INPUT', 'DOCKER_UNAVAILABLE']),
});

export const inspectLayer = declareOperation({
  name: 'layer',
  effect: 'read',
  summary: 'One layer by chain id',
  errors: hostErrors(['IMAGE_NOT_FOUND', 'DOCKER_UNAVAILABLE']),
});

export const diskUsage = declareOperation({
  name: 'diskUsage',
  effect: 'read',
  summary: 'Like docker system df, for images',
  description: 'Like `docker system df` for images.',
  errors: hostErrors(['DOCKER_UNAVAILABLE']),
});

export const exportImages = declareOperation({
  name: 'exportImages',
  // A read, yet whole images leave the host, secrets baked into layers included.
  effect: 'read',
  role: (config) => config.jobs.exportRole,
  summary:
    'docker image save: a tar stream of this image (and of each extra ref), not buffered; needs the write role unless EXPORT_ROLE=read',
  errors: LOOKUP_ERRORS,
});

export const imageEvents = declareOperation({
  name: 'imageEvents',
  effect: 'read',
  summary: 'Image events of the Docker host',
  description: 'Image events of the Docker host (pull, push, tag, untag, delete, import, load).',
  errors: hostErrors(['BAD_USER_INPUT']),
});

export const tagImage = declareOperation({
  name: 'tagImage',
  effect: 'change',
  summary: 'docker image tag {ref} {target}',
  description:
    '`docker image tag SOURCE TARGET`: adds a name to an image (renames it when the old tag is then removed).',
  errors: hostErrors([
    'INVALID_REFERENCE',
    'BAD_USER_INPUT',
    'IMAGE_NOT_FOUND',
    'AMBIGUOUS_REFERENCE',
    'DOCKER_UNAVAILABLE',
  ]),
});

export const renameImage = declareOperation({
  name: 'renameImage',
  effect: 'change',
  summary: 'Tag {ref} as {target}, then untag {ref}',
  errors: hostErrors([
    'INVALID_REFERENCE',
    'BAD_USER_INPUT',
    'IMAGE_NOT_FOUND',
    'IMAGE_IN_USE',
    'DOCKER_UNAVAILABLE',
  ]),
});

export const untagImage = declareOperation({
  name: 'untagImage',
  effect: 'change',
  summary: 'Remove one tag; the image stays while other tags or containers hold it',
  description: 'Removes one tag; the image stays while other tags or containers hold it.',
  errors: hostErrors(['INVALID_REFERENCE', 'IMAGE_NOT_FOUND', 'IMAGE_IN_USE', 'DOCKER_UNAVAILABLE']),
});

export const removeImage = declareOperation({
  name: 'removeImage',
  effect: 'change',
  summary: 'docker image rm',
  description:
    '`docker image rm`. Without force an image used by a container, or one with several tags given by id, is refused with IMAGE_IN_USE / IMAGE_HAS_MULTIPLE_TAGS. removeContainers first removes the stopped containers that use it.',
  errors: hostErrors([
    'INVALID_REFERENCE',
    'IMAGE_NOT_FOUND',
    'AMBIGUOUS_REFERENCE',
    'IMAGE_IN_USE',
    'IMAGE_HAS_MULTIPLE_TAGS',
    'DOCKER_UNAVAILABLE',
  ]),
});

export const pruneImages = declareOperation({
  name: 'pruneImages',
  effect: 'change',
  summary: 'docker image prune [-a]; dryRun reports without deleting',
  description:
    '`docker image prune`: dangling images only, or every image without a container when all is true. dryRun reports what would go and the space it would free, deleting nothing.',
  errors: hostErrors(['BAD_USER_INPUT', 'DOCKER_UNAVAILABLE']),
});
