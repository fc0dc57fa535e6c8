import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { JobNotFoundError } from '#libs/errors';
import { FleetKeys, parseHostName } from '#libs/fleet';
import {
  BullJobQueue,
  bullConnection,
  isFanOutId,
  newFanOutId,
  IMAGE_QUEUE,
  ImageQueueEvents,
  ImportArchives,
  JobLifecycle,
  QueueGuard,
  type FanOutJobName,
  type FanOutPlan,
  type FanOutQueue,
  type JobName,
  type JobPayloads,
  type JobQueue,
  type JobRecord,
  type JobSummary,
  type QueueCounts,
} from '#libs/jobs';
import { HostCatalogues } from '../fleet/host-catalogues.js';

/** A queue other than the api's own (another host's, the fleet's), read and written from here. */
interface OpenedQueue {
  readonly jobs: BullJobQueue;
  readonly lifecycle: JobLifecycle;
  close(): Promise<void>;
}

/**
 * The image queues of every host as one JobQueue. The api's own daemon keeps its queue (worked by
 * the embedded or standalone workers); every other host has its own, under its keys, worked by
 * its agent, so a slow or offline host holds up no other. Another host's job is named
 * `<id>@<host>` outside; the api's own jobs keep their ids (and answer to `<id>@<host>` too).
 * The parents of fan-outs live in the fleet's queue, named `fanout-<uuid>` (see fan-out.ts).
 */
@Injectable()
export class HostJobQueues implements JobQueue, FanOutQueue, OnApplicationShutdown {
  private readonly remote = new Map<string, OpenedQueue>();
  private fleet: OpenedQueue | null = null;
  private readonly listeners = new Set<(record: JobRecord) => void>();
  private readonly keys: FleetKeys;

  constructor(
    private readonly local: BullJobQueue,
    private readonly hosts: HostCatalogues,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
    private readonly guard: QueueGuard,
    private readonly archives: ImportArchives,
  ) {
    this.keys = new FleetKeys(config.fleet.keyPrefix);
  }

  async add<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    options: { deduplicationId?: string; host?: string; jobId?: string } = {},
  ): Promise<JobRecord> {
    const host = options.host ?? this.ownHost();
    if (this.isOwn(host)) return this.mine(await this.local.add(name, payload, options))!;
    return scoped(await this.queueOf(host).add(name, payload, options), host);
  }

  schedule<N extends JobName>(schedulerId: string, name: N, payload: JobPayloads[N], everyMs: number) {
    return this.local.schedule(schedulerId, name, payload, everyMs);
  }

  async addFanOut<N extends FanOutJobName>(
    name: N,
    payload: JobPayloads[N],
    plan: FanOutPlan,
  ): Promise<JobRecord> {
    const record = await this.fleetQueue().jobs.add(name, { ...payload, fanOut: plan } as JobPayloads[N], {
      jobId: newFanOutId(),
    });
    return this.parent(record)!;
  }

  /** The lifecycle of the fleet's queue: the fan-out coordinator hears its cancels there. */
  fleetLifecycle(): JobLifecycle {
    return this.fleetQueue().lifecycle;
  }

  async get(id: string): Promise<JobRecord | null> {
    const { localId, host } = parseJobId(id);
    if (host === null && isFanOutId(localId)) return this.parent(await this.fleetQueue().jobs.get(localId));
    if (host === null || this.isOwn(host)) return this.mine(await this.local.get(localId));
    // An id naming no host of the fleet names no job (and opens no queue).
    if (!this.hosts.names().includes(host)) return null;
    const record = await this.queueOf(host).get(localId);
    return record && scoped(record, host);
  }

  /**
   * A job of a host's queue by its id there, whether or not the host is in this api's roster yet
   * (a fan-out taken over right after start): what the fan-out coordinator reads its children by.
   */
  async getOn(host: string, localId: string): Promise<JobRecord | null> {
    if (this.isOwn(host)) return this.mine(await this.local.get(localId));
    const record = await this.queueOf(host).get(localId);
    return record && scoped(record, host);
  }

  /** Cancels a job of a host's queue by its id there (see getOn). */
  async cancelOn(host: string, localId: string): Promise<JobRecord> {
    if (this.isOwn(host)) return this.mine(await this.local.cancel(localId))!;
    return scoped(await this.queueOf(host).cancel(localId), host);
  }

  async summaries(host?: string): Promise<JobSummary[]> {
    const name = host ?? this.ownHost();
    if (this.isOwn(name)) return this.local.summaries();
    return (await this.queueOf(name).summaries()).map((summary) => ({
      ...summary,
      id: remoteJobId(summary.id, name),
    }));
  }

  async getMany(ids: readonly string[]): Promise<JobRecord[]> {
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((record): record is JobRecord => record !== null);
  }

  async cancel(id: string): Promise<JobRecord> {
    const { localId, host } = parseJobId(id);
    if (host === null && isFanOutId(localId))
      return this.parent(await this.fleetQueue().jobs.cancel(localId))!;
    if (host === null || this.isOwn(host)) return this.mine(await this.local.cancel(localId))!;
    if (!this.hosts.names().includes(host)) throw new JobNotFoundError(id);
    return scoped(await this.queueOf(host).cancel(localId), host);
  }

  counts(): Promise<QueueCounts> {
    return this.local.counts();
  }

  onChange(listener: (record: JobRecord) => void): () => void {
    // Opened first: opening attaches the listeners already known, and this one is not yet.
    const fleet = this.fleetQueue();
    this.listeners.add(listener);
    const stops = [
      this.local.onChange((record) => listener(this.mine(record)!)),
      fleet.jobs.onChange((record) => listener(this.parent(record)!)),
      ...[...this.remote.entries()].map(([host, queue]) =>
        queue.jobs.onChange((record) => listener(scoped(record, host))),
      ),
    ];
    return () => {
      this.listeners.delete(listener);
      stops.forEach((stop) => stop());
    };
  }

  /** After the fan-out coordinator stopped using them (it stops at module destroy). */
  async onApplicationShutdown(): Promise<void> {
    const opened = [...this.remote.values(), ...(this.fleet ? [this.fleet] : [])];
    this.remote.clear();
    this.fleet = null;
    await Promise.all(opened.map((queue) => queue.close()));
  }

  private ownHost(): string {
    return this.hosts.localHost ?? this.hosts.resolve(null);
  }

  private isOwn(host: string): boolean {
    return host === this.hosts.localHost;
  }

  private mine(record: JobRecord | null): JobRecord | null {
    return record && (this.hosts.localHost ? { ...record, host: this.hosts.localHost } : record);
  }

  /** A parent as clients see it: its own host's child under the id that host's listing shows. */
  private parent(record: JobRecord | null): JobRecord | null {
    if (!record?.children || !this.hosts.localHost) return record;
    const own = `@${this.hosts.localHost}`;
    const children = record.children.map((id) => (id.endsWith(own) ? id.slice(0, -own.length) : id));
    return { ...record, children };
  }

  /**
   * Opens a host's queue, so that its job changes reach `onChange` listeners from now on (an api
   * otherwise opens a queue only when it first touches that host's jobs).
   */
  listenTo(host: string): void {
    if (host !== this.hosts.localHost) this.queueOf(host);
  }

  /** The host's queue, opened on first use. */
  private queueOf(host: string): BullJobQueue {
    const known = this.remote.get(host);
    if (known) return known.jobs;
    const opened = this.open(this.keys.hostQueuePrefix(parseHostName(host)), (record) =>
      scoped(record, host),
    );
    this.remote.set(host, opened);
    return opened.jobs;
  }

  private fleetQueue(): OpenedQueue {
    this.fleet ??= this.open(this.keys.fleetQueuePrefix(), (record) => this.parent(record)!);
    return this.fleet;
  }

  /**
   * A queue under `prefix`, with the same classes that serve the api's own: the prefix is all
   * that differs. Listeners already following jobs follow its jobs too, as `shown`.
   */
  private open(prefix: string, shown: (record: JobRecord) => JobRecord): OpenedQueue {
    const config: StevedoreConfig = { ...this.config, jobs: { ...this.config.jobs, queuePrefix: prefix } };
    const queue = new Queue(IMAGE_QUEUE, {
      connection: bullConnection(config.redis),
      prefix: config.jobs.queuePrefix,
    });
    queue.on('error', () => undefined);
    const events = new ImageQueueEvents(config);
    const lifecycle = new JobLifecycle(queue, config, this.guard, events, this.archives);
    const jobs = new BullJobQueue(queue, config, this.guard, events, lifecycle);
    const stops = [...this.listeners].map((listener) => jobs.onChange((record) => listener(shown(record))));
    return {
      jobs,
      lifecycle,
      close: async () => {
        stops.forEach((stop) => stop());
        jobs.onModuleDestroy();
        await Promise.all([lifecycle.onModuleDestroy(), events.onModuleDestroy(), queue.close()]);
      },
    };
  }
}

/** Public id of another host's job. */
export function remoteJobId(localId: string, host: string): string {
  return `${localId}@${host}`;
}

/**
 * A public job id: the queue's id, and the host for another host's job (null: the api's own).
 * The host part is not checked here: one that names no host names no job.
 */
export function parseJobId(id: string): { localId: string; host: string | null } {
  const at = id.lastIndexOf('@');
  if (at < 0) return { localId: id, host: null };
  return { localId: id.slice(0, at), host: id.slice(at + 1) };
}

function scoped(record: JobRecord, host: string): JobRecord {
  return { ...record, id: remoteJobId(record.id, host), host };
}
