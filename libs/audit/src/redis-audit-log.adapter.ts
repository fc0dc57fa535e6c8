import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { closeRedisClient, createRedisClient } from '#libs/redis';
import { decodeCursor, encodeCursor, MAX_PAGE_SIZE } from '#libs/pagination';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { BadUserInputError, QueueUnavailableError } from '#libs/errors';
import type { AuditEntry, NewAuditEntry } from './audit-entry.js';
import type { AuditLog, AuditPage } from './audit-log.port.js';

export const AUDIT_STREAM = 'stevedore:audit';
/** Entries read per round trip while looking for one operation's entries. */
const SCAN_CHUNK = 500;

/**
 * The audit trail as a capped Redis stream: XADD with an approximate MAXLEN keeps the newest
 * entries, stream ids order them and serve as cursors.
 */
@Injectable()
export class RedisAuditLog implements AuditLog, OnModuleDestroy {
  private readonly redis: Redis;

  constructor(@Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig) {
    this.redis = createRedisClient(config.redis, { maxRetriesPerRequest: 1, lazyConnect: true });
    this.redis.on('error', () => undefined);
  }

  async record(entry: NewAuditEntry): Promise<void> {
    await this.guard(() =>
      this.redis.xadd(
        AUDIT_STREAM,
        'MAXLEN',
        '~',
        String(this.config.audit.maxEntries),
        '*',
        'entry',
        JSON.stringify(entry),
      ),
    );
  }

  async list(query: { operation?: string; first: number; after?: string | null }): Promise<AuditPage> {
    if (!Number.isInteger(query.first) || query.first < 0 || query.first > MAX_PAGE_SIZE) {
      throw new BadUserInputError(`first must be a whole number from 0 to ${MAX_PAGE_SIZE}.`);
    }
    const start = query.after ? `(${streamIdOf(query.after)}` : '+';
    const nodes: AuditEntry[] = [];
    let end = start;
    let hasNextPage = false;
    // Read newest first in chunks until the page is full (a filter may skip many entries).
    for (;;) {
      const rows = await this.guard(() => this.redis.xrevrange(AUDIT_STREAM, end, '-', 'COUNT', SCAN_CHUNK));
      for (const [id, fields] of rows) {
        const entry = entryOf(id, fields);
        if (!entry || (query.operation && entry.operation !== query.operation)) continue;
        if (nodes.length === query.first) {
          hasNextPage = true;
          break;
        }
        nodes.push(entry);
      }
      if (hasNextPage || rows.length < SCAN_CHUNK) break;
      end = `(${rows.at(-1)![0]}`;
    }
    return {
      totalCount: await this.count(query.operation),
      nodes,
      pageInfo: { hasNextPage, endCursor: nodes.length ? encodeCursor(`audit:${nodes.at(-1)!.id}`) : null },
    };
  }

  async onModuleDestroy(): Promise<void> {
    await closeRedisClient(this.redis);
  }

  private async count(operation?: string): Promise<number> {
    if (!operation) return this.guard(() => this.redis.xlen(AUDIT_STREAM));
    let count = 0;
    let end = '+';
    for (;;) {
      const rows = await this.guard(() => this.redis.xrevrange(AUDIT_STREAM, end, '-', 'COUNT', SCAN_CHUNK));
      count += rows.filter(([id, fields]) => entryOf(id, fields)?.operation === operation).length;
      if (rows.length < SCAN_CHUNK) return count;
      end = `(${rows.at(-1)![0]}`;
    }
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      if (this.redis.status === 'wait') await this.redis.connect();
      return await operation();
    } catch (error) {
      throw new QueueUnavailableError(error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }
}

function entryOf(id: string, fields: string[]): AuditEntry | null {
  const json = fields[fields.indexOf('entry') + 1];
  if (!json) return null;
  try {
    const stored = JSON.parse(json) as NewAuditEntry;
    return { ...stored, id, time: new Date(Number(id.split('-')[0])) };
  } catch {
    return null;
  }
}

function streamIdOf(cursor: string): string {
  const key = decodeCursor(cursor);
  const id = key.startsWith('audit:') ? key.slice('audit:'.length) : '';
  if (!/^\d+-\d+$/.test(id)) throw new BadUserInputError('The cursor does not belong to the audit log.');
  return id;
}
