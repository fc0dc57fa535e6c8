import { declareOperation } from '../operations/operation.js';

/** What a caller can learn of the fleet of Docker hosts, whatever the transport. */

export const listHosts = declareOperation({
  name: 'hosts',
  effect: 'read',
  summary: 'The Docker hosts of the fleet, with their status, engine and images',
  description:
    'The Docker hosts of the fleet by name, each with its labels, status (ONLINE, DEGRADED, OFFLINE), engine, image count and disk usage; filtered by labels (`key` or `key=value`, all must match) and status.',
  errors: ['BAD_USER_INPUT'],
});

export const inspectHost = declareOperation({
  name: 'host',
  effect: 'read',
  summary: 'One Docker host of the fleet, or null',
  errors: ['BAD_USER_INPUT'],
});

export const findImageEverywhere = declareOperation({
  name: 'imageEverywhere',
  effect: 'read',
  summary: 'Which hosts hold an image, and by which id and digest',
  description:
    'Every host holding an image that `docker image inspect <ref>` would find there, with the image as that host holds it (its id and digests). Offline hosts answer from their last catalogue.',
  errors: ['INVALID_REFERENCE', 'AMBIGUOUS_REFERENCE'],
});

export const listFleetImages = declareOperation({
  name: 'fleetImages',
  effect: 'read',
  summary: 'The images of every host, the same image across hosts grouped by id',
  description:
    'The images of every host (of those with the host labels given), one entry per image id with each host that holds it, in id order. Offline hosts answer from their last catalogue.',
  errors: ['BAD_USER_INPUT'],
});
