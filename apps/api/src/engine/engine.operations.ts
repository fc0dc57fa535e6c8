import { declareOperation } from '../operations/operation.js';

/*
 * The Engine API serves the operations GraphQL and REST serve (images, pullImage, removeImage, …);
 * these are the few that only the docker CLI asks for.
 */

export const engineSystem = declareOperation({
  name: 'engineSystem',
  effect: 'read',
  summary: "The Engine API's own description: /_ping, /version and /info, as the docker CLI asks",
  errors: ['BAD_USER_INPUT', 'HOST_OFFLINE'],
});

export const registryLogin = declareOperation({
  name: 'registryLogin',
  effect: 'read',
  // Stevedore calls the registry the caller names with the credentials it gives: only for those
  // who may pull and push anyway, whom `docker login` serves.
  role: 'write',
  summary: '`docker login`: checks credentials against a registry; Stevedore keeps none of them',
  description:
    'The CLI stores the credentials itself and sends them with each push or pull (X-Registry-Auth); Stevedore only checks them against the registry, as the daemon does.',
  errors: ['BAD_USER_INPUT', 'REGISTRY_UNAUTHORIZED', 'REGISTRY_UNREACHABLE'],
});
