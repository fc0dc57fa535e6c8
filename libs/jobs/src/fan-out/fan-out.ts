import { randomUUID } from 'node:crypto';
import type { ErrorCode } from '#libs/errors';
import type {
  ImageJobResult,
  ImageRemoval,
  JobName,
  JobPayloads,
  JobProgressRecord,
} from '../job-definitions.js';
import type { JobRecord } from '../job-record.js';
import { isFinal } from '../lifecycle/job-states.js';

/**
 * A fan-out: one change (a pull, a push) over several hosts. Its parent job lives in the fleet's
 * queue and runs in an api process; it queues one child per host, in that host's own queue, at
 * most `maxParallel` at a time, and ends once every child has.
 *
 * Not a BullMQ flow: a flow's child writes its parent's keys when it finishes, and an agent's
 * Redis user may touch its own host's keys only (and Redis Cluster would refuse the cross-slot
 * script). The parent follows its children instead, and a parent taken over after its api died
 * finds the children it queued already: each child's id is derived from the parent's.
 */

/** The job names that fan out. */
export const FAN_OUT_JOB_NAMES = ['pull', 'push', 'remove'] as const satisfies readonly JobName[];
export type FanOutJobName = (typeof FAN_OUT_JOB_NAMES)[number];

/** What a parent's data holds besides the payload each child gets. */
export interface FanOutPlan {
  /** The selected hosts, in the order the children are queued. */
  readonly hosts: readonly string[];
  readonly maxParallel: number;
}

export type FanOutPayload<N extends FanOutJobName> = JobPayloads[N] & { readonly fanOut: FanOutPlan };

/** A parent's id starts so: it tells the fleet's queue from a host's in a public job id. */
export const FAN_OUT_ID_PREFIX = 'fanout-';

export function newFanOutId(): string {
  return `${FAN_OUT_ID_PREFIX}${randomUUID()}`;
}

export function isFanOutId(id: string): boolean {
  return id.startsWith(FAN_OUT_ID_PREFIX);
}

/** The id of the parent's child in each host's queue: the same on every host, never a parent's. */
export function fanOutChildId(parentId: string): string {
  return parentId.slice(FAN_OUT_ID_PREFIX.length);
}

/** The public id of the parent's child on `host` (see HostJobQueues: `<id>@<host>`). */
export function fanOutChildPublicId(parentId: string, host: string): string {
  return `${fanOutChildId(parentId)}@${host}`;
}

/** The plan in a job's data, when it is a parent; null otherwise or when malformed. */
export function fanOutPlanOf(data: unknown): FanOutPlan | null {
  if (typeof data !== 'object' || data === null || !('fanOut' in data)) return null;
  const plan = (data as { fanOut: unknown }).fanOut as Partial<FanOutPlan> | null;
  if (!plan || !Array.isArray(plan.hosts) || !plan.hosts.every((host) => typeof host === 'string'))
    return null;
  const maxParallel = Number.isSafeInteger(plan.maxParallel) ? plan.maxParallel! : plan.hosts.length;
  return { hosts: plan.hosts as string[], maxParallel: Math.max(1, maxParallel) };
}

/** The payload each child gets: the parent's without its plan. */
export function childPayloadOf<N extends FanOutJobName>(data: FanOutPayload<N>): JobPayloads[N] {
  const { fanOut: _plan, ...payload } = data as FanOutPayload<N> & Record<string, unknown>;
  return payload as unknown as JobPayloads[N];
}

/**
 * The parent's progress from its children's (null: not queued yet). Each host weighs the same
 * in `percent`, whatever its size: a host that finished, however it ended, counts as 100. Bytes
 * are the sums of those the children report.
 */
export function fanOutProgress(
  hosts: readonly string[],
  children: ReadonlyMap<string, JobRecord | null>,
  attempt: number,
): JobProgressRecord {
  let percent = 0;
  let currentBytes = 0;
  let totalBytes = 0;
  const count = { done: 0, failed: 0, running: 0 };
  for (const host of hosts) {
    const child = children.get(host) ?? null;
    if (!child) continue;
    currentBytes += child.progress.currentBytes;
    totalBytes += child.progress.totalBytes;
    if (isFinal(child)) {
      percent += 100;
      count.done += 1;
      if (child.state !== 'COMPLETED') count.failed += 1;
    } else {
      percent += child.progress.percent;
      if (child.state === 'ACTIVE') count.running += 1;
    }
  }
  const failed = count.failed ? `, ${count.failed} of them failed` : '';
  return {
    percent: hosts.length ? Math.min(100, percent / hosts.length) : 100,
    currentBytes,
    totalBytes,
    layers: [],
    message: `${count.done} of ${hosts.length} hosts done${failed}; ${count.running} running`,
    attempt,
  };
}

/** How a fan-out ended, once every child did. */
export type FanOutOutcome =
  | { readonly ok: true; readonly result: ImageJobResult }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

/**
 * Completed when every child completed (with the image id and digest they agree on, else
 * null); otherwise failed, with the first failed host's code and every failed host named.
 */
export function fanOutOutcome(children: readonly { host: string; record: JobRecord }[]): FanOutOutcome {
  const failed = children.filter(({ record }) => record.state !== 'COMPLETED');
  if (failed.length === 0) {
    const agreed = (pick: (record: JobRecord) => string | null) => {
      const values = new Set(children.map(({ record }) => pick(record)));
      return values.size === 1 ? [...values][0]! : null;
    };
    const removals = children.flatMap(({ record }) => (record.removal ? [record.removal] : []));
    const union = (pick: (removal: ImageRemoval) => readonly string[]) =>
      [...new Set(removals.flatMap(pick))].sort();
    return {
      ok: true,
      result: {
        imageId: agreed((r) => r.imageId),
        digest: agreed((r) => r.digest),
        ...(removals.length
          ? {
              removal: {
                untagged: union((removal) => removal.untagged),
                deleted: union((removal) => removal.deleted),
                removedContainers: union((removal) => removal.removedContainers),
              },
            }
          : {}),
      },
    };
  }
  const first = failed[0]!.record;
  const code: ErrorCode = first.error?.code ?? 'INTERNAL';
  const each = failed
    .map(
      ({ host, record }) =>
        `${host} (${record.state === 'CANCELLED' ? 'cancelled' : (record.error?.code ?? 'INTERNAL')})`,
    )
    .join(', ');
  return {
    ok: false,
    code,
    message: `${failed.length} of ${children.length} hosts did not complete: ${each}. See the job's children.`,
  };
}
