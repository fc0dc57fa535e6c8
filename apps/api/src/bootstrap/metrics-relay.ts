import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';

/** One process's metrics, as prom-client's `registry.getMetricsAsJSON()` gives them. */
export type ProcessMetrics = readonly object[];
type Collect = () => Promise<ProcessMetrics>;

/** How long a scrape waits for a process that does not answer; it is then left out. */
const ANSWER_TIMEOUT_MS = 2_000;

const COLLECT = 'stevedore:collect-metrics';
const COLLECTED = 'stevedore:collected-metrics';
const GATHER = 'stevedore:gather-metrics';
const GATHERED = 'stevedore:gathered-metrics';

interface Message {
  readonly type: string;
  readonly id: string;
  readonly metrics?: ProcessMetrics[];
}

const isMessage = (value: unknown): value is Message =>
  typeof value === 'object' && value !== null && typeof (value as Message).type === 'string';

/**
 * The first api process's side: a scrape answered by any process of the group covers them all.
 * Asks each replica for its metrics over the IPC channel of `fork`, and answers a replica that
 * was scraped with everyone's. Call `handle` with every message a replica sends.
 */
export class MetricsRelay {
  private readonly waiting = new Map<string, (metrics: ProcessMetrics) => void>();

  constructor(
    private readonly own: Collect,
    private readonly replicas: () => readonly ChildProcess[],
  ) {}

  /** Every process's metrics: this one's first (its gauges win where processes agree). */
  async gather(): Promise<ProcessMetrics[]> {
    const others = await Promise.all(this.replicas().map((replica) => this.ask(replica)));
    return [await this.own(), ...others.filter((metrics) => metrics !== null)];
  }

  handle(replica: ChildProcess, message: unknown): void {
    if (!isMessage(message)) return;
    if (message.type === COLLECTED) {
      this.waiting.get(message.id)?.(message.metrics?.[0] ?? []);
    } else if (message.type === GATHER) {
      void this.gather().then(
        (metrics) => replica.connected && replica.send({ type: GATHERED, id: message.id, metrics }),
      );
    }
  }

  private ask(replica: ChildProcess): Promise<ProcessMetrics | null> {
    if (!replica.connected) return Promise.resolve(null);
    const id = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(null), ANSWER_TIMEOUT_MS);
      const finish = (metrics: ProcessMetrics | null) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(metrics);
      };
      this.waiting.set(id, finish);
      replica.send({ type: COLLECT, id }, (error) => error && finish(null));
    });
  }
}

/**
 * A replica's side: answers the first process's requests for its metrics, and returns how a
 * scrape this replica answers gathers the group's (through the first process; its own alone when
 * that does not answer).
 */
export function relayToParent(own: Collect): () => Promise<ProcessMetrics[]> {
  const waiting = new Map<string, (metrics: ProcessMetrics[]) => void>();
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === COLLECT) {
      void own().then(
        (metrics) =>
          process.connected && process.send?.({ type: COLLECTED, id: message.id, metrics: [metrics] }),
      );
    } else if (message.type === GATHERED) {
      waiting.get(message.id)?.(message.metrics ?? []);
    }
  });
  return async () => {
    if (!process.connected || !process.send) return [await own()];
    const id = randomUUID();
    const gathered = await new Promise<ProcessMetrics[] | null>((resolve) => {
      const timer = setTimeout(() => finish(null), ANSWER_TIMEOUT_MS * 2);
      const finish = (metrics: ProcessMetrics[] | null) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(metrics);
      };
      waiting.set(id, finish);
      process.send!({ type: GATHER, id }, undefined, {}, (error: Error | null) => error && finish(null));
    });
    return gathered ?? [await own()];
  };
}
