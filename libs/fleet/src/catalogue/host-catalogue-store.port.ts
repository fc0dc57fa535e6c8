import type { CatalogueImageEvent } from '#libs/catalogue';
import type { CatalogueNotice, CatalogueState } from './catalogue-wire.js';

/** Nest injection token of the HostCatalogueStore. */
export const HOST_CATALOGUE_STORE = Symbol('HostCatalogueStore');

/** One version of a host's catalogue, as an agent publishes it. */
export interface CataloguePublication {
  readonly state: CatalogueState;
  /** Image id → encoded facts (catalogue-wire.ts) of images the store does not hold yet. */
  readonly addFacts: ReadonlyMap<string, string>;
  /** Image ids whose facts the store may forget. */
  readonly dropFacts: readonly string[];
  /** Drop every fact held before adding `addFacts`: the agent does not know what the store holds. */
  readonly replaceFacts: boolean;
  /** The image events this version is the first to show. */
  readonly events: readonly CatalogueImageEvent[];
}

/**
 * Where each host's catalogue lives between its agent and the api replicas: a versioned state,
 * the facts of its images, and a notice per version. Agents write only their own host's.
 */
export interface HostCatalogueStore {
  /** Agent side: stores the publication as the host's next version, notifies, and returns that version. */
  publish(host: string, publication: CataloguePublication): Promise<number>;
  /** The host's current version and its state; null when it never published (or the state does not parse). */
  read(host: string): Promise<{ readonly version: number; readonly state: CatalogueState | null } | null>;
  /** The current version of each host (0 for none), in one round trip. */
  versions(hosts: readonly string[]): Promise<Map<string, number>>;
  /** The encoded facts of those images that the host's store holds. */
  readFacts(host: string, ids: readonly string[]): Promise<Map<string, string>>;
  /**
   * Calls `onNotice` for each notice of any host. Notices are not queued: one sent while the
   * subscription was down is lost, so `onResubscribed` runs after each reconnection, for the
   * caller to compare versions.
   */
  follow(handlers: {
    onNotice: (host: string, notice: CatalogueNotice) => void;
    onResubscribed: () => void;
  }): Promise<void>;
  close(): Promise<void>;
}
