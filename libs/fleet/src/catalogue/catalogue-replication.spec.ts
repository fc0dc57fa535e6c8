import { setTimeout as sleep } from 'node:timers/promises';
import type { CatalogueImageEvent, CatalogueSnapshot } from '#libs/catalogue';
import { digestOf, fakeImage, snapshotOf } from '../../../catalogue/src/testing/fake-docker-engine.js';
import { MemoryHostCatalogueStore } from '../testing/memory-host-catalogue-store.js';
import { CataloguePublisher } from './catalogue-publisher.js';
import { CatalogueReplicas } from './catalogue-replicas.js';
import { encodeFacts } from './catalogue-wire.js';

const base = fakeImage({
  id: digestOf('b1'),
  repoTags: ['base:1'],
  layers: [{ diffId: digestOf('d1'), size: 10 }],
});
const app = fakeImage({
  id: digestOf('a1'),
  repoTags: ['app:1'],
  layers: [
    { diffId: digestOf('d1'), size: 10 },
    { diffId: digestOf('d2'), size: 5 },
  ],
});
const tagged = (image: typeof app, repoTags: string[]) => ({
  ...image,
  summary: { ...image.summary, repoTags },
});
const event = (action: string, ref: string): CatalogueImageEvent => ({
  action,
  imageId: null,
  ref,
  time: new Date(1_000),
});

/** Settles pending microtasks and promise chains of the store, publisher and replicas. */
const settle = () => sleep(5);

describe('CataloguePublisher', () => {
  it('publishes each sync as the next version, with the facts the store does not hold yet', async () => {
    const store = new MemoryHostCatalogueStore();
    const publisher = new CataloguePublisher('h1', store);
    const first = snapshotOf([base]);
    publisher.offer({ snapshot: first, events: [] });
    expect(await publisher.versionShowing(first)).toBe(1);
    const second = snapshotOf([base, app]);
    publisher.offer({ snapshot: second, events: [event('pull', 'app:1')] });
    expect(await publisher.versionShowing(second)).toBe(2);

    const [one, two] = store.publications.map(({ publication }) => publication);
    expect(one).toMatchObject({ replaceFacts: true, dropFacts: [] });
    expect([...one!.addFacts.keys()]).toEqual([base.summary.id]);
    expect(two).toMatchObject({ replaceFacts: false, dropFacts: [], events: [event('pull', 'app:1')] });
    expect([...two!.addFacts.keys()]).toEqual([app.summary.id]);

    const third = snapshotOf([app]);
    publisher.offer({ snapshot: third, events: [] });
    await publisher.versionShowing(third);
    expect(store.publications[2]!.publication).toMatchObject({ dropFacts: [base.summary.id] });
  });

  it('folds the syncs of a burst into one publication with all their events', async () => {
    const store = new MemoryHostCatalogueStore();
    const publisher = new CataloguePublisher('h1', store);
    let open: () => void = () => undefined;
    store.publishGate = new Promise((resolve) => (open = resolve));
    publisher.offer({ snapshot: snapshotOf([base]), events: [event('pull', 'base:1')] });
    await settle();
    const later: CatalogueSnapshot[] = [snapshotOf([base, app]), snapshotOf([base, tagged(app, ['app:2'])])];
    publisher.offer({ snapshot: later[0]!, events: [event('pull', 'app:1')] });
    publisher.offer({ snapshot: later[1]!, events: [event('tag', 'app:2')] });
    store.publishGate = null;
    open();
    // The skipped snapshot is shown by the version that folded it in.
    expect(await publisher.versionShowing(later[0]!)).toBe(2);
    expect(store.publications).toHaveLength(2);
    expect(store.publications[1]!.publication.events).toEqual([
      event('pull', 'app:1'),
      event('tag', 'app:2'),
    ]);
    expect(store.publications[1]!.publication.state.summaries[1]!.repoTags).toEqual(['app:2']);
  });

  it('rides out a store that fails: the newest snapshot is published once it answers, with every fact', async () => {
    const store = new MemoryHostCatalogueStore();
    const publisher = new CataloguePublisher('h1', store);
    publisher.offer({ snapshot: snapshotOf([base]), events: [] });
    await settle();
    store.failPublish = true;
    const failed = snapshotOf([base, app]);
    publisher.offer({ snapshot: failed, events: [event('pull', 'app:1')] });
    await settle();
    store.failPublish = false;
    expect(await publisher.versionShowing(failed)).toBe(2);
    const retried = store.publications[1]!.publication;
    // Whether the failed call reached the store is unknown: every fact is sent again.
    expect(retried.replaceFacts).toBe(true);
    expect([...retried.addFacts.keys()].sort()).toEqual([app.summary.id, base.summary.id].sort());
    expect(retried.events).toEqual([event('pull', 'app:1')]);
  });
});

describe('CatalogueReplicas', () => {
  const start = async (store: MemoryHostCatalogueStore, hosts: string[] = []) => {
    const replicas = new CatalogueReplicas(store, async () => hosts, { rescanMs: 60_000 });
    await replicas.start();
    return replicas;
  };

  it('loads every host at start and follows each new version, sharing equal facts across hosts', async () => {
    const store = new MemoryHostCatalogueStore();
    const h1 = new CataloguePublisher('h1', store);
    const h2 = new CataloguePublisher('h2', store);
    h1.offer({ snapshot: snapshotOf([base, app]), events: [] });
    h2.offer({ snapshot: snapshotOf([base]), events: [] });
    await settle();
    const replicas = await start(store, ['h1', 'h2']);
    expect(replicas.hostNames()).toEqual(['h1', 'h2']);
    expect(replicas.get('h1')!.snapshot.images.map((image) => image.id)).toHaveLength(2);
    expect(replicas.distinctFacts()).toBe(2);

    h2.offer({ snapshot: snapshotOf([base, tagged(app, ['app:9'])]), events: [] });
    await settle();
    expect(replicas.get('h2')).toMatchObject({ version: 2 });
    expect(replicas.get('h2')!.snapshot.find('app:9')?.id).toBe(app.summary.id);
    expect(replicas.distinctFacts()).toBe(2);

    h1.offer({ snapshot: snapshotOf([]), events: [] });
    h2.offer({ snapshot: snapshotOf([]), events: [] });
    await settle();
    expect(replicas.distinctFacts()).toBe(0);
    await replicas.stop();
  });

  it('tells each image event once the replica shows the version that carried it', async () => {
    const store = new MemoryHostCatalogueStore();
    const replicas = await start(store);
    const told: { host: string; event: CatalogueImageEvent; shown: boolean }[] = [];
    replicas.onImageEvent((host, published) =>
      told.push({ host, event: published, shown: replicas.get(host)?.snapshot.find('app:1') != null }),
    );
    new CataloguePublisher('h1', store).offer({
      snapshot: snapshotOf([app]),
      events: [event('pull', 'app:1')],
    });
    await settle();
    expect(told).toEqual([{ host: 'h1', event: event('pull', 'app:1'), shown: true }]);
    await replicas.stop();
  });

  it('catches up on versions whose notices were missed when it rescans', async () => {
    const store = new MemoryHostCatalogueStore();
    const replicas = await start(store, ['h1']);
    store.holdNotices = true;
    const publisher = new CataloguePublisher('h1', store);
    publisher.offer({ snapshot: snapshotOf([app]), events: [] });
    await settle();
    expect(replicas.get('h1')).toBeNull();
    await replicas.rescan();
    expect(replicas.get('h1')).toMatchObject({ version: 1 });
    await replicas.stop();
  });

  it('resolves reached() at the version asked for, and refuses to wait forever', async () => {
    const store = new MemoryHostCatalogueStore();
    const replicas = await start(store);
    const publisher = new CataloguePublisher('h1', store);
    const waited = replicas.reached('h1', 2, 5_000);
    publisher.offer({ snapshot: snapshotOf([base]), events: [] });
    await settle();
    publisher.offer({ snapshot: snapshotOf([base, app]), events: [] });
    expect(await waited).toMatchObject({ version: 2 });
    await expect(replicas.reached('h1', 3, 20)).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    await replicas.stop();
  });

  it('answers a read once it shows every version announced: read-your-writes across api processes', async () => {
    const store = new MemoryHostCatalogueStore();
    const replicas = await start(store);
    const publisher = new CataloguePublisher('h1', store);
    publisher.offer({ snapshot: snapshotOf([base]), events: [] });
    await settle();
    let open: () => void = () => undefined;
    store.readGate = new Promise((resolve) => (open = resolve));
    publisher.offer({ snapshot: snapshotOf([base, app]), events: [] });
    await settle();
    // Announced, not read yet: a read waits for it rather than answering version 1.
    expect(replicas.get('h1')).toMatchObject({ version: 1 });
    const read = replicas.caughtUp('h1', 5_000);
    store.readGate = null;
    open();
    expect(await read).toMatchObject({ version: 2 });
    // With the replica current, no wait at all; and an unknown host has nothing to show.
    expect(await replicas.caughtUp('h1', 5_000)).toMatchObject({ version: 2 });
    expect(await replicas.caughtUp('h9', 5_000)).toBeNull();
    await replicas.stop();
  });

  it('does not wait for a version a notice announced but the store never held', async () => {
    const store = new MemoryHostCatalogueStore();
    const replicas = await start(store);
    new CataloguePublisher('h1', store).offer({ snapshot: snapshotOf([base]), events: [] });
    await settle();
    for (let version = 100; version < 400; version++) store.notify('h1', { version, events: [] });
    await settle();
    // Not the 5 s wait for version 399: the store's own version bounds what a read waits for.
    const read = await Promise.race([replicas.caughtUp('h1', 5_000), sleep(1_000, 'waited' as const)]);
    expect(read).toMatchObject({ version: 1 });
    await replicas.stop();
  });

  it('refuses what an agent publishes that does not parse, keeping what it showed', async () => {
    const store = new MemoryHostCatalogueStore();
    const replicas = await start(store);
    new CataloguePublisher('h1', store).offer({ snapshot: snapshotOf([base]), events: [] });
    await settle();
    const shown = replicas.get('h1');

    store.write('h1', 7, null, {});
    store.notify('h1', { version: 7, events: [] });
    await settle();
    expect(replicas.get('h1')).toBe(shown);

    // Facts that lie about their id, or are not facts, drop that image only.
    const state = { takenAt: new Date(5_000), summaries: [base.summary, app.summary], containers: [] };
    store.write('h1', 8, state, {
      [app.summary.id]: encodeFacts({ ...snapshotOf([base]).sources.factsById.get(base.summary.id)! }),
    });
    store.notify('h1', { version: 8, events: [] });
    await settle();
    expect(replicas.get('h1')!.snapshot.images.map((image) => image.id)).toEqual([base.summary.id]);
    await replicas.stop();
  });
});
