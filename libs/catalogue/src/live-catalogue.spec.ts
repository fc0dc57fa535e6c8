import { createHook } from 'node:async_hooks';
import { setTimeout as pause } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { StevedoreConfig } from '#libs/config';
import { DockerUnavailableError, ImageNotFoundError } from '#libs/errors';
import { findImage } from './catalogue-queries.js';
import type { CatalogueSnapshot } from './catalogue-snapshot.js';
import { LiveCatalogue, toImageEvent, type CatalogueImageEvent } from './live-catalogue.js';
import {
  containerEvent,
  digestOf,
  FakeDockerEngine,
  fakeImage,
  imageEvent,
  snapshotOf,
} from './testing/fake-docker-engine.js';

const A = digestOf('a1');
const B = digestOf('b2');
const C = digestOf('c3');

const configWith = (resyncMs: number) =>
  ({ catalogue: { resyncMs }, fleet: { apiDocker: true } }) as unknown as StevedoreConfig;

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 1000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await pause(5);
  }
}

const hasTag = (snapshot: CatalogueSnapshot, reference: string) => findImage(snapshot, reference) !== null;

/**
 * Records the timers (ref'd or not) that live-catalogue.ts creates while it runs, and tells how
 * many of them are still alive. (Jest and this test make timers of their own.)
 */
function trackTimers(): { alive(): number; stop(): void } {
  const alive = new Set<number>();
  const hook = createHook({
    init(asyncId, type) {
      if (type !== 'Timeout') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 50;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      if (/\/live-catalogue\.ts:\d/.test(stack)) alive.add(asyncId);
    },
    destroy(asyncId) {
      alive.delete(asyncId);
    },
  }).enable();
  return { alive: () => alive.size, stop: () => hook.disable() };
}

describe('LiveCatalogue', () => {
  let engine: FakeDockerEngine;
  let live: LiveCatalogue;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    engine = new FakeDockerEngine([
      { id: A, repoTags: ['alpine:3.20'], created: 1000, layers: [{ diffId: digestOf('d1'), size: 100 }] },
      {
        id: B,
        repoTags: ['app:1'],
        created: 2000,
        layers: [
          { diffId: digestOf('d1'), size: 100 },
          { diffId: digestOf('d2'), size: 50 },
        ],
      },
    ]);
    live = new LiveCatalogue(engine, configWith(60_000));
  });

  afterEach(() => live.onApplicationShutdown());

  /** Bootstraps and waits until the catalogue follows events with a first sync done. */
  async function start(catalogue = live): Promise<void> {
    catalogue.onApplicationBootstrap();
    await waitFor('the catalogue to be fresh', () => catalogue.status().fresh);
  }

  describe('reads', () => {
    it('syncs on bootstrap, then serves reads from memory while following events', async () => {
      await start();
      const listings = engine.calls.listImages;
      const snapshot = await live.current();
      await live.current();
      await live.current();
      expect(engine.calls.listImages).toBe(listings);
      expect(snapshot.listed().map((image) => image.id)).toEqual([B, A]);
      expect(live.status()).toMatchObject({ fresh: true, following: true, images: 2, lastError: null });
      expect(live.status().lastSyncAt).toBe(snapshot.takenAt);
    });

    it('latest() hands over the last synced snapshot without syncing, and keeps it while the daemon is down', async () => {
      expect(live.latest()).toBeNull();
      expect(engine.calls.listImages).toBe(0);
      const synced = await live.current();
      expect(live.latest()).toBe(synced);
      engine.goDown();
      await expect(live.refresh()).rejects.toBeInstanceOf(DockerUnavailableError);
      const listings = engine.calls.listImages;
      expect(live.latest()).toBe(synced);
      expect(engine.calls.listImages).toBe(listings);
    });

    it('firstFresh() resolves when the first caught-up sync lands, before any I/O can see it fresh', async () => {
      let freshWhenResolved: boolean | undefined;
      void live.firstFresh().then(() => (freshWhenResolved = live.status().fresh));
      engine.goDown();
      live.onApplicationBootstrap();
      await pause(30);
      expect(freshWhenResolved).toBeUndefined();
      engine.comeBack();
      await waitFor('the catalogue to be fresh', () => live.status().fresh, 3000);
      expect(freshWhenResolved).toBe(true);
    });

    it('shares one sync between concurrent reads while not following', async () => {
      const release = engine.hold('listImages');
      const reads = [live.current(), live.current(), live.current()];
      release();
      const [first, ...others] = await Promise.all(reads);
      expect(others.every((snapshot) => snapshot === first)).toBe(true);
      expect(engine.calls.listImages).toBe(1);
    });

    it('forRequest() gives every read of one request the same snapshot, and another request its own', async () => {
      await start();
      const request = {};
      const first = await live.forRequest(request);
      engine.setRepoTags(A, ['alpine:3.20', 'mirror/alpine:3']);
      await live.refresh();
      expect(await live.forRequest(request)).toBe(first);
      expect(hasTag(await live.forRequest({}), 'mirror/alpine:3')).toBe(true);
    });

    it('settled() after a change waits for the sync its event brings: one sync, which shows it', async () => {
      await start();
      const listings = engine.calls.listImages;
      engine.setRepoTags(A, ['alpine:3.20', 'mirror/alpine:3']);
      const settled = live.settled();
      engine.emit(imageEvent('tag', A, { name: 'mirror/alpine:3' }));
      expect(hasTag(await settled, 'mirror/alpine:3')).toBe(true);
      await pause(100);
      expect(engine.calls.listImages).toBe(listings + 1);
    });

    it('settled() with no event to come syncs once by itself after a short grace', async () => {
      await start();
      const listings = engine.calls.listImages;
      engine.setRepoTags(A, ['alpine:3.20', 'quiet:1']);
      expect(hasTag(await live.settled(), 'quiet:1')).toBe(true);
      expect(engine.calls.listImages).toBe(listings + 1);
    });

    it('settled() never takes a sync that started before it', async () => {
      await start();
      const release = engine.hold('listImages');
      const before = live.refresh();
      engine.setRepoTags(A, ['alpine:3.20', 'after:1']);
      const settled = live.settled();
      release();
      expect(hasTag(await before, 'after:1')).toBe(false);
      expect(hasTag(await settled, 'after:1')).toBe(true);
    });

    it('refresh() returns a snapshot with a change made before the call, even with no event', async () => {
      await start();
      engine.setRepoTags(A, ['alpine:3.20', 'mirror/alpine:3']);
      // No event came: the catalogue cannot know yet.
      expect(hasTag(await live.current(), 'mirror/alpine:3')).toBe(false);
      const refreshed = await live.refresh();
      expect(hasTag(refreshed, 'mirror/alpine:3')).toBe(true);
      expect(await live.current()).toBe(refreshed);
    });

    it('refresh() during a sync starts another one after it, which sees the change', async () => {
      const release = engine.hold('listImages');
      const inFlight = live.current();
      engine.setRepoTags(A, ['alpine:3.20', 'later:1']);
      const refreshed = live.refresh();
      release();
      expect(hasTag(await inFlight, 'later:1')).toBe(false);
      expect(hasTag(await refreshed, 'later:1')).toBe(true);
      expect(engine.calls.listImages).toBe(2);
    });
  });

  describe('image facts', () => {
    it("fetches each image's inspect and history once across syncs", async () => {
      await start();
      await live.refresh();
      await live.refresh();
      engine.addImage({
        id: C,
        repoTags: ['app:2'],
        created: 3000,
        layers: [{ diffId: digestOf('d3'), size: 1 }],
      });
      const snapshot = await live.refresh();
      expect(snapshot.imagesById.has(C)).toBe(true);
      expect(engine.calls.listImages).toBeGreaterThanOrEqual(4);
      for (const id of [A, B, C]) {
        expect([engine.timesInspected(id), engine.timesHistoryRead(id)]).toEqual([1, 1]);
      }
    });

    it('does not cache a failed fetch', async () => {
      engine.inspectFailures.set(A, new DockerUnavailableError('connection reset'));
      await expect(live.current()).rejects.toBeInstanceOf(DockerUnavailableError);
      const snapshot = await live.current();
      expect(snapshot.imagesById.has(A)).toBe(true);
      expect(engine.timesInspected(A)).toBe(2);
      expect(engine.timesInspected(B)).toBe(1);
    });

    it('leaves out an image deleted between the listing and its inspect, and fetches it later', async () => {
      await live.current();
      engine.addImage({ id: C, repoTags: ['app:2'], created: 3000 });
      engine.inspectFailures.set(C, new ImageNotFoundError(C));
      const without = await live.refresh();
      expect(without.imagesById.has(C)).toBe(false);
      expect(without.listed()).toHaveLength(2);
      expect((await live.refresh()).imagesById.has(C)).toBe(true);
      expect(engine.timesInspected(C)).toBe(2);
    });

    it('forgets an image that is gone, and fetches it again if the id comes back', async () => {
      await live.current();
      const image = engine.images.get(A)!;
      engine.removeImage(A);
      expect((await live.refresh()).imagesById.has(A)).toBe(false);
      engine.images.set(A, image);
      expect((await live.refresh()).imagesById.has(A)).toBe(true);
      expect(engine.timesInspected(A)).toBe(2);
      expect(engine.timesInspected(B)).toBe(1);
    });
  });

  describe('events', () => {
    it('publishes an image event once the snapshot shows its effect', async () => {
      await start();
      const seen: { event: CatalogueImageEvent; snapshot: Promise<CatalogueSnapshot>; fresh: boolean }[] = [];
      live.onImageEvent((event) =>
        seen.push({ event, snapshot: live.current(), fresh: live.status().fresh }),
      );

      engine.setRepoTags(A, ['alpine:3.20', 'mirror/alpine:3']);
      engine.emit(imageEvent('tag', A, { name: 'mirror/alpine:3' }));
      await waitFor('the tag event', () => seen.length === 1);

      expect(seen[0]!.event).toEqual({
        action: 'tag',
        imageId: A,
        ref: 'mirror/alpine:3',
        time: expect.any(Date),
      });
      expect(seen[0]!.fresh).toBe(true);
      expect(findImage(await seen[0]!.snapshot, 'mirror/alpine:3')?.id).toBe(A);
    });

    it('syncs once for a burst of events and publishes each of them, in order', async () => {
      await start();
      const actions: string[] = [];
      live.onImageEvent((event) => actions.push(event.action));
      const listings = engine.calls.listImages;

      engine.addImage({ id: C, repoTags: ['app:2'], created: 3000 });
      engine.emit(imageEvent('load', C, { name: C }));
      engine.emit(imageEvent('tag', C, { name: 'app:2' }));
      engine.emit(imageEvent('untag', B, { name: B }));
      await waitFor('three events', () => actions.length === 3);

      expect(actions).toEqual(['load', 'tag', 'untag']);
      expect(engine.calls.listImages).toBe(listings + 1);
      expect((await live.current()).imagesById.has(C)).toBe(true);
    });

    it('stops calling a listener once unsubscribed, and survives a listener that throws', async () => {
      await start();
      const received: string[] = [];
      live.onImageEvent(() => {
        throw new Error('listener bug');
      });
      const unsubscribe = live.onImageEvent((event) => received.push(event.action));
      engine.emit(imageEvent('tag', A, { name: 'alpine:latest' }));
      await waitFor('the first event', () => received.length === 1);
      unsubscribe();
      const listings = engine.calls.listImages;
      engine.emit(imageEvent('untag', A, { name: A }));
      await waitFor('the sync after the second event', () => engine.calls.listImages > listings);
      await live.current();
      expect(received).toEqual(['tag']);
    });

    it('ignores container actions other than create and destroy', async () => {
      await start();
      const listings = engine.calls.listImages;
      for (const action of [
        'start',
        'attach',
        'resize',
        'exec_create: sh',
        'exec_start: sh',
        'kill',
        'die',
        'stop',
      ]) {
        engine.emit(containerEvent(action, 'c0ffee'));
      }
      await pause(80);
      expect(engine.calls.listImages).toBe(listings);
      expect(live.status().fresh).toBe(true);
    });

    it('syncs on container create and destroy, so the images in use are current', async () => {
      await start();
      const containersOfA = async () => (await live.current()).imagesById.get(A)!.containers.length;

      engine.containers.push({ id: 'c0ffee', name: 'web', imageId: A, state: 'created' });
      engine.emit(containerEvent('create', 'c0ffee', { image: 'alpine:3.20' }));
      await waitFor('the container to show', async () => (await containersOfA()) === 1);
      expect((await live.current()).diskUsage.activeCount).toBe(1);

      engine.containers = [];
      engine.emit(containerEvent('destroy', 'c0ffee', { image: 'alpine:3.20' }));
      await waitFor('the container to go', async () => (await containersOfA()) === 0);
    });

    it('shows an image made by `docker commit` without a name (the daemon sends only a container event)', async () => {
      await start();
      // The daemon's Commit logs a container "commit" event with the new image id; only a named
      // commit also tags (an image "tag" event).
      engine.addImage({ id: C, parentId: A, created: 3000, layers: [{ diffId: digestOf('d9'), size: 7 }] });
      engine.emit(containerEvent('commit', 'c0ffee', { imageID: C, imageRef: '', comment: '' }));
      await waitFor('the committed image', async () => (await live.current()).imagesById.has(C), 500);
    });
  });

  describe('event stream and daemon outages', () => {
    it('follows one event stream however often it is bootstrapped (Nest calls the hook per provider)', async () => {
      live.onApplicationBootstrap();
      await start();
      expect(engine.calls.openEvents).toBe(1);
    });

    it('when the stream ends, is not fresh and each read syncs, until it reconnects', async () => {
      await start();
      const releaseOpen = engine.hold('openEvents');
      engine.stream.end();
      await waitFor('the stream loss to be noticed', () => !live.status().following);
      expect(live.status().fresh).toBe(false);

      const listings = engine.calls.listImages;
      engine.setRepoTags(A, ['alpine:3.20', 'unseen:1']);
      expect(hasTag(await live.current(), 'unseen:1')).toBe(true);
      await live.current();
      expect(engine.calls.listImages).toBe(listings + 2);

      releaseOpen();
      await waitFor('the catalogue to follow again', () => live.status().fresh);
      expect(engine.calls.openEvents).toBe(2);
      await waitFor('the resync after reconnecting', () => engine.calls.listImages === listings + 3);
      await live.refresh();
      const settled = engine.calls.listImages;
      await live.current();
      expect(engine.calls.listImages).toBe(settled);
    });

    it('after reconnecting, does not serve the snapshot from before the gap as fresh', async () => {
      await start();
      const releaseOpen = engine.hold('openEvents');
      engine.stream.end();
      await waitFor('the stream loss to be noticed', () => !live.status().following);
      // Pulled while the stream was down: no event will ever say so.
      engine.addImage({ id: C, repoTags: ['pulled:1'], created: 3000 });

      const releaseListing = engine.hold('listImages');
      releaseOpen();
      await waitFor('the stream to be open again', () => live.status().following);
      const read = live.current();
      releaseListing();
      expect(hasTag(await read, 'pulled:1')).toBe(true);
    });

    it('daemon down: reads reject with DOCKER_UNAVAILABLE; daemon back: reads and events recover', async () => {
      await start();
      engine.goDown();
      await waitFor('the stream loss to be noticed', () => !live.status().following);
      await expect(live.current()).rejects.toBeInstanceOf(DockerUnavailableError);
      await expect(live.refresh()).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
      expect(live.status()).toMatchObject({
        fresh: false,
        following: false,
        lastError: expect.stringMatching(/does not answer/),
      });

      engine.comeBack();
      expect((await live.current()).listed()).toHaveLength(2);
      expect(live.status().lastError).toBeNull();
      await waitFor('the stream to reconnect', () => live.status().fresh, 1500);

      const events: CatalogueImageEvent[] = [];
      live.onImageEvent((event) => events.push(event));
      engine.setRepoTags(B, ['app:1', 'app:stable']);
      engine.emit(imageEvent('tag', B, { name: 'app:stable' }));
      await waitFor('an event after recovery', () => events.length === 1);
      expect(findImage(await live.current(), 'app:stable')?.id).toBe(B);
    });

    it('resyncs periodically as a safety net', async () => {
      const periodic = new LiveCatalogue(engine, configWith(25));
      try {
        await start(periodic);
        const listings = engine.calls.listImages;
        await waitFor('two periodic resyncs', () => engine.calls.listImages >= listings + 2, 500);
      } finally {
        periodic.onApplicationShutdown();
      }
    });
  });

  describe('shutdown', () => {
    it('stops following events, resyncing and reconnecting, and leaves no timer behind', async () => {
      const timers = trackTimers();
      const periodic = new LiveCatalogue(engine, configWith(20));
      await start(periodic);
      engine.emit(imageEvent('tag', A, { name: 'alpine:latest' }));
      await waitFor('the debounced sync to start', () => engine.calls.listImages >= 2);
      engine.emit(imageEvent('tag', A, { name: 'alpine:3' }));
      await pause(5); // the event is read: its debounce timer runs when shutdown comes
      const stream = engine.stream;
      periodic.onApplicationShutdown();
      expect(stream.signal.aborted).toBe(true);
      expect(stream.isClosed).toBe(true);

      const calls = { ...engine.calls };
      await pause(330); // past the first reconnection delay and many resync periods
      expect(engine.calls.listImages).toBe(calls.listImages);
      expect(engine.calls.openEvents).toBe(calls.openEvents);
      // Every timer the catalogue made (resync interval, debounce, reconnection delay) is gone.
      // Destroy hooks run asynchronously: give them a moment.
      await waitFor('the catalogue timers to be destroyed', () => timers.alive() === 0, 200).catch(
        () => undefined,
      );
      timers.stop();
      expect(timers.alive()).toBe(0);
    });

    it('does not sync for an event the stream still delivers after shutdown', async () => {
      await start();
      const listings = engine.calls.listImages;
      // Read from the stream's buffer after the abort: the port only promises that the iteration ends.
      engine.emit(imageEvent('tag', A, { name: 'alpine:latest' }));
      live.onApplicationShutdown();
      await pause(60);
      expect(engine.calls.listImages).toBe(listings);
    });

    it('stops while the event stream is still being opened', async () => {
      engine.hold('openEvents');
      live.onApplicationBootstrap();
      await waitFor('the stream to be requested', () => engine.calls.openEvents === 1);
      live.onApplicationShutdown();
      await pause(300);
      expect(engine.calls.openEvents).toBe(1);
      expect(live.status().following).toBe(false);
    });
  });
});

describe('toImageEvent', () => {
  const nginx127 = digestOf('12');
  const nginxLatest = digestOf('1a');
  const snapshot = snapshotOf([
    fakeImage({ id: nginx127, repoTags: ['nginx:1.27'], created: 1 }),
    fakeImage({ id: nginxLatest, repoTags: ['nginx:latest'], created: 2 }),
  ]);
  const at = 1_700_000_000_123;

  it('takes the image id from the actor and the name from the attributes (tag)', () => {
    const event = {
      ...imageEvent('tag', nginx127, { name: 'mirror/nginx:1.27', maintainer: 'x' }),
      time: at,
    };
    expect(toImageEvent(event, snapshot)).toEqual({
      action: 'tag',
      imageId: nginx127,
      ref: 'mirror/nginx:1.27',
      time: new Date(at),
    });
  });

  it('names the pulled reference and its image (pull: actor is the reference, name the repository)', () => {
    // As the daemon logs it: ImageEventLogger(FamiliarString(ref), FamiliarName(repo), "pull").
    const event = imageEvent('pull', 'nginx:1.27', { name: 'nginx' });
    expect(toImageEvent(event, snapshot)).toMatchObject({
      action: 'pull',
      ref: 'nginx:1.27',
      imageId: nginx127,
    });
  });

  it('has no reference when the daemon names the image only by id (delete, untag)', () => {
    for (const action of ['delete', 'untag']) {
      expect(toImageEvent(imageEvent(action, nginx127, { name: nginx127 }), snapshot)).toMatchObject({
        action,
        imageId: nginx127,
        ref: null,
      });
    }
  });

  it('leaves the image id null when no snapshot can resolve the reference', () => {
    expect(toImageEvent(imageEvent('push', 'nginx:latest', { name: 'nginx' }), null).imageId).toBeNull();
    expect(toImageEvent(imageEvent('push', 'redis:7', { name: 'redis' }), snapshot).imageId).toBeNull();
  });
});
