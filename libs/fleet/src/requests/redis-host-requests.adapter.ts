import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { closeRedisClient, createRedisClient, type RedisTarget } from '#libs/redis';
import pLimit from 'p-limit';
import { DomainError, HostOfflineError, QueueUnavailableError } from '#libs/errors';
import type { ImageChangeCommand } from '#libs/image-changes';
import { FleetKeys } from '../host-keys.js';
import { answerSchema, knownCode, parseJson, requestSchema, type WireAnswer } from './host-request-wire.js';
import type { HostAnswer, HostRequests } from './host-requests.port.js';

/** Seconds one BRPOP blocks, so an agent notices its stop within this. */
const POLL_SECONDS = 2;
/** Requests an agent runs at once: a slow prune does not hold up a tag. */
const AGENT_CONCURRENCY = 4;

interface Pending {
  readonly host: string;
  readonly resolve: (answer: HostAnswer) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Host requests on Redis: a list per host that its agent pops (BRPOP), and a channel per host on
 * which it publishes each answer; the api follows every host's answers with one PSUBSCRIBE. Both
 * sit under the host's keys, so an agent's ACL user reaches its own requests only, and an answer
 * counts only from the channel of the host it was asked of.
 */
export class RedisHostRequests implements HostRequests {
  private readonly logger = new Logger(RedisHostRequests.name);
  private readonly redis: Redis;
  private readonly pending = new Map<string, Pending>();
  private subscribed: Promise<Redis> | null = null;
  private readonly blocking = new Set<Redis>();

  constructor(
    private readonly redisUrl: RedisTarget,
    private readonly keys = new FleetKeys(),
  ) {
    this.redis = createRedisClient(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    this.redis.on('error', () => undefined);
  }

  async send(host: string, command: ImageChangeCommand, timeoutMs: number): Promise<HostAnswer> {
    await this.answers();
    const id = randomUUID();
    const request = JSON.stringify({ id, deadline: Date.now() + timeoutMs, command });
    const answered = new Promise<HostAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new HostOfflineError(
            host,
            `its agent did not answer within ${Math.round(timeoutMs / 1000)} s (a change it had not started is dropped)`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { host, resolve, reject, timer });
    });
    try {
      const key = this.keys.hostRequests(host);
      // The list of an agent that never comes back goes too, once its last request has expired.
      await this.redis.multi().lpush(key, request).pexpire(key, timeoutMs).exec();
    } catch (error) {
      const pending = this.pending.get(id);
      if (pending) clearTimeout(pending.timer);
      this.pending.delete(id);
      throw new QueueUnavailableError('while sending a request to a host', { cause: error });
    }
    return answered;
  }

  async serve(
    host: string,
    handle: (command: ImageChangeCommand) => Promise<HostAnswer>,
    signal: AbortSignal,
  ): Promise<void> {
    // BRPOP blocks its connection: a connection of its own, retried for as long as Redis is away.
    const connection = createRedisClient(this.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    connection.on('error', () => undefined);
    this.blocking.add(connection);
    const limit = pLimit(AGENT_CONCURRENCY);
    // A BRPOP queued while Redis is away settles only once it is back: the stop must not wait for it.
    const stopped = new Promise<null>((resolve) => {
      if (signal.aborted) resolve(null);
      signal.addEventListener('abort', () => resolve(null), { once: true });
    });
    try {
      while (!signal.aborted) {
        // Wait for a free slot before taking the next request off the list.
        while (limit.activeCount >= AGENT_CONCURRENCY && !signal.aborted) await limit(async () => undefined);
        let popped: [string, string] | null;
        try {
          const pop = connection.brpop(this.keys.hostRequests(host), POLL_SECONDS);
          pop.catch(() => undefined);
          popped = await Promise.race([pop, stopped]);
          if (signal.aborted) break;
        } catch (error) {
          if (signal.aborted) break;
          this.logger.warn({ message: 'cannot read host requests; retrying', host, error: String(error) });
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          continue;
        }
        if (popped) void limit(() => this.answer(host, popped[1], handle));
      }
    } finally {
      this.blocking.delete(connection);
      connection.disconnect();
    }
  }

  async close(): Promise<void> {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new QueueUnavailableError('the api is stopping'));
    }
    this.pending.clear();
    for (const connection of this.blocking) connection.disconnect();
    (await this.subscribed?.catch(() => null))?.disconnect();
    await closeRedisClient(this.redis);
  }

  /** Agent side: one request, run if its deadline has not passed, answered on the host's channel. */
  private async answer(
    host: string,
    raw: string,
    handle: (command: ImageChangeCommand) => Promise<HostAnswer>,
  ): Promise<void> {
    const parsed = requestSchema.safeParse(parseJson(raw));
    if (!parsed.success) {
      this.logger.warn({ message: 'dropped a request that does not parse', host });
      return;
    }
    const { id, deadline, command } = parsed.data;
    if (Date.now() > deadline) {
      this.logger.warn({
        message: 'dropped a request past its deadline',
        host,
        requestId: id,
        kind: command.kind,
      });
      return;
    }
    let answer: WireAnswer;
    try {
      answer = { id, ...(await handle(command)) };
    } catch (error) {
      if (error instanceof DomainError && error.code !== 'INTERNAL') {
        answer = { id, error: { code: error.code, message: error.message } };
      } else {
        this.logger.error({ message: 'request failed', host, requestId: id, error: String(error) });
        answer = {
          id,
          error: { code: 'INTERNAL', message: `The agent of ${host} failed (request ${id}; see its log).` },
        };
      }
    }
    try {
      await this.redis.publish(this.keys.hostAnswers(host), JSON.stringify(answer));
    } catch (error) {
      this.logger.warn({ message: 'cannot publish an answer', host, requestId: id, error: String(error) });
    }
  }

  /** Api side: the one subscription to every host's answers, made on first use. */
  private answers(): Promise<Redis> {
    this.subscribed ??= (async () => {
      const subscriber = createRedisClient(this.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
      subscriber.on('error', () => undefined);
      subscriber.on('pmessage', (_pattern: string, channel: string, message: string) =>
        this.onAnswer(this.keys.hostOfAnswers(channel), message),
      );
      try {
        await subscriber.psubscribe(this.keys.answersPattern());
        return subscriber;
      } catch (error) {
        subscriber.disconnect();
        this.subscribed = null;
        throw new QueueUnavailableError('while following the agents’ answers', { cause: error });
      }
    })();
    return this.subscribed;
  }

  private onAnswer(host: string | null, message: string): void {
    const parsed = answerSchema.safeParse(parseJson(message));
    if (!parsed.success) return;
    const pending = this.pending.get(parsed.data.id);
    // Only the host that was asked may answer.
    if (!pending || pending.host !== host) return;
    clearTimeout(pending.timer);
    this.pending.delete(parsed.data.id);
    const answer = parsed.data;
    if ('error' in answer)
      pending.reject(new DomainError(knownCode(answer.error.code), answer.error.message));
    else pending.resolve({ version: answer.version, outcome: answer.outcome });
  }
}
