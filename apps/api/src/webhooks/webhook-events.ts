import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { createHash } from 'node:crypto';
import { compileGlob, type CatalogueImageEvent } from '#libs/catalogue';
import { isFinal, type JobRecord } from '#libs/jobs';
import {
  cloudEventOf,
  WEBHOOK_STORE,
  WebhookDeliveries,
  type WebhookEvent,
  type WebhookEventType,
  type WebhookRecord,
  type WebhookStore,
} from '#libs/webhooks';
import { HostCatalogues } from '../fleet/host-catalogues.js';
import { JobUpdates } from '../jobs/job-updates.js';
import { ImageUpdatesService } from '../registries/updates/image-updates.service.js';

/** Image events the daemon names, as webhook event types. */
const IMAGE_EVENT_TYPES: Readonly<Record<string, WebhookEventType>> = {
  pull: 'image.pull',
  push: 'image.push',
  tag: 'image.tag',
  untag: 'image.untag',
  delete: 'image.delete',
  load: 'image.load',
};
const JOB_EVENT_TYPES: Readonly<Record<string, WebhookEventType>> = {
  COMPLETED: 'job.completed',
  FAILED: 'job.failed',
  CANCELLED: 'job.cancelled',
};
/** How often the hosts are looked at again: new ones to follow, and who went offline or came back. */
const HOSTS_EVERY_MS = 1_000;

/**
 * Turns what happens into webhook deliveries: jobs reaching a final state, image events of every
 * host, update findings, hosts going offline and coming back. Every api process hears them; each event's id derives from what
 * happened, and each delivery's from the event and the subscription, so that processes that
 * noticed the same thing queue the same delivery once.
 */
@Injectable()
export class WebhookEvents implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookEvents.name);
  private readonly stops: (() => void)[] = [];
  private readonly followed = new Set<string>();
  /** Per host, whether it was offline when last looked at, and its last heartbeat then. */
  private readonly offline = new Map<string, { readonly offline: boolean; readonly since: number }>();
  private jobs: AsyncIterableIterator<JobRecord> | null = null;
  private hostsTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(WEBHOOK_STORE) private readonly store: WebhookStore,
    private readonly deliveries: WebhookDeliveries,
    private readonly updates: JobUpdates,
    private readonly hosts: HostCatalogues,
    private readonly findings: ImageUpdatesService,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs = this.updates.all();
    void this.followJobs(this.jobs);
    this.followHosts();
    this.hostsTimer = setInterval(() => this.followHosts(), HOSTS_EVERY_MS);
    this.hostsTimer.unref();
    this.stops.push(
      this.findings.onChange((finding) => {
        if (finding.status !== 'AVAILABLE') return;
        void this.publish({
          id: eventId('update', finding.tag, finding.imageId, finding.remoteDigest ?? ''),
          type: 'update.available',
          time: new Date(finding.checkedAt),
          host: this.hosts.localHost,
          reference: finding.tag,
          data: {
            tag: finding.tag,
            imageId: finding.imageId,
            remoteDigest: finding.remoteDigest,
            checkedAt: finding.checkedAt,
          },
        });
      }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    if (this.hostsTimer) clearInterval(this.hostsTimer);
    for (const stop of this.stops.splice(0)) stop();
    await this.jobs?.return?.();
  }

  /** Tells an event to every subscription that asks for it. */
  async publish(event: WebhookEvent): Promise<void> {
    try {
      const body = JSON.stringify(cloudEventOf(event));
      const subscribers = (await this.store.list()).filter((webhook) => wants(webhook, event));
      await this.deliveries.enqueue(
        subscribers.map((webhook) => ({
          id: `${webhook.id}.${event.id}`,
          webhookId: webhook.id,
          eventId: event.id,
          event: event.type,
          body,
        })),
      );
    } catch (error) {
      this.logger.warn({
        message: 'webhook event not queued',
        eventId: event.id,
        type: event.type,
        error: String(error),
      });
    }
  }

  private async followJobs(records: AsyncIterableIterator<JobRecord>): Promise<void> {
    try {
      for await (const record of records) {
        if (!isFinal(record)) continue;
        const type = JOB_EVENT_TYPES[record.state]!;
        void this.publish({
          id: eventId('job', record.id, record.state, String(record.finishedAt?.getTime() ?? '')),
          type,
          time: record.finishedAt ?? new Date(),
          host: record.host ?? null,
          reference: record.ref,
          data: { job: jobData(record) },
        });
      }
    } catch (error) {
      this.logger.warn({ message: 'job events no longer followed', error: String(error) });
    }
  }

  private followHosts(): void {
    for (const host of this.hosts.names()) {
      if (this.followed.has(host)) continue;
      this.followed.add(host);
      this.stops.push(this.hosts.catalogueOf(host).onImageEvent((event) => this.imageEvent(host, event)));
    }
    this.hostTransitions();
  }

  /**
   * `host.offline` when an agent's heartbeats stop past FLEET_OFFLINE_SECONDS, `host.online` when
   * they come back. Both events are named after the last heartbeat before the silence, which every
   * api process read alike, so that the processes that notice make the same event.
   */
  private hostTransitions(): void {
    const now = new Date();
    for (const record of this.hosts.roster.list()) {
      const offline = this.hosts.roster.status(record, now) === 'OFFLINE';
      const before = this.offline.get(record.name);
      const heartbeat = record.lastHeartbeatAt.getTime();
      if (!before || before.offline === offline) {
        this.offline.set(record.name, { offline, since: offline ? (before?.since ?? heartbeat) : heartbeat });
        continue;
      }
      const silenceBegan = offline ? heartbeat : before.since;
      this.offline.set(record.name, { offline, since: heartbeat });
      const type: WebhookEventType = offline ? 'host.offline' : 'host.online';
      void this.publish({
        id: eventId('host', record.name, type, String(silenceBegan)),
        type,
        time: now,
        host: record.name,
        reference: null,
        data: {
          host: record.name,
          status: offline ? 'OFFLINE' : 'ONLINE',
          lastHeartbeat: record.lastHeartbeatAt.toISOString(),
        },
      });
    }
  }

  private imageEvent(host: string, event: CatalogueImageEvent): void {
    const type = IMAGE_EVENT_TYPES[event.action];
    if (!type) return;
    void this.publish({
      id: eventId(
        'image',
        host,
        event.action,
        event.imageId ?? '',
        event.ref ?? '',
        String(event.time.getTime()),
      ),
      type,
      time: event.time,
      host,
      reference: event.ref,
      data: { action: event.action, imageId: event.imageId, reference: event.ref, host },
    });
  }
}

function wants(webhook: WebhookRecord, event: WebhookEvent): boolean {
  if (webhook.disabled || !webhook.events.includes(event.type)) return false;
  if (webhook.host !== null && webhook.host !== event.host) return false;
  if (webhook.reference === null) return true;
  if (event.reference === null) return false;
  const glob = compileGlob(webhook.reference);
  return (
    glob.matches(event.reference) || glob.matches(event.reference.replace(/^docker\.io\/(library\/)?/, ''))
  );
}

function jobData(record: JobRecord) {
  return {
    id: record.id,
    kind: record.kind,
    ref: record.ref,
    state: record.state,
    host: record.host ?? null,
    error: record.error,
    imageId: record.imageId,
    digest: record.digest,
    createdAt: record.createdAt.toISOString(),
    finishedAt: record.finishedAt?.toISOString() ?? null,
  };
}

/** The same for every process that noticed the same thing. */
function eventId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('base64url').slice(0, 32);
}
