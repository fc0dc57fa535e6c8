import { fakeImage, snapshotOf } from './testing/fake-docker-engine.js';
import { planPrune } from './prune-plan.js';

const id = (char: string) => `sha256:${char.repeat(64)}`;
const diff = (char: string) => `sha256:${char.repeat(63)}0`;
const layer = (char: string, size: number) => ({ diffId: diff(char), size });

describe('planPrune', () => {
  // base (tagged) ← app (tagged); dangling shares base's layer; old is untagged and alone.
  const base = fakeImage({ id: id('1'), repoTags: ['base:1'], created: 100, layers: [layer('a', 10)] });
  const app = fakeImage({
    id: id('2'),
    repoTags: ['app:1'],
    created: 200,
    layers: [layer('a', 10), layer('b', 20)],
  });
  const dangling = fakeImage({ id: id('3'), created: 300, layers: [layer('a', 10), layer('c', 30)] });
  const labelled = fakeImage({
    id: id('4'),
    repoTags: ['labelled:1'],
    created: 400,
    labels: { team: 'x' },
    layers: [layer('d', 40)],
  });
  const snapshot = snapshotOf([base, app, dangling, labelled]);
  const chainOf = (image: typeof base) => snapshot.imagesById.get(image.summary.id)!.layers.at(-1)!.chainId;

  it('deletes dangling images and only the layers nothing else holds', () => {
    const plan = planPrune(snapshot, { all: false, dryRun: true });
    expect(plan.deleted.sort()).toEqual([dangling.summary.id, chainOf(dangling)].sort());
    expect(plan.spaceReclaimed).toBe(30);
  });

  it('with all, deletes every image without a container; a shared layer goes only with its last holder', () => {
    const plan = planPrune(snapshot, { all: true, dryRun: true });
    expect(plan.deleted).toHaveLength(4 + 4);
    expect(plan.spaceReclaimed).toBe(10 + 20 + 30 + 40);
  });

  it('applies the label and until filters', () => {
    expect(planPrune(snapshot, { all: true, labels: ['team=x'], dryRun: true }).deleted).toEqual([
      labelled.summary.id,
      chainOf(labelled),
    ]);
    expect(planPrune(snapshot, { all: true, until: new Date(150_000), dryRun: true }).deleted).toEqual([
      base.summary.id,
    ]);
  });

  it('spares images containers use', () => {
    const used = snapshotOf(
      [base, app, dangling, labelled],
      [{ id: 'c1', name: 'c1', imageId: dangling.summary.id, state: 'exited' }],
    );
    expect(planPrune(used, { all: false, dryRun: true })).toEqual({ deleted: [], spaceReclaimed: 0 });
  });
});
