import { NO_PROGRESS } from '../job-definitions.js';
import type { JobRecord } from '../job-record.js';
import { toJobRecord } from '../bull-job-record.js';
import {
  childPayloadOf,
  fanOutChildPublicId,
  fanOutOutcome,
  fanOutPlanOf,
  fanOutProgress,
  isFanOutId,
  newFanOutId,
} from './fan-out.js';

function child(overrides: Partial<JobRecord>): JobRecord {
  return {
    id: 'c',
    kind: 'PULL',
    ref: 'docker.io/library/app:1',
    state: 'QUEUED',
    attempts: 0,
    progress: NO_PROGRESS,
    error: null,
    imageId: null,
    digest: null,
    createdAt: new Date(0),
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

const progress = (percent: number, currentBytes: number, totalBytes: number) => ({
  ...NO_PROGRESS,
  percent,
  currentBytes,
  totalBytes,
});

describe('fan-out ids', () => {
  it('derives each child id from the parent id, never equal to a parent id', () => {
    const parent = newFanOutId();
    expect(isFanOutId(parent)).toBe(true);
    const childId = fanOutChildPublicId(parent, 'edge-1');
    expect(childId).toBe(`${parent.slice('fanout-'.length)}@edge-1`);
    expect(isFanOutId(childId)).toBe(false);
  });
});

describe('fanOutPlanOf', () => {
  it('reads a plan, and defaults maxParallel to every host', () => {
    expect(fanOutPlanOf({ ref: 'x', fanOut: { hosts: ['a', 'b'], maxParallel: 1 } })).toEqual({
      hosts: ['a', 'b'],
      maxParallel: 1,
    });
    expect(fanOutPlanOf({ fanOut: { hosts: ['a', 'b'] } })?.maxParallel).toBe(2);
  });

  it('answers null for a job that is not a parent, or a malformed plan', () => {
    expect(fanOutPlanOf({ ref: 'x' })).toBeNull();
    expect(fanOutPlanOf({ fanOut: { hosts: [1] } })).toBeNull();
    expect(fanOutPlanOf(null)).toBeNull();
  });

  it('leaves the plan out of the payload each child gets', () => {
    const payload = { ref: 'r', platform: null, sealedCredentials: null, requestedBy: 'w' };
    expect(childPayloadOf({ ...payload, fanOut: { hosts: ['a'], maxParallel: 1 } })).toEqual(payload);
  });

  it('gives a parent record its children, one per host', () => {
    const record = toJobRecord(
      {
        id: 'fanout-1234',
        name: 'pull',
        data: {
          ref: 'r',
          platform: null,
          sealedCredentials: null,
          requestedBy: 'w',
          fanOut: { hosts: ['a', 'b'], maxParallel: 2 },
        } as never,
        progress: 0,
        returnvalue: null,
        timestamp: 0,
      },
      'active',
    );
    expect(record?.children).toEqual(['1234@a', '1234@b']);
  });
});

describe('fanOutProgress', () => {
  it('weighs each host the same, counts finished hosts as 100 and sums the bytes', () => {
    const children = new Map([
      ['a', child({ state: 'COMPLETED', progress: progress(100, 10, 10) })],
      ['b', child({ state: 'ACTIVE', progress: progress(50, 500, 1000) })],
      ['c', null],
    ]);
    const aggregated = fanOutProgress(['a', 'b', 'c'], children, 1);
    expect(aggregated.percent).toBe(50);
    expect(aggregated.currentBytes).toBe(510);
    expect(aggregated.totalBytes).toBe(1010);
    expect(aggregated.message).toBe('1 of 3 hosts done; 1 running');
    expect(aggregated.attempt).toBe(1);
  });

  it('says how many finished hosts failed', () => {
    const children = new Map([['a', child({ state: 'FAILED' })]]);
    expect(fanOutProgress(['a'], children, 1)).toMatchObject({
      percent: 100,
      message: '1 of 1 hosts done, 1 of them failed; 0 running',
    });
  });
});

describe('fanOutOutcome', () => {
  it('completes with the image id and digest every host agrees on', () => {
    const done = child({ state: 'COMPLETED', imageId: 'sha256:i', digest: 'sha256:d' });
    expect(
      fanOutOutcome([
        { host: 'a', record: done },
        { host: 'b', record: done },
      ]),
    ).toEqual({
      ok: true,
      result: { imageId: 'sha256:i', digest: 'sha256:d' },
    });
    const other = child({ state: 'COMPLETED', imageId: 'sha256:j', digest: 'sha256:d' });
    expect(
      fanOutOutcome([
        { host: 'a', record: done },
        { host: 'b', record: other },
      ]),
    ).toEqual({
      ok: true,
      result: { imageId: null, digest: 'sha256:d' },
    });
  });

  it('merges what each host removed, for a removal over several hosts', () => {
    const removed = (untagged: string[], deleted: string[]) =>
      child({ state: 'COMPLETED', kind: 'REMOVE', removal: { untagged, deleted, removedContainers: [] } });
    const outcome = fanOutOutcome([
      { host: 'a', record: removed(['app:1'], ['sha256:i', 'sha256:l']) },
      { host: 'b', record: removed(['app:1'], ['sha256:i']) },
    ]);
    expect(outcome).toEqual({
      ok: true,
      result: {
        imageId: null,
        digest: null,
        removal: { untagged: ['app:1'], deleted: ['sha256:i', 'sha256:l'], removedContainers: [] },
      },
    });
  });

  it('fails with the first failed host’s code and names each host that did not complete', () => {
    const outcome = fanOutOutcome([
      { host: 'a', record: child({ state: 'COMPLETED' }) },
      { host: 'b', record: child({ state: 'FAILED', error: { code: 'HOST_OFFLINE', message: 'away' } }) },
      { host: 'c', record: child({ state: 'CANCELLED' }) },
    ]);
    expect(outcome).toEqual({
      ok: false,
      code: 'HOST_OFFLINE',
      message: "2 of 3 hosts did not complete: b (HOST_OFFLINE), c (cancelled). See the job's children.",
    });
  });
});
