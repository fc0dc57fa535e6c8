import type { Redis } from 'ioredis';
import { closeRedisClient, createRedisClient, type RedisTarget } from '#libs/redis';
import { QueueUnavailableError } from '#libs/errors';
import type { UpdateFinding } from './update-status.js';

/** Nest injection token of the update findings. */
export const UPDATE_FINDINGS = Symbol('UpdateFindings');

/** The finding of one local tag, as a check left it. */
export interface TagFinding extends UpdateFinding {
  /** Normalised `repository:tag`. */
  readonly tag: string;
  /** The local image the tag named when it was checked. */
  readonly imageId: string;
  /** ISO 8601. */
  readonly checkedAt: string;
}

/**
 * The latest finding of every checked tag, shared by the workers that check and the api
 * processes that answer `Image.update`, with a notice of each finding that changed.
 */
export interface UpdateFindings {
  /** Keeps these findings; answers those whose status or remote digest changed (or are new). */
  record(findings: readonly TagFinding[]): Promise<TagFinding[]>;
  /** Every finding, by tag. */
  all(): Promise<Map<string, TagFinding>>;
  /** Calls `listener` with each changed finding any process records; returns the unsubscribe. */
  onChange(listener: (finding: TagFinding) => void): () => void;
}

export const UPDATE_FINDINGS_KEY = 'stevedore:image-updates';
const CHANGES_CHANNEL = 'stevedore:image-updates:changes';

/** The findings as one Redis hash (tag → JSON), and their changes on a pub/sub channel. */
export class RedisUpdateFindings implements UpdateFindings {
  private readonly redis: Redis;
  private subscriber: Redis | undefined;
  private readonly listeners = new Set<(finding: TagFinding) => void>();

  constructor(private readonly redisUrl: RedisTarget) {
    this.redis = createRedisClient(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    this.redis.on('error', () => undefined);
  }

  async record(findings: readonly TagFinding[]): Promise<TagFinding[]> {
    if (findings.length === 0) return [];
    const before = await this.all();
    const changed = findings.filter((finding) => {
      const held = before.get(finding.tag);
      return !held || held.status !== finding.status || held.remoteDigest !== finding.remoteDigest;
    });
    // One round trip for the findings and the notices of those that changed.
    const batch = this.redis
      .multi()
      .hset(UPDATE_FINDINGS_KEY, ...findings.flatMap((finding) => [finding.tag, JSON.stringify(finding)]));
    for (const finding of changed) batch.publish(CHANGES_CHANNEL, JSON.stringify(finding));
    await this.guard(() => batch.exec());
    return changed;
  }

  async all(): Promise<Map<string, TagFinding>> {
    const rows = await this.guard(() => this.redis.hgetall(UPDATE_FINDINGS_KEY));
    const findings = new Map<string, TagFinding>();
    for (const [tag, text] of Object.entries(rows)) {
      const finding = parseFinding(text);
      if (finding) findings.set(tag, finding);
    }
    return findings;
  }

  onChange(listener: (finding: TagFinding) => void): () => void {
    this.listeners.add(listener);
    if (!this.subscriber) {
      this.subscriber = createRedisClient(this.redisUrl, { maxRetriesPerRequest: null });
      this.subscriber.on('error', () => undefined);
      this.subscriber.on('message', (_channel: string, text: string) => {
        const finding = parseFinding(text);
        if (finding) for (const each of this.listeners) each(finding);
      });
      void this.subscriber.subscribe(CHANGES_CHANNEL).catch(() => undefined);
    }
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    await closeRedisClient(this.redis);
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new QueueUnavailableError('while reading or recording update findings', { cause: error });
    }
  }
}

function parseFinding(text: string): TagFinding | undefined {
  try {
    const value = JSON.parse(text) as TagFinding;
    return typeof value.tag === 'string' && typeof value.status === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
