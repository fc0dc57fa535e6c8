import type { CatalogueSnapshot } from './catalogue-snapshot.js';
import type { CatalogueImageEvent } from './live-catalogue.js';

/**
 * What the api reads of one host's images, wherever they come from: the live catalogue of a
 * daemon in this process, or the replica of a host whose agent publishes through Redis.
 */
export interface HostCatalogue {
  /** The snapshot to answer from now (a live catalogue syncs first when it is stale). */
  current(): Promise<CatalogueSnapshot>;
  /** One snapshot per request (keyed by its request object), so all of one answer agrees. */
  forRequest(request: object): Promise<CatalogueSnapshot>;
  /** The last snapshot as it is, without waiting; null before the first. */
  latest(): CatalogueSnapshot | null;
  /** Calls `listener` for each image event once the snapshot shows it; returns the unsubscribe. */
  onImageEvent(listener: (event: CatalogueImageEvent) => void): () => void;
}
