import { Logger } from '@nestjs/common';
import pLimit from 'p-limit';
import { CatalogueSnapshot, type CatalogueImageEvent, type ImageFacts } from '#libs/catalogue';
import { QueueUnavailableError } from '#libs/errors';
import type { CatalogueNotice } from './catalogue-wire.js';
import { FactsPool } from './facts-pool.js';
import type { HostCatalogueStore } from './host-catalogue-store.port.js';

/** A host's catalogue as the api holds it. */
export interface ReplicatedCatalogue {
  readonly host: string;
  /** The published version it shows. */
  readonly version: number;
  readonly snapshot: CatalogueSnapshot;
}

export interface CatalogueReplicasOptions {
  /** How often the host list and every version are checked, for hosts and notices missed. */
  readonly rescanMs: number;
  /** Hosts loaded at once (at start-up, and after a reconnection). */
  readonly concurrency?: number;
  /** A host this process serves otherwise (its own daemon, in-process): never replicated. */
  readonly localHost?: string | null;
}

type ImageEventListener = (host: string, event: CatalogueImageEvent) => void;

/** Notices kept per host while their version is being read. */
const MAX_PENDING_NOTICES = 100;

interface VersionWaiter {
  readonly version: number;
  readonly resolve: (catalogue: ReplicatedCatalogue) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

/** One host's replica: what it shows, and the work and waits around it. */
class HostReplica {
  current: ReplicatedCatalogue | null = null;
  /** Image id → the pool key and facts it holds. */
  facts = new Map<string, { readonly key: string; readonly facts: ImageFacts }>();
  /** Events of notices whose version is not shown yet. */
  readonly pendingEvents: CatalogueNotice[] = [];
  readonly waiters = new Set<VersionWaiter>();
  loading: Promise<void> | null = null;
  loadAgain = false;
  /** The version whose state did not parse: not read again until another is published. */
  refusedVersion = 0;
  /** The newest version a notice announced: what a read waits for, for read-your-writes across api processes. */
  noticedVersion = 0;

  constructor(readonly host: string) {}

  get version(): number {
    return this.current?.version ?? 0;
  }
}

/**
 * The api's in-memory replica of every host's catalogue, fed from the store: each notice makes
 * the host's replica read the new version (its state, and the facts of images it has not seen).
 * Reads never leave the process. A host whose agent is away keeps the last catalogue it
 * published.
 */
export class CatalogueReplicas {
  private readonly logger = new Logger(CatalogueReplicas.name);
  private readonly replicas = new Map<string, HostReplica>();
  private readonly pool = new FactsPool();
  private readonly listeners = new Set<ImageEventListener>();
  private readonly loadLimit: ReturnType<typeof pLimit>;
  private rescanTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private following = false;

  constructor(
    private readonly store: HostCatalogueStore,
    /** The names of the registered hosts. */
    private readonly listHosts: () => Promise<readonly string[]>,
    private readonly options: CatalogueReplicasOptions,
  ) {
    this.loadLimit = pLimit(options.concurrency ?? 16);
  }

  /** Follows the notices, then loads every registered host: resolves once all are loaded. */
  async start(): Promise<void> {
    if (!this.following) {
      await this.store.follow({
        onNotice: (host, notice) => this.onNotice(host, notice),
        onResubscribed: () => void this.rescan().catch(() => undefined),
      });
      this.following = true;
    }
    await this.rescan();
    this.rescanTimer ??= setInterval(() => void this.rescan().catch(() => undefined), this.options.rescanMs);
    this.rescanTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    for (const replica of this.replicas.values()) this.endWaits(replica, new Error('stopping'));
    this.listeners.clear();
  }

  /** The host's catalogue as last published; null when its agent never published one. */
  get(host: string): ReplicatedCatalogue | null {
    return this.replicas.get(host)?.current ?? null;
  }

  /** The hosts known here, by name. */
  hostNames(): string[] {
    return [...this.replicas.keys()].sort();
  }

  /** Distinct image facts held across all hosts. */
  distinctFacts(): number {
    return this.pool.size;
  }

  /**
   * Resolves once the host's replica shows `version` or a later one: read-your-writes for a change
   * whose agent answered with the version that shows it. Rejects after `timeoutMs`.
   */
  reached(host: string, version: number, timeoutMs: number): Promise<ReplicatedCatalogue> {
    const replica = this.replicaOf(host);
    if (replica.current && replica.version >= version) return Promise.resolve(replica.current);
    return new Promise<ReplicatedCatalogue>((resolve, reject) => {
      const waiter: VersionWaiter = {
        version,
        resolve,
        reject,
        timer: setTimeout(() => {
          replica.waiters.delete(waiter);
          reject(
            new QueueUnavailableError(
              `The api's copy of host ${host} did not reach catalogue version ${version} within ${timeoutMs} ms.`,
            ),
          );
        }, timeoutMs),
      };
      replica.waiters.add(waiter);
      // The notice may have come before this wait: read the store rather than wait for the next.
      void this.load(replica).catch(() => undefined);
    });
  }

  /**
   * The host's catalogue once it shows every version announced so far. A change made through
   * another api process is answered after its notice went out (the agent publishes before it
   * answers), so a read here right after that answer waits the few milliseconds the replica needs
   * rather than showing the host as it was. Waits at most `timeoutMs`, then answers what it has.
   */
  async caughtUp(host: string, timeoutMs: number): Promise<ReplicatedCatalogue | null> {
    const replica = this.replicas.get(host);
    if (!replica) return null;
    if (
      replica.current &&
      replica.noticedVersion > replica.version &&
      replica.noticedVersion !== replica.refusedVersion
    ) {
      await this.reached(host, replica.noticedVersion, timeoutMs).catch(() => undefined);
    }
    return replica.current;
  }

  /** Calls `listener` for each image event of any host once that host's replica shows it. */
  onImageEvent(listener: ImageEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads hosts not seen yet and every host whose published version differs from the one held. */
  async rescan(): Promise<void> {
    const names = await this.listHosts();
    for (const name of names) if (name !== this.options.localHost) this.replicaOf(name);
    const hosts = [...this.replicas.keys()];
    const versions = await this.store.versions(hosts);
    await Promise.all(
      hosts
        .map((host) => this.replicas.get(host)!)
        .filter((replica) => {
          const published = versions.get(replica.host) ?? 0;
          return published !== replica.version && published !== replica.refusedVersion;
        })
        .map((replica) => this.loadLimit(() => this.load(replica)).catch(() => undefined)),
    );
  }

  private onNotice(host: string, notice: CatalogueNotice): void {
    if (this.stopped || host === this.options.localHost) return;
    const replica = this.replicaOf(host);
    replica.noticedVersion = Math.max(replica.noticedVersion, notice.version);
    if (notice.version <= replica.version) {
      // Already shown: the replica read the store after this version was published.
      this.emit(host, notice.events);
      return;
    }
    // Bounded: an agent publishing notices of versions it never stores must not grow this.
    if (replica.pendingEvents.length >= MAX_PENDING_NOTICES) replica.pendingEvents.shift();
    replica.pendingEvents.push(notice);
    void this.load(replica).catch(() => undefined);
  }

  private replicaOf(host: string): HostReplica {
    let replica = this.replicas.get(host);
    if (!replica) {
      replica = new HostReplica(host);
      this.replicas.set(host, replica);
    }
    return replica;
  }

  /** One load at a time per host; a load asked for during one runs once more after it. */
  private load(replica: HostReplica): Promise<void> {
    if (replica.loading) {
      replica.loadAgain = true;
      return replica.loading;
    }
    const loading = (async () => {
      try {
        do {
          replica.loadAgain = false;
          await this.loadOnce(replica);
        } while (replica.loadAgain && !this.stopped);
      } finally {
        // In the same turn as the last check: a load asked for after it starts a new loop.
        replica.loading = null;
      }
    })();
    replica.loading = loading;
    return loading;
  }

  private async loadOnce(replica: HostReplica): Promise<void> {
    const published = await this.store.read(replica.host);
    if (published && replica.noticedVersion > published.version) {
      // Announced but never stored (a notice ahead of the store, or a store that lost writes):
      // nothing to wait for beyond what the store holds.
      replica.noticedVersion = published.version;
      replica.pendingEvents.splice(
        0,
        replica.pendingEvents.length,
        ...replica.pendingEvents.filter((notice) => notice.version <= published.version),
      );
    }
    if (!published || published.version === replica.version || this.stopped) return;
    if (!published.state) {
      if (replica.refusedVersion !== published.version) {
        this.logger.warn({ message: 'refused a host catalogue that does not parse', host: replica.host });
      }
      replica.refusedVersion = published.version;
      return;
    }
    const { state } = published;
    const ids = [...new Set(state.summaries.map((summary) => summary.id))];
    const missing = ids.filter((id) => !replica.facts.has(id));
    const encoded = await this.store.readFacts(replica.host, missing);
    if (this.stopped) return;

    const held = new Map<string, { readonly key: string; readonly facts: ImageFacts }>();
    for (const id of ids) {
      const kept = replica.facts.get(id);
      const acquired = kept ?? this.acquire(replica.host, id, encoded.get(id));
      if (acquired) held.set(id, acquired);
    }
    for (const [id, { key }] of replica.facts) if (!held.has(id)) this.pool.release(key);
    replica.facts = held;

    const factsById = new Map([...held].map(([id, { facts }]) => [id, facts]));
    const snapshot = new CatalogueSnapshot({
      summaries: state.summaries,
      containers: state.containers,
      factsById,
      takenAt: state.takenAt,
    });
    replica.current = { host: replica.host, version: published.version, snapshot };
    this.afterLoad(replica);
  }

  private acquire(host: string, id: string, encoded: string | undefined) {
    // Absent: dropped by a version published after the state was read; the next load has it.
    if (encoded === undefined) return null;
    const acquired = this.pool.acquire(id, encoded);
    if (!acquired) this.logger.warn({ message: 'refused image facts that do not parse', host, imageId: id });
    return acquired;
  }

  private afterLoad(replica: HostReplica): void {
    const current = replica.current!;
    const pending = replica.pendingEvents.splice(0);
    for (const notice of pending) {
      if (notice.version <= current.version) this.emit(replica.host, notice.events);
      else replica.pendingEvents.push(notice);
    }
    for (const waiter of replica.waiters) {
      if (waiter.version > current.version) continue;
      clearTimeout(waiter.timer);
      replica.waiters.delete(waiter);
      waiter.resolve(current);
    }
  }

  private endWaits(replica: HostReplica, error: Error): void {
    for (const waiter of replica.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    replica.waiters.clear();
  }

  private emit(host: string, events: readonly CatalogueImageEvent[]): void {
    for (const event of events) {
      for (const listener of this.listeners) {
        try {
          listener(host, event);
        } catch (error) {
          this.logger.error({ message: 'image event listener failed', host, error: String(error) });
        }
      }
    }
  }
}
