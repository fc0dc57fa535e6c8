import { declareOperation } from '../operations/operation.js';

const REMOTE_ERRORS = ['REGISTRY_UNAUTHORIZED', 'REGISTRY_UNREACHABLE', 'RATE_LIMITED'] as const;

export const listRegistries = declareOperation({
  name: 'registries',
  effect: 'read',
  summary: 'The registries Stevedore knows, with their reachability and auth status',
  description:
    'Every registry Stevedore knows by name (the API, the registries file, DOCKER_CONFIG, Docker Hub), each checked with `GET /v2/`. Credentials are never returned.',
  errors: ['QUEUE_UNAVAILABLE'],
});

export const readRegistry = declareOperation({
  name: 'registry',
  effect: 'read',
  summary: 'One registry by name, and the repositories of its catalog',
  description:
    'One known registry, or null; its `repositories` come from `/v2/_catalog`. A registry that refuses its catalog (Docker Hub) answers UNSUPPORTED, never an empty list.',
  errors: ['BAD_USER_INPUT', 'UNSUPPORTED', 'QUEUE_UNAVAILABLE', ...REMOTE_ERRORS],
});

export const readRepository = declareOperation({
  name: 'repository',
  effect: 'read',
  summary: "A registry's repository and its tags, without pulling",
  description:
    'A repository named as in references (`nginx`, `127.0.0.1:5000/app`) and its tags, read from the registry.',
  errors: ['INVALID_REFERENCE', 'BAD_USER_INPUT', 'MANIFEST_UNKNOWN', 'QUEUE_UNAVAILABLE', ...REMOTE_ERRORS],
});

export const readRemoteImage = declareOperation({
  name: 'remoteImage',
  effect: 'read',
  summary: 'What a registry holds for a reference, read without pulling',
  description:
    "The manifest a reference resolves to (digest, media type, every platform of an index) and, for one platform (`platform`, else the daemon's), the size, creation time, labels and layers from its config blob.",
  errors: ['INVALID_REFERENCE', 'BAD_USER_INPUT', 'MANIFEST_UNKNOWN', 'QUEUE_UNAVAILABLE', ...REMOTE_ERRORS],
});

export const addRegistry = declareOperation({
  name: 'addRegistry',
  effect: 'change',
  role: 'admin',
  summary: 'Adds or replaces a registry and its credentials (admin role)',
  description:
    'Adds a registry, or replaces the one of the same name added before; credentials are sealed at rest and never returned.',
  errors: ['BAD_USER_INPUT', 'QUEUE_UNAVAILABLE'],
});

export const removeRegistry = declareOperation({
  name: 'removeRegistry',
  effect: 'change',
  role: 'admin',
  summary: 'Removes a registry added through the API (admin role)',
  description:
    'Removes a registry added through the API; false when there was none. Registries of the file or the Docker config are changed there.',
  errors: ['BAD_USER_INPUT', 'QUEUE_UNAVAILABLE'],
});

export const searchImages = declareOperation({
  name: 'searchImages',
  effect: 'read',
  summary: 'Searches an index like docker search: name, description, stars, official, automated',
  description:
    "Searches Docker Hub, or the index `registry` names, through the daemon's `GET /images/search`, so that its mirrors and proxy settings apply. `filter` keeps official images only, or those with at least `minStars` stars.",
  errors: ['BAD_USER_INPUT', 'DOCKER_UNAVAILABLE', 'REGISTRY_UNAUTHORIZED', 'REGISTRY_UNREACHABLE'],
});

export const checkImageUpdates = declareOperation({
  name: 'checkImageUpdates',
  effect: 'change',
  summary: 'Checks local tags against their registries for newer images, as a job',
  description:
    "Queues a check of one local tag (`ref`), or of every tagged local image: a HEAD of each tag in its registry, compared with the image's RepoDigests. Findings appear as `Image.update` and on `imageUpdates`; an identical check still queued is the one answered.",
  errors: ['INVALID_REFERENCE', 'IMAGE_NOT_FOUND', 'QUEUE_UNAVAILABLE'],
});

export const imageUpdates = declareOperation({
  name: 'imageUpdates',
  effect: 'read',
  summary: 'Each changed finding of the update checks, live',
  description: 'Each finding of an update check whose status or remote digest changed, with its image.',
  errors: ['QUEUE_UNAVAILABLE'],
});
