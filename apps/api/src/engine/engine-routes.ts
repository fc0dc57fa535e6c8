import {
  exportImages,
  diskUsage,
  imageEvents,
  imageHistory,
  inspectImage,
  listImages,
  pruneImages,
  removeImage,
  tagImage,
} from '../images/image.operations.js';
import { importImages, pullImage, pushImage } from '../jobs/job.operations.js';
import { searchImages } from '../registries/registry.operations.js';
import type { EngineRoute } from './engine-call.js';
import type { EngineImageChangeHandlers } from './engine-image-changes.handlers.js';
import type { EngineImageReadHandlers } from './engine-image-reads.handlers.js';
import type { EngineSystemHandlers } from './engine-system.handlers.js';
import type { EngineTransferHandlers } from './engine-transfers.handlers.js';
import { engineSystem, registryLogin } from './engine.operations.js';

export interface EngineHandlers {
  readonly system: EngineSystemHandlers;
  readonly reads: EngineImageReadHandlers;
  readonly changes: EngineImageChangeHandlers;
  readonly transfers: EngineTransferHandlers;
}

/** An image name in a path: it may hold slashes (`127.0.0.1:5000/team/app:1`), as the daemon's `{name:.*}`. */
const NAME = '(.+)';

/**
 * The image part of the Engine API, each path with the operation it serves: the same
 * declarations as GraphQL and REST, so roles, budgets, audit and metrics are theirs. Anything
 * not listed here is refused, never forwarded.
 */
export function engineRoutes({ system, reads, changes, transfers }: EngineHandlers): readonly EngineRoute[] {
  const route = (
    method: EngineRoute['method'],
    path: string,
    operation: EngineRoute['operation'],
    handle: EngineRoute['handle'],
  ): EngineRoute => ({
    method,
    path: new RegExp(`^${path}/?$`),
    operation,
    handle,
  });
  return [
    { ...route('GET', '/_ping', engineSystem, system.ping), hostless: true },
    route('GET', '/version', engineSystem, system.versionOf),
    route('GET', '/info', engineSystem, system.info),
    { ...route('POST', '/auth', registryLogin, system.login), hostless: true },
    route('GET', '/images/json', listImages, reads.list),
    route('GET', '/images/search', searchImages, reads.search),
    route('GET', '/images/get', exportImages, transfers.save),
    route('POST', '/images/create', pullImage, transfers.pull),
    route('POST', '/images/load', importImages, transfers.load),
    route('POST', '/images/prune', pruneImages, changes.prune),
    route('GET', `/images/${NAME}/json`, inspectImage, reads.inspect),
    route('GET', `/images/${NAME}/history`, imageHistory, reads.history),
    route('GET', `/images/${NAME}/get`, exportImages, transfers.save),
    route('POST', `/images/${NAME}/push`, pushImage, transfers.push),
    route('POST', `/images/${NAME}/tag`, tagImage, changes.tag),
    route('DELETE', `/images/${NAME}`, removeImage, changes.remove),
    route('GET', '/system/df', diskUsage, reads.diskUsage),
    route('GET', '/events', imageEvents, reads.events),
  ];
}
