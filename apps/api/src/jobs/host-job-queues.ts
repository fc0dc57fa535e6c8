import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { JobNotFoundError } from '#libs/errors';
import { FleetKeys, parseHostName } from '#libs/fleet';
import {
  BullJobQueue,
  bullConnection,
  IMAGE_QUEUE,
  ImageQueueEvents,
  ImportArchives,
  JobLifecycle,
  QueueGuard,
  type JobName,
  type JobPayloads,
  type JobQueue,
  type JobRecord,
  type JobSummary,
  type QueueCounts,
} from '#libs/jobs';
import { HostCatalogues } from '../fleet/host-catalogues.js';

/** Another host's queue, read and written from this api process. */
interface RemoteQueue {
  readonly jobs: BullJobQueue;
  close(): Promise<void>;
}

/**
 * The image queues of every host as one JobQueue. The api's own daemon keeps its queue (worked by
 * the embedded or standalone workers); every other host has its own, under its keys, worked by
 * its agent, so a slow or offline host holds up no other. Another host's job is named
 * `<id>@<host>` outside; the api's own jobs keep their ids.
 */
@Injectable()
export class HostJobQueues implements JobQueue, OnModuleDestroy {
  private readonly remote = new Map<string, RemoteQueue>();
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
    options: { deduplicationId?: string; host?: string } = {},
  ): Promise<JobRecord> {
    const host = options.host ?? this.ownHost();
    if (this.isOwn(host)) return this.mine(await this.local.add(name, payload, options))!;
    return scoped(await this.queueOf(host).add(name, payload, options), host);
  }

  schedule<N extends JobName>(schedulerId: string, name: N, payload: JobPayloads[N], everyMs: number) {
    return this.local.schedule(schedulerId, name, payload, everyMs);
  }

  async get(id: string): Promise<JobRecord | null> {
    const { localId, host } = parseJobId(id);
    if (host === null) return this.mine(await this.local.get(localId));
    // An id naming no host of the fleet names no job (and opens no queue).
    if (!this.hosts.names().includes(host)) return null;
    const record = await this.queueOf(host).get(localId);
    return record && scoped(record, host);
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
    if (host === null) return this.mine(await this.local.cancel(localId))!;
    if (!this.hosts.names().includes(host)) throw new JobNotFoundError(id);
    return scoped(await this.queueOf(host).cancel(localId), host);
  }

  counts(): Promise<QueueCounts> {
    return this.local.counts();
  }

  onChange(listener: (record: JobRecord) => void): () => void {
    this.listeners.add(listener);
    const stops = [
      this.local.onChange((record) => listener(this.mine(record)!)),
      ...[...this.remote.entries()].map(([host, queue]) =>
        queue.jobs.onChange((record) => listener(scoped(record, host))),
      ),
    ];
    return () => {
      this.listeners.delete(listener);
      stops.forEach((stop) => stop());
    };
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.remote.values()].map((queue) => queue.close()));
    this.remote.clear();
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

  /**
   * The host's queue, opened on first use with the same classes that serve the api's own: the
   * prefix is all that differs. Listeners already following jobs follow its jobs too.
   */
  private queueOf(host: string): BullJobQueue {
    const known = this.remote.get(host);
    if (known) return known.jobs;
    const config: StevedoreConfig = {
      ...this.config,
      jobs: { ...this.config.jobs, queuePrefix: this.keys.hostQueuePrefix(parseHostName(host)) },
    };
    const queue = new Queue(IMAGE_QUEUE, {
      connection: bullConnection(config.redis),
      prefix: config.jobs.queuePrefix,
    });
    queue.on('error', () => undefined);
    const events = new ImageQueueEvents(config);
    const lifecycle = new JobLifecycle(queue, config, this.guard, events, this.archives);
    const jobs = new BullJobQueue(queue, config, this.guard, events, lifecycle);
    const stops = [...this.listeners].map((listener) =>
      jobs.onChange((record) => listener(scoped(record, host))),
    );
    this.remote.set(host, {
      jobs,
      close: async () => {
        stops.forEach((stop) => stop());
        jobs.onModuleDestroy();
        await Promise.all([lifecycle.onModuleDestroy(), events.onModuleDestroy(), queue.close()]);
      },
    });
    return jobs;
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
