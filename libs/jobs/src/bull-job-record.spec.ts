import { toJobRecord, type BullJobFields } from './bull-job-record.js';
import { JobFailure, parseFailedReason } from './job-failure.js';
import type { ImageJobPayload, PullJobPayload } from './job-definitions.js';
import { cancelledReason, withCancelMark } from './lifecycle/cancellation.js';

const payload: PullJobPayload = {
  ref: 'docker.io/library/nginx:1.27',
  platform: null,
  sealedCredentials: null,
  requestedBy: 'write:0123456789ab',
};
const cancelled: ImageJobPayload = withCancelMark(payload);

function job(overrides: Partial<BullJobFields> = {}): BullJobFields {
  return {
    id: 'job-1',
    name: 'pull',
    data: payload,
    progress: 0,
    returnvalue: null,
    timestamp: 1_000,
    ...overrides,
  };
}

describe('toJobRecord', () => {
  it.each([
    ['waiting', 'QUEUED'],
    ['delayed', 'QUEUED'],
    ['prioritized', 'QUEUED'],
    ['active', 'ACTIVE'],
    ['completed', 'COMPLETED'],
    ['failed', 'FAILED'],
  ])('maps BullMQ state %s to %s', (bullState, state) => {
    expect(toJobRecord(job(), bullState)?.state).toBe(state);
  });

  it('is null for a job that no longer exists or is of an unknown name', () => {
    expect(toJobRecord(job(), 'unknown')).toBeNull();
    expect(toJobRecord(job({ name: 'mystery' }), 'waiting')).toBeNull();
  });

  it('reports a cancelled job as CANCELLED, queued or failed, without an error', () => {
    expect(toJobRecord(job({ data: cancelled }), 'waiting')?.state).toBe('CANCELLED');
    expect(toJobRecord(job({ data: cancelled }), 'delayed')?.state).toBe('CANCELLED');
    const failed = toJobRecord(job({ failedReason: cancelledReason('while running') }), 'failed');
    expect(failed).toMatchObject({ state: 'CANCELLED', error: null });
  });

  it('reads jobs cancelled by earlier versions, as Redis still holds them, the same way', () => {
    const legacyData = { ...payload, cancelRequested: true } as ImageJobPayload;
    expect(toJobRecord(job({ data: legacyData }), 'waiting')?.state).toBe('CANCELLED');
    for (const failedReason of [
      'CANCELLED: cancelled while running',
      'CANCELLED: cancelled before it started',
    ]) {
      expect(toJobRecord(job({ failedReason, finishedOn: 3_000 }), 'failed')).toMatchObject({
        state: 'CANCELLED',
        error: null,
        finishedAt: new Date(3_000),
      });
    }
  });

  it('reads the code of a failure back from the failed reason', () => {
    const failed = toJobRecord(
      job({ failedReason: 'MANIFEST_UNKNOWN: manifest for x not found', finishedOn: 3_000 }),
      'failed',
    );
    expect(failed).toMatchObject({
      state: 'FAILED',
      error: { code: 'MANIFEST_UNKNOWN', message: 'manifest for x not found' },
      finishedAt: new Date(3_000),
    });
  });

  it('shows a completed job at 100 percent with its result', () => {
    const completed = toJobRecord(
      job({
        returnvalue: { imageId: 'sha256:abc', digest: 'sha256:def' },
        progress: {
          percent: 99.9,
          currentBytes: 5,
          totalBytes: 5,
          layers: [],
          message: 'Status: done',
          attempt: 1,
        },
        attemptsStarted: 1,
        processedOn: 2_000,
        finishedOn: 3_000,
      }),
      'completed',
    );
    expect(completed).toMatchObject({
      kind: 'PULL',
      attempts: 1,
      imageId: 'sha256:abc',
      digest: 'sha256:def',
      progress: { percent: 100, message: 'Status: done' },
      createdAt: new Date(1_000),
      startedAt: new Date(2_000),
      finishedAt: new Date(3_000),
    });
  });

  it('starts a job with no progress and no finish time while it is not final', () => {
    expect(toJobRecord(job({ finishedOn: 3_000 }), 'delayed')).toMatchObject({
      progress: { percent: 0, layers: [] },
      finishedAt: null,
      error: null,
    });
  });
});

describe('toJobRecord across attempts and cancellation', () => {
  const earlier = { percent: 14, currentBytes: 14, totalBytes: 100, layers: [], message: null, attempt: 1 };

  it('starts a new attempt from no progress, not where the previous one stopped', () => {
    expect(toJobRecord(job({ progress: earlier, attemptsStarted: 2 }), 'active')?.progress).toMatchObject({
      percent: 0,
      attempt: 2,
    });
    expect(toJobRecord(job({ progress: earlier, attemptsStarted: 1 }), 'active')?.progress.percent).toBe(14);
  });

  it('shows a cancelled job a worker just picked up as CANCELLED, not ACTIVE', () => {
    expect(toJobRecord(job({ data: cancelled }), 'active')?.state).toBe('CANCELLED');
  });

  it('shows a job still running after its cancel was asked for as ACTIVE, until its worker ended it', () => {
    expect(
      toJobRecord(job({ data: cancelled, progress: earlier, attemptsStarted: 1 }), 'active')?.state,
    ).toBe('ACTIVE');
  });
});

describe('parseFailedReason', () => {
  it('keeps unknown reasons as INTERNAL, whole', () => {
    expect(parseFailedReason('job stalled more than allowable limit')).toEqual({
      code: 'INTERNAL',
      message: 'job stalled more than allowable limit',
    });
    expect(parseFailedReason('NOT_A_CODE: x')).toEqual({ code: 'INTERNAL', message: 'NOT_A_CODE: x' });
    // A cancel is not a failure: read as a state before any code is looked for (publicStateOf).
    expect(parseFailedReason(cancelledReason('while running')).code).toBe('INTERNAL');
    expect(parseFailedReason(undefined).code).toBe('INTERNAL');
  });

  it('round-trips every JobFailure', () => {
    const failure = new JobFailure('REGISTRY_UNREACHABLE', 'dial tcp: connection refused\nsecond line');
    expect(parseFailedReason(failure.message)).toEqual({
      code: 'REGISTRY_UNREACHABLE',
      message: 'dial tcp: connection refused\nsecond line',
    });
  });
});
