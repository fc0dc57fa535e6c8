import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { CatalogueImageEvent, CatalogueSnapshot, CatalogueSync } from '#libs/catalogue';
import { encodeFacts } from './catalogue-wire.js';
import type { HostCatalogueStore } from './host-catalogue-store.port.js';

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

/**
 * The agent's side of the catalogue replica: publishes each sync of the host's live catalogue as
 * the host's next version. Syncs that come while one is being published are folded into one
 * publication (the newest snapshot, every event), so a burst costs one or two round trips, and a
 * Redis outage is ridden out by publishing the newest snapshot once it is back.
 */
export class CataloguePublisher {
  private readonly logger = new Logger(CataloguePublisher.name);
  /** Image ids whose facts the store holds, as far as this agent knows. */
  private storedFacts = new Set<string>();
  /** False until a publication succeeded, and again after one failed: the next one replaces all facts. */
  private storeKnown = false;
  private next: { readonly snapshot: CatalogueSnapshot; readonly sequence: number } | null = null;
  private nextEvents: CatalogueImageEvent[] = [];
  private offered = 0;
  private published = { sequence: 0, version: 0 };
  private readonly sequenceOf = new WeakMap<CatalogueSnapshot, number>();
  private readonly waiters = new Set<{
    readonly sequence: number;
    readonly resolve: (version: number) => void;
  }>();
  /** A drain loop runs; cleared in the same turn as the loop's last check, so no offer is missed. */
  private draining = false;
  private stopped = false;

  constructor(
    private readonly host: string,
    private readonly store: HostCatalogueStore,
  ) {}

  /** Takes a sync of the live catalogue for publication (LiveCatalogue.onSynced). */
  offer(sync: CatalogueSync): void {
    if (this.stopped) return;
    const sequence = ++this.offered;
    this.sequenceOf.set(sync.snapshot, sequence);
    this.next = { snapshot: sync.snapshot, sequence };
    this.nextEvents.push(...sync.events);
    if (this.draining) return;
    this.draining = true;
    void this.drain();
  }

  /**
   * The published version that shows `snapshot` (or a later one), once it is published: what an
   * agent's answer to a change carries, so the api can wait for its replica to reach it.
   */
  versionShowing(snapshot: CatalogueSnapshot): Promise<number> {
    const sequence = this.sequenceOf.get(snapshot) ?? this.offered;
    if (this.published.sequence >= sequence) return Promise.resolve(this.published.version);
    return new Promise((resolve) => this.waiters.add({ sequence, resolve }));
  }

  /** The last version this agent published; 0 before the first. */
  publishedVersion(): number {
    return this.published.version;
  }

  /** Stops publishing; waits for a version end with the last one published. */
  stop(): void {
    this.stopped = true;
    for (const waiter of this.waiters) waiter.resolve(this.published.version);
    this.waiters.clear();
  }

  private async drain(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (this.next && !this.stopped) {
      const { snapshot, sequence } = this.next;
      const events = this.nextEvents;
      this.next = null;
      this.nextEvents = [];
      try {
        const version = await this.publish(snapshot, events);
        this.published = { sequence, version };
        delay = RETRY_MIN_MS;
        this.wake();
      } catch (error) {
        // Whether the script ran is unknown: publish everything once Redis answers again.
        if (this.storeKnown || delay === RETRY_MIN_MS) {
          this.logger.warn({ message: 'catalogue publication failed; retrying', error: String(error) });
        }
        this.storeKnown = false;
        this.next ??= { snapshot, sequence };
        this.nextEvents = [...events, ...this.nextEvents];
        await sleep(delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
    this.draining = false;
  }

  private async publish(
    snapshot: CatalogueSnapshot,
    events: readonly CatalogueImageEvent[],
  ): Promise<number> {
    const { sources } = snapshot;
    const replace = !this.storeKnown;
    const present = new Set(sources.factsById.keys());
    const addFacts = new Map<string, string>();
    for (const [id, facts] of sources.factsById) {
      if (replace || !this.storedFacts.has(id)) addFacts.set(id, encodeFacts(facts));
    }
    const dropFacts = replace ? [] : [...this.storedFacts].filter((id) => !present.has(id));
    const version = await this.store.publish(this.host, {
      state: { takenAt: sources.takenAt, summaries: sources.summaries, containers: sources.containers },
      addFacts,
      dropFacts,
      replaceFacts: replace,
      events,
    });
    this.storedFacts = present;
    this.storeKnown = true;
    return version;
  }

  private wake(): void {
    for (const waiter of this.waiters) {
      if (waiter.sequence > this.published.sequence) continue;
      this.waiters.delete(waiter);
      waiter.resolve(this.published.version);
    }
  }
}
