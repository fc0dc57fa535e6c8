import fc from 'fast-check';
import { classifyDaemonError } from './daemon-error.js';
import type { ProgressMessage } from './progress-message.js';
import {
  MAX_PERCENT_BEFORE_COMPLETE,
  ProgressTracker,
  type JobProgressSnapshot,
  type TransferKind,
} from './progress-tracker.js';
import { capturedLines, capturedStreamEnd, type CapturedStream } from './testing/captured-streams.js';

/** Feeds every line, checking the invariants that must hold after each one. */
function replay(
  name: CapturedStream,
  kind: TransferKind,
): { tracker: ProgressTracker; snapshots: JobProgressSnapshot[] } {
  const tracker = new ProgressTracker(kind);
  const snapshots: JobProgressSnapshot[] = [];
  let previous = 0;
  for (const line of capturedLines(name)) {
    tracker.applyLine(line);
    const snapshot = tracker.snapshot();
    expect(snapshot.percent).toBeGreaterThanOrEqual(previous);
    expect(snapshot.percent).toBeLessThan(100);
    expect(snapshot.currentBytes).toBeLessThanOrEqual(snapshot.totalBytes);
    for (const layer of snapshot.layers) expect(layer.current).toBeLessThanOrEqual(layer.total);
    previous = snapshot.percent;
    snapshots.push(snapshot);
  }
  expect(tracker.malformedLines()).toBe(0);
  return { tracker, snapshots };
}

/** Layer ids in first-seen order with their last status, read straight from the JSON. */
function layersInFile(name: CapturedStream): Array<[string, string]> {
  const last = new Map<string, string>();
  for (const line of capturedLines(name)) {
    const json = JSON.parse(line) as { id?: string; status?: string };
    if (json.id && json.status && !json.status.startsWith('Pulling from ')) last.set(json.id, json.status);
  }
  return [...last];
}

const statuses = (snapshot: JobProgressSnapshot) => snapshot.layers.map((layer) => [layer.id, layer.status]);
const SHA256 = /^sha256:[a-f0-9]{64}$/;

describe('ProgressTracker on real daemon streams', () => {
  it.each([
    ['pull-large', 'PULL'],
    ['pull-layers-exist', 'PULL'],
    ['pull-auth-with-credentials', 'PULL'],
    ['push-layers-exist', 'PUSH'],
    ['push-new-layer', 'PUSH'],
    ['push-mounted', 'PUSH'],
    ['push-no-auth-header', 'PUSH'],
  ] as const)('%s: monotone, below 100 until complete(), then 100 with every byte', (name, kind) => {
    const { tracker } = replay(name, kind);
    expect(tracker.failure()).toBeNull();
    expect(tracker.digest()).toMatch(SHA256);
    expect(statuses(tracker.snapshot())).toEqual(layersInFile(name));

    tracker.complete();
    const done = tracker.snapshot();
    expect(done.percent).toBe(100);
    expect(done.currentBytes).toBe(done.totalBytes);
    for (const layer of done.layers) expect(layer.current).toBe(layer.total);
  });

  it('pull-large: weighs five 10 MiB layers by bytes, download and extraction', () => {
    const { tracker, snapshots } = replay('pull-large', 'PULL');
    const final = tracker.snapshot();
    expect(final.layers).toHaveLength(5);
    expect(final.layers.every((layer) => layer.status === 'Pull complete')).toBe(true);
    expect(final.totalBytes).toBeGreaterThan(5 * 10 * 1024 * 1024);
    expect(final.percent).toBe(MAX_PERCENT_BEFORE_COMPLETE);
    expect(final.message).toMatch(
      /^Status: Downloaded newer image for 127\.0\.0\.1:\d+\/stevedore-fixtures\/large:1$/,
    );
    // Many distinct steps, not a jump from 0 to the end.
    expect(new Set(snapshots.map((snapshot) => snapshot.percent)).size).toBeGreaterThan(15);
    // The `Pulling from` line names the tag as its id: a message, not a layer.
    expect(snapshots[0]).toMatchObject({ layers: [], message: 'Pulling from stevedore-fixtures/large' });
  });

  it('pull-layers-exist: layers already present count as done before any size is known', () => {
    const { tracker, snapshots } = replay('pull-layers-exist', 'PULL');
    // Lines 2-4 announce the layers: two `Already exists`, one `Pulling fs layer`. Counted before
    // the third was announced, the percent would have been stuck at 99.9.
    expect(snapshots.slice(0, 4).map((snapshot) => snapshot.percent)).toEqual([0, 0, 0, 0]);
    // Line 5, the first `Downloading` (3678 of 131343 bytes): 2 of 3 layers done, the third barely begun.
    expect(snapshots[4]!.percent).toBe(67.1);
    expect(tracker.snapshot().layers.map((layer) => layer.status)).toEqual([
      'Already exists',
      'Already exists',
      'Pull complete',
    ]);
  });

  it('pull-auth-with-credentials: an image whose layers are all local has no layers to report', () => {
    const { tracker } = replay('pull-auth-with-credentials', 'PULL');
    expect(tracker.snapshot()).toMatchObject({ percent: 0, layers: [], totalBytes: 0 });
    tracker.complete();
    expect(tracker.snapshot().percent).toBe(100);
  });

  it('push-new-layer: clamps the daemon overshooting the layer size (tar headers)', () => {
    const lines = capturedLines('push-new-layer');
    expect(lines.some((line) => line.includes('"current":6292992,"total":6291456'))).toBe(true);
    const { tracker } = replay('push-new-layer', 'PUSH');
    expect(tracker.snapshot().layers[0]).toMatchObject({
      status: 'Pushed',
      current: 6291456,
      total: 6291456,
    });
  });

  it('push: takes the digest from the aux line, the same as the status line', () => {
    const { tracker } = replay('push-mounted', 'PUSH');
    const statusLine = capturedLines('push-mounted').find((line) => line.includes(': digest: '))!;
    expect(statusLine).toContain(tracker.digest()!);
  });

  it.each([
    ['pull-registry-gone', 'PULL', 'REGISTRY_UNREACHABLE', true],
    ['push-auth-no-credentials', 'PUSH', 'REGISTRY_UNAUTHORIZED', false],
    ['push-unreachable', 'PUSH', 'REGISTRY_UNREACHABLE', true],
  ] as const)(
    '%s: reports the error line as the failure, and never completes',
    (name, kind, code, retryable) => {
      const { tracker } = replay(name, kind);
      const failure = tracker.failure();
      expect(failure).not.toBeNull();
      expect(classifyDaemonError(failure!.message, kind === 'PULL' ? 'pull' : 'push')).toEqual({
        code,
        retryable,
      });
      expect(() => tracker.complete()).toThrow(/daemon reported an error/);
      expect(tracker.snapshot().percent).toBeLessThan(100);
      expect(statuses(tracker.snapshot())).toEqual(layersInFile(name));
    },
  );

  it('pull-registry-gone: retries (`Retrying in N seconds`, then `Downloading` without sizes) keep what was done', () => {
    const { tracker, snapshots } = replay('pull-registry-gone', 'PULL');
    const firstDownload = snapshots.findIndex((snapshot) => snapshot.currentBytes > 0);
    const retrying = snapshots.filter((snapshot) =>
      snapshot.layers.some((layer) => layer.status.startsWith('Retrying in')),
    );
    expect(retrying.length).toBeGreaterThan(100);
    const { currentBytes, layers } = tracker.snapshot();
    expect(currentBytes).toBe(snapshots[firstDownload]!.currentBytes);
    expect(layers[0]!.status).toBe('Downloading');
    expect(layers[0]!.total).toBeGreaterThan(10 * 1024 * 1024);
  });

  it.each(['pull-daemon-stopped', 'pull-daemon-crashed'] as const)(
    '%s: a daemon that goes away sends no error line; only the socket says so',
    (name) => {
      const { tracker } = replay(name, 'PULL');
      expect(tracker.failure()).toBeNull();
      expect(tracker.digest()).toBeNull();
      const end = capturedStreamEnd(name);
      expect(end).toEqual({ ended: 'error', message: 'aborted', code: 'ECONNRESET' });
      expect(classifyDaemonError(end.message!, 'pull')).toEqual({
        code: 'DOCKER_UNAVAILABLE',
        retryable: true,
      });
    },
  );
});

describe('ProgressTracker rules', () => {
  const layer = (
    layerId: string,
    status: string,
    current: number | null = null,
    total: number | null = null,
  ) => ({ kind: 'layer', layerId, status, current, total }) as const;

  it('counts a pulled layer half done when downloaded but not extracted', () => {
    const tracker = new ProgressTracker('PULL');
    tracker.apply(layer('a', 'Downloading', 50, 100));
    expect(tracker.snapshot().percent).toBe(25);
    tracker.apply(layer('a', 'Download complete'));
    expect(tracker.snapshot()).toMatchObject({ percent: 50, currentBytes: 100, totalBytes: 100 });
    tracker.apply(layer('a', 'Extracting', 50, 100));
    expect(tracker.snapshot()).toMatchObject({ percent: 75, layers: [{ id: 'a', current: 50, total: 100 }] });
  });

  it('never goes back when a newly sized layer shifts the weights', () => {
    const tracker = new ProgressTracker('PUSH');
    tracker.apply(layer('a', 'Preparing'));
    tracker.apply(layer('b', 'Preparing'));
    tracker.apply(layer('a', 'Pushing', 90, 100));
    // b's size is unknown: it weighs as much as a.
    expect(tracker.snapshot().percent).toBe(45);
    // b turns out to be 100 times bigger: by bytes, under 1 % is done; the percent holds.
    tracker.apply(layer('b', 'Pushing', 0, 10_000));
    expect(tracker.snapshot().percent).toBe(45);
    tracker.apply(layer('b', 'Pushing', 5_000, 10_000));
    expect(tracker.snapshot().percent).toBe(50.3);
  });

  it('stays below 100 with every layer done, until complete()', () => {
    const tracker = new ProgressTracker('PUSH');
    tracker.apply(layer('a', 'Layer already exists'));
    expect(tracker.snapshot().percent).toBe(MAX_PERCENT_BEFORE_COMPLETE);
    tracker.complete();
    expect(tracker.snapshot().percent).toBe(100);
  });

  it('keeps the first error, and counts malformed lines without failing', () => {
    const tracker = new ProgressTracker('PULL');
    expect(tracker.applyLine('not json')).toMatchObject({ kind: 'malformed' });
    expect(tracker.applyLine('\r')).toBeNull();
    tracker.applyLine('{"errorDetail":{"message":"first"},"error":"first"}');
    tracker.applyLine('{"error":"second"}');
    expect(tracker.failure()).toEqual({ message: 'first' });
    expect(tracker.malformedLines()).toBe(1);
  });

  it('keeps percent in [0, 100) and monotone for any interleaving of layer messages', () => {
    const pullStatuses = [
      'Pulling fs layer',
      'Waiting',
      'Downloading',
      'Verifying Checksum',
      'Download complete',
      'Extracting',
      'Pull complete',
      'Already exists',
      'Retrying in 5 seconds',
    ];
    const pushStatuses = [
      'Preparing',
      'Waiting',
      'Pushing',
      'Pushed',
      'Layer already exists',
      'Mounted from x/y',
    ];
    const message = (statusList: string[]) =>
      fc.record({
        kind: fc.constant('layer' as const),
        layerId: fc.constantFrom('a', 'b', 'c', 'd'),
        status: fc.constantFrom(...statusList),
        current: fc.option(fc.nat({ max: 2_000_000 })),
        total: fc.option(fc.nat({ max: 1_000_000 })),
      });
    const script = fc.oneof(
      fc.tuple(fc.constant<TransferKind>('PULL'), fc.array(message(pullStatuses), { maxLength: 80 })),
      fc.tuple(fc.constant<TransferKind>('PUSH'), fc.array(message(pushStatuses), { maxLength: 80 })),
    );
    fc.assert(
      fc.property(script, ([kind, messages]) => {
        const tracker = new ProgressTracker(kind);
        let previous = 0;
        for (const message of messages as ProgressMessage[]) {
          tracker.apply(message);
          const { percent, layers } = tracker.snapshot();
          expect(percent).toBeGreaterThanOrEqual(previous);
          expect(percent).toBeGreaterThanOrEqual(0);
          expect(percent).toBeLessThan(100);
          for (const each of layers) expect(each.current).toBeLessThanOrEqual(each.total);
          previous = percent;
        }
      }),
    );
  });
});
