import { setTimeout as sleep } from 'node:timers/promises';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import pLimit from 'p-limit';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { DOCKER_ENGINE, type DockerEngineReads, type EngineEvent } from '#libs/docker';
import { ImageNotFoundError } from '#libs/errors';
import { findImage } from './catalogue-queries.js';
import { CatalogueSnapshot, type ImageFacts } from './catalogue-snapshot.js';
import type { HostCatalogue } from './host-catalogue.js';
import { historyLayersOf, imageLayersOf } from './layer-chain.js';

/** An image event of the daemon, published once the catalogue shows its effect. */
export interface CatalogueImageEvent {
  /** pull, push, tag, untag, delete, import, load, save, … as the daemon names it. */
  readonly action: string;
  readonly imageId: string | null;
  readonly ref: string | null;
  readonly time: Date;
}

/** A successful sync: its snapshot and the image events that it is the first to show. */
export interface CatalogueSync {
  readonly snapshot: CatalogueSnapshot;
  readonly events: readonly CatalogueImageEvent[];
}

export interface CatalogueStatus {
  /** Following the daemon's events with a successful sync since: reads need no daemon call. */
  readonly fresh: boolean;
  readonly following: boolean;
  readonly lastSyncAt: Date | null;
  readonly lastError: string | null;
  readonly images: number;
}

/** Inspect and history calls in flight at once when many new images appear together. */
const FETCH_CONCURRENCY = 8;
/** Events come in bursts (a pull tags and pulls; a load adds many images): sync once per burst. */
const EVENT_DEBOUNCE_MS = 20;
/**
 * How long a change waits for the sync its own daemon event brings before starting one itself
 * (a change with no event, such as a prune that deleted nothing, or an event already consumed).
 */
const SETTLE_GRACE_MS = 50;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;
/**
 * Container events that change which images exist or are in use; start/stop/exec and the like
 * do not. An unnamed `docker commit` makes an image with no image event of its own.
 */
const CONTAINER_ACTIONS = new Set(['create', 'destroy', 'commit']);

/**
 * The host's images, layers and tags, kept in memory and current from the daemon's event stream,
 * with a periodic full resync as a safety net. Reads never wait for the daemon while the stream
 * is up; when it is down (daemon stopped, connection lost) the catalogue is stale and each read
 * syncs first, so it gets current data or DOCKER_UNAVAILABLE, never stale data shown as fresh.
 */
@Injectable()
export class LiveCatalogue implements HostCatalogue, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LiveCatalogue.name);
  private readonly factsById = new Map<string, Promise<ImageFacts>>();
  private readonly fetchLimit = pLimit(FETCH_CONCURRENCY);
  private readonly stopping = new AbortController();
  private readonly listeners = new Set<(event: CatalogueImageEvent) => void>();
  private readonly syncListeners = new Set<(synced: CatalogueSync) => void>();
  private snapshot: CatalogueSnapshot | null = null;
  /** The event stream is open. */
  private following = false;
  /** Counts stream connections, so a catch-up sync only vouches for the connection it followed. */
  private connection = 0;
  /** The connection whose catch-up sync (started after it opened) succeeded. */
  private caughtUp = -1;
  private lastSyncFailed = true;
  private lastError: string | null = null;
  private inFlight: Promise<CatalogueSnapshot> | null = null;
  private queued: Promise<CatalogueSnapshot> | null = null;
  private pendingEvents: EngineEvent[] = [];
  private started = false;
  private debounceTimer: NodeJS.Timeout | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  /** Numbers each sync as it starts, so a change can wait for one that started after it. */
  private syncsStarted = 0;
  private readonly settling = new Set<SettleWaiter>();
  /** One snapshot per request (keyed by its request object), so all of one answer agrees. */
  private readonly byRequest = new WeakMap<object, Promise<CatalogueSnapshot>>();
  private endStartUp: () => void = () => undefined;
  private readonly startedUp = new Promise<void>((resolve) => (this.endStartUp = resolve));

  constructor(
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngineReads,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
  ) {}

  onApplicationBootstrap(): void {
    // An api that holds no Docker socket has no daemon of its own to follow. Once only: Nest
    // calls the hook again for each provider a factory makes of this instance (the api's
    // LOCAL_CATALOGUE), and two event streams would tell every image event twice.
    if (!this.config.fleet.apiDocker || this.started) return;
    this.started = true;
    void this.followEvents();
    this.resyncTimer = setInterval(
      () => void this.refresh().catch(() => undefined),
      this.config.catalogue.resyncMs,
    );
    this.resyncTimer.unref();
  }

  onApplicationShutdown(): void {
    this.stopping.abort();
    for (const waiter of this.settling) clearTimeout(waiter.fallback);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.listeners.clear();
    this.syncListeners.clear();
  }

  /** The current snapshot; syncs first when the catalogue is stale (rejects with DOCKER_UNAVAILABLE). */
  async current(): Promise<CatalogueSnapshot> {
    if (this.snapshot && this.isFresh()) return this.snapshot;
    return this.inFlight ?? this.startSync();
  }

  /**
   * The snapshot one request reads, whichever of its fields or handlers asks: the first call
   * for `request` takes the current one, later calls get the same.
   */
  forRequest(request: object): Promise<CatalogueSnapshot> {
    let snapshot = this.byRequest.get(request);
    if (!snapshot) {
      snapshot = this.current();
      // An unread rejected snapshot must not become an unhandled rejection.
      snapshot.catch(() => undefined);
      this.byRequest.set(request, snapshot);
    }
    return snapshot;
  }

  /**
   * For a change just made through the daemon: the first snapshot from a sync that started after
   * this call, so it shows the change. Waits for the sync the change's own event brings (one
   * sync, not one more), starting one itself after a short grace or when the stream is down.
   */
  settled(): Promise<CatalogueSnapshot> {
    if (!this.isFresh()) return this.refresh();
    return new Promise<CatalogueSnapshot>((resolve, reject) => {
      const waiter: SettleWaiter = {
        after: this.syncsStarted,
        resolve,
        reject,
        fallback: setTimeout(() => {
          if (this.settling.has(waiter)) this.refresh().catch(() => undefined);
        }, SETTLE_GRACE_MS),
      };
      this.settling.add(waiter);
    });
  }

  /**
   * Syncs with a listing taken after this call, for read-your-writes: once a change made through
   * Stevedore completes, awaiting this makes the next read show it.
   */
  refresh(): Promise<CatalogueSnapshot> {
    if (!this.inFlight) return this.startSync();
    this.queued ??= this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.startSync();
      });
    return this.queued;
  }

  isFresh(): boolean {
    return (
      this.following && this.caughtUp === this.connection && !this.lastSyncFailed && this.snapshot !== null
    );
  }

  /**
   * Resolves the first time the catalogue is fresh: the end of the start-up. Its callbacks run
   * before any I/O callback, so before a readiness probe can see the catalogue fresh.
   */
  firstFresh(): Promise<void> {
    return this.startedUp;
  }

  status(): CatalogueStatus {
    return {
      fresh: this.isFresh(),
      following: this.following,
      lastSyncAt: this.snapshot?.takenAt ?? null,
      lastError: this.lastError,
      images: this.snapshot?.images.length ?? 0,
    };
  }

  /**
   * The snapshot of the last successful sync, as it is: no daemon call, possibly stale (see
   * status().fresh); null before the first sync. For readers that must never wait on the daemon,
   * such as metrics scrapes.
   */
  latest(): CatalogueSnapshot | null {
    return this.snapshot;
  }

  /** Calls `listener` for each image event after the catalogue shows it; returns the unsubscribe. */
  onImageEvent(listener: (event: CatalogueImageEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Calls `listener` after each successful sync with its snapshot and the image events it shows
   * (an agent publishes both); returns the unsubscribe.
   */
  onSynced(listener: (synced: CatalogueSync) => void): () => void {
    this.syncListeners.add(listener);
    return () => this.syncListeners.delete(listener);
  }

  private startSync(): Promise<CatalogueSnapshot> {
    const number = ++this.syncsStarted;
    const sync = this.sync().finally(() => {
      if (this.inFlight === sync) this.inFlight = null;
    });
    this.inFlight = sync;
    sync.then(
      (snapshot) => this.settle(number, (waiter) => waiter.resolve(snapshot)),
      (error: unknown) => this.settle(number, (waiter) => waiter.reject(error)),
    );
    return sync;
  }

  /** Ends the waits of the changes made before sync `number` started. */
  private settle(number: number, end: (waiter: SettleWaiter) => void): void {
    for (const waiter of this.settling) {
      if (waiter.after >= number) continue;
      clearTimeout(waiter.fallback);
      this.settling.delete(waiter);
      end(waiter);
    }
  }

  private async sync(): Promise<CatalogueSnapshot> {
    const events = this.pendingEvents.splice(0);
    const started = performance.now();
    try {
      const takenAt = new Date();
      const [summaries, containers] = await Promise.all([
        this.engine.listImages({ all: true }),
        this.engine.listContainers(),
      ]);
      const factsById = await this.factsOf(summaries.map((summary) => summary.id));
      const snapshot = new CatalogueSnapshot({ summaries, factsById, containers, takenAt });
      if (this.lastSyncFailed) {
        this.logger.log({
          message: 'catalogue synced',
          images: snapshot.images.length,
          layers: snapshot.layers.length,
          ms: Math.round(performance.now() - started),
        });
      }
      this.snapshot = snapshot;
      this.lastSyncFailed = false;
      this.lastError = null;
      this.publish(events, snapshot);
      return snapshot;
    } catch (error) {
      if (!this.lastSyncFailed) this.logger.warn({ message: 'catalogue sync failed', error: String(error) });
      this.lastSyncFailed = true;
      this.lastError = error instanceof Error ? error.message : String(error);
      this.publish(events, null);
      throw error;
    }
  }

  /** Inspect and history of each id, fetched once per id; ids no longer listed are forgotten. */
  private async factsOf(ids: readonly string[]): Promise<Map<string, ImageFacts>> {
    const present = new Set(ids);
    for (const id of this.factsById.keys()) if (!present.has(id)) this.factsById.delete(id);
    const facts = new Map<string, ImageFacts>();
    await Promise.all(
      ids.map(async (id) => {
        try {
          facts.set(id, await this.cachedFacts(id));
        } catch (error) {
          // Deleted between the listing and the inspect: its delete event brings the next sync.
          if (!(error instanceof ImageNotFoundError)) throw error;
        }
      }),
    );
    return facts;
  }

  private cachedFacts(id: string): Promise<ImageFacts> {
    let facts = this.factsById.get(id);
    if (!facts) {
      facts = this.fetchLimit(async () => {
        const [details, history] = await Promise.all([
          this.engine.inspectImage(id),
          this.engine.imageHistory(id),
        ]);
        const rows = historyLayersOf(history, details.layers.length);
        return { details, history: rows, layers: imageLayersOf(details.layers, rows) };
      });
      // A failed fetch (image gone, daemon gone) must not be cached.
      facts.catch(() => this.factsById.delete(id));
      this.factsById.set(id, facts);
    }
    return facts;
  }

  private async followEvents(): Promise<void> {
    const signal = this.stopping.signal;
    let delay = RECONNECT_MIN_MS;
    while (!signal.aborted) {
      try {
        const events = await this.engine.openEvents(signal);
        const connection = ++this.connection;
        this.following = true;
        delay = RECONNECT_MIN_MS;
        this.logger.log({ message: 'following daemon events' });
        // Whatever happened while the stream was down is only visible in a full listing: the
        // catalogue is fresh again once a sync that started after the stream opened succeeded.
        this.refresh().then(
          () => {
            if (this.connection !== connection) return;
            this.caughtUp = connection;
            this.endStartUp();
          },
          () => undefined,
        );
        for await (const event of events) this.onEngineEvent(event);
        if (!signal.aborted) this.logger.warn({ message: 'daemon event stream closed' });
      } catch (error) {
        if (!signal.aborted && delay === RECONNECT_MIN_MS) {
          this.logger.warn({ message: 'daemon event stream unavailable', error: String(error) });
        }
      }
      this.following = false;
      this.connection++;
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        return;
      }
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    }
  }

  private onEngineEvent(event: EngineEvent): void {
    // The stream may still hand over buffered events after shutdown.
    if (this.stopping.signal.aborted) return;
    if (event.type === 'container' && !CONTAINER_ACTIONS.has(event.action)) return;
    if (event.type === 'image') this.pendingEvents.push(event);
    this.debounceTimer ??= setTimeout(() => {
      this.debounceTimer = null;
      this.refresh().catch(() => undefined);
    }, EVENT_DEBOUNCE_MS);
  }

  private publish(events: readonly EngineEvent[], snapshot: CatalogueSnapshot | null): void {
    if (this.listeners.size === 0 && (this.syncListeners.size === 0 || !snapshot)) return;
    const published = events.map((event) => toImageEvent(event, snapshot));
    for (const event of published) {
      for (const listener of this.listeners) this.tell(() => listener(event));
    }
    if (!snapshot) return;
    for (const listener of this.syncListeners) this.tell(() => listener({ snapshot, events: published }));
  }

  /** A listener's failure is its own: it must not fail the sync or starve the other listeners. */
  private tell(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.logger.error({ message: 'catalogue listener failed', error: String(error) });
    }
  }
}

interface SettleWaiter {
  /** syncsStarted when the change finished: a sync numbered higher shows it. */
  readonly after: number;
  readonly resolve: (snapshot: CatalogueSnapshot) => void;
  readonly reject: (error: unknown) => void;
  readonly fallback: NodeJS.Timeout;
}

const isImageId = (value: string | undefined): value is string => !!value && value.startsWith('sha256:');

/** The daemon names an image by id for some actions and by reference for others (pull, push). */
export function toImageEvent(event: EngineEvent, snapshot: CatalogueSnapshot | null): CatalogueImageEvent {
  const name = event.attributes['name'];
  // For pull and push the actor id is the full reference and `name` only the repository.
  const ref = [event.actorId, name].find((candidate) => candidate && !isImageId(candidate)) ?? null;
  let imageId = isImageId(event.actorId) ? event.actorId : null;
  if (!imageId && ref && snapshot && event.action !== 'delete') {
    try {
      imageId = findImage(snapshot, ref)?.id ?? null;
    } catch {
      imageId = null;
    }
  }
  return { action: event.action, imageId, ref, time: new Date(event.time) };
}
