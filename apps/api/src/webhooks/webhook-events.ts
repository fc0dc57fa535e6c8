import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
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
import { HostJobQueues } from '../jobs/host-job-queues.js';
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
const PUBLISH_ATTEMPTS = 8;
const PUBLISH_RETRY_FIRST_MS = 250;
const PUBLISH_RETRY_MAX_MS = 8_000;
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
  private readonly publishing = new Set<Promise<void>>();
  private stopping = false;
  private hostsTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(WEBHOOK_STORE) private readonly store: WebhookStore,
    private readonly deliveries: WebhookDeliveries,
    private readonly queues: HostJobQueues,
    private readonly hosts: HostCatalogues,
    private readonly findings: ImageUpdatesService,
  ) {}

  onApplicationBootstrap(): void {
    // Straight from the queues, not a JobUpdates stream: this listener is the api's own, not a
    // client's, and must not count as one.
    this.stops.push(this.queues.onChange((record) => this.jobChanged(record)));
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
    this.stopping = true;
    await Promise.allSettled([...this.publishing]);
  }

  /**
   * Tells an event to every subscription that asks for it. Redis away for a moment (a failover)
   * must not lose it: every process would miss it alike, and nothing replays an image event. It
   * is tried again for about half a minute, and waited for at shutdown.
   */
  publish(event: WebhookEvent): Promise<void> {
    const publishing = this.publishWithRetries(event).finally(() => this.publishing.delete(publishing));
    this.publishing.add(publishing);
    return publishing;
  }

  private async publishWithRetries(event: WebhookEvent): Promise<void> {
    const body = JSON.stringify(cloudEventOf(event));
    for (let attempt = 1; ; attempt++) {
      try {
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
        return;
      } catch (error) {
        if (attempt >= PUBLISH_ATTEMPTS || this.stopping) {
          this.logger.warn({
            message: 'webhook event lost',
            eventId: event.id,
            type: event.type,
            error: String(error),
          });
          return;
        }
        await sleep(Math.min(PUBLISH_RETRY_MAX_MS, PUBLISH_RETRY_FIRST_MS * 2 ** (attempt - 1)));
      }
    }
  }

  private jobChanged(record: JobRecord): void {
    if (!isFinal(record)) return;
    void this.publish({
      id: eventId('job', record.id, record.state, String(record.finishedAt?.getTime() ?? '')),
      type: JOB_EVENT_TYPES[record.state]!,
      time: record.finishedAt ?? new Date(),
      host: record.host ?? null,
      reference: record.ref,
      data: { job: jobData(record) },
    });
  }

  private followHosts(): void {
    for (const host of this.hosts.names()) {
      if (this.followed.has(host)) continue;
      this.followed.add(host);
      this.stops.push(this.hosts.catalogueOf(host).onImageEvent((event) => this.imageEvent(host, event)));
    }
    this.hostTransitions();
    void this.listenToJobQueues();
  }

  /**
   * An api hears the job changes of the host queues it has open; while a subscription asks for
   * job events, it opens every host's, so that none goes unheard for want of a process that
   * happened to touch that host's jobs.
   */
  private async listenToJobQueues(): Promise<void> {
    try {
      const webhooks = await this.store.list();
      if (!webhooks.some((webhook) => webhook.events.some((type) => type.startsWith('job.')))) return;
      for (const host of this.hosts.names()) this.queues.listenTo(host);
    } catch {
      // Redis away: the next tick tries again.
    }
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
      // From what the daemon sent only (the reference, or the image id it named): the image id
      // a process looked up in its own snapshot may differ between processes.
      id: eventId(
        'image',
        host,
        event.action,
        event.ref ?? event.imageId ?? '',
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
