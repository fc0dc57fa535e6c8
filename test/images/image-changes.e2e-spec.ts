import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDocker } from '../environment/docker-cli.js';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, rest, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { oneFileTar } from '../support/one-file-tar.js';

const env = readTestEnvironment();
const docker = async (...args: string[]) => (await runDocker(env, args)).stdout.trim();
const NS = `stevedore-e2e-changes-${process.pid}`;
const write = { token: TEST_TOKENS.write };

/** A small image of its own (distinct content, so a distinct id), optionally labelled. */
async function importImage(name: string, content: string, label?: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'stevedore-import-'));
  try {
    writeFileSync(join(dir, 'image.tar'), oneFileTar(content));
    const change = label ? ['--change', `LABEL ${label}`] : [];
    return await docker('image', 'import', ...change, join(dir, 'image.tar'), ...(name ? [name] : []));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const exists = async (ref: string) =>
  runDocker(env, ['image', 'inspect', ref]).then(
    () => true,
    () => false,
  );

interface Removal {
  untagged: string[];
  deleted: string[];
  removedContainers: string[];
}

describe('changing the local image cache: tag, untag, rm, prune, audit', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApi(env);
  });

  afterAll(async () => {
    await api?.close();
    const leftovers = (await docker('image', 'ls', '--filter', `reference=${NS}/*`, '-q'))
      .split('\n')
      .filter(Boolean);
    if (leftovers.length)
      await docker('image', 'rm', '--force', ...new Set(leftovers)).catch(() => undefined);
  });

  it('tags, moves a tag onto another image, renames and untags, each visible at once', async () => {
    const first = await importImage(`${NS}/tagging:1`, 'tag1');
    const second = await importImage(`${NS}/other:1`, 'tag2');
    const tagged = await graphql<{
      tagImage: { reference: string; familiar: string; image: { id: string } };
    }>(
      api,
      `mutation { tagImage(source: "${NS}/tagging:1", target: "${NS}/tagging") { reference familiar image { id } } }`,
      write,
    );
    expect(tagged.errors).toBeUndefined();
    expect(tagged.data!.tagImage).toEqual({
      reference: `docker.io/${NS}/tagging:latest`,
      familiar: `${NS}/tagging:latest`,
      image: { id: first },
    });
    const seen = await graphql<{ image: { repoTags: string[] } }>(
      api,
      `{ image(ref: "${first}") { repoTags } }`,
    );
    expect(seen.data!.image.repoTags.sort()).toEqual([`${NS}/tagging:1`, `${NS}/tagging:latest`]);

    // A target that names another image moves to this one, as in Docker.
    await graphql(
      api,
      `mutation { tagImage(source: "${second}", target: "${NS}/tagging:latest") { reference } }`,
      write,
    );
    expect(await docker('image', 'inspect', '--format', '{{.Id}}', `${NS}/tagging:latest`)).toBe(second);

    const renamed = await rest(api, `/api/v1/images/${encodeURIComponent(`${NS}/other:1`)}/rename`, {
      method: 'POST',
      token: TEST_TOKENS.write,
      body: { target: `${NS}/renamed:1` },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.familiar).toBe(`${NS}/renamed:1`);
    expect(await exists(`${NS}/other:1`)).toBe(false);
    expect(await docker('image', 'inspect', '--format', '{{.Id}}', `${NS}/renamed:1`)).toBe(second);

    const untag = await graphql<{ untagImage: Removal }>(
      api,
      `mutation { untagImage(ref: "${NS}/tagging:1") { untagged deleted removedContainers } }`,
      write,
    );
    expect(untag.data!.untagImage.untagged).toEqual([`${NS}/tagging:1`]);
    // That was the first image's last name: nothing else held it, so it went.
    expect(untag.data!.untagImage.deleted).toContain(first);
    expect((await graphql<{ image: null }>(api, `{ image(ref: "${first}") { id } }`)).data!.image).toBeNull();
  });

  it('refuses to remove an image a container uses, or a multi-tag image by id, and goes ahead as told', async () => {
    const id = await importImage(`${NS}/used:1`, 'used');
    await docker('image', 'tag', id, `${NS}/used:2`);
    const container = `${NS.replace(/[^a-z0-9-]/g, '-')}-c1`;
    await docker('container', 'create', '--name', container, id, '/none');

    const byId = await graphql(api, `mutation { removeImage(ref: "${id}") { deleted } }`, write);
    expect(byId.errors?.[0]?.extensions?.code).toBe('IMAGE_HAS_MULTIPLE_TAGS');
    // By its last name (after the other is gone): the container holds it.
    await graphql(api, `mutation { untagImage(ref: "${NS}/used:2") { untagged } }`, write);
    const used = await graphql(api, `mutation { removeImage(ref: "${NS}/used:1") { deleted } }`, write);
    expect(used.errors?.[0]?.extensions?.code).toBe('IMAGE_IN_USE');
    expect(used.errors?.[0]?.message).toContain(container);
    expect(used.errors?.[0]?.message).toContain('removeContainers');
    expect(await exists(id)).toBe(true);

    const removed = await graphql<{ removeImage: Removal }>(
      api,
      `mutation { removeImage(ref: "${NS}/used:1", removeContainers: true) { untagged deleted removedContainers } }`,
      write,
    );
    expect(removed.errors).toBeUndefined();
    expect(removed.data!.removeImage.removedContainers).toEqual([container]);
    expect(removed.data!.removeImage.deleted).toContain(id);
    expect(await exists(id)).toBe(false);
  });

  it('deletes with force as the daemon does, but never under a running container', async () => {
    const id = await importImage(`${NS}/forced:1`, 'frcd');
    await docker('container', 'create', '--name', `${NS}-c2`.replace(/[^a-z0-9-]/g, '-'), id, '/none');
    const forced = await graphql<{ removeImage: Removal }>(
      api,
      `mutation { removeImage(ref: "${id}", force: true) { deleted } }`,
      write,
    );
    expect(forced.data!.removeImage.deleted).toContain(id);
    await docker('container', 'rm', `${NS}-c2`.replace(/[^a-z0-9-]/g, '-'));

    const { busybox } = env.fixtures.images;
    const runner = `${NS}-runner`.replace(/[^a-z0-9-]/g, '-');
    await docker('container', 'run', '-d', '--name', runner, busybox.ref, 'sleep', '300');
    try {
      const blocked = await graphql(
        api,
        `mutation { removeImage(ref: "${busybox.id}", force: true, removeContainers: true) { deleted } }`,
        write,
      );
      expect(blocked.errors?.[0]?.extensions?.code).toBe('IMAGE_IN_USE');
      expect(blocked.errors?.[0]?.message).toContain(runner);
      expect(await exists(busybox.id)).toBe(true);
      expect(await docker('container', 'inspect', '--format', '{{.State.Running}}', runner)).toBe('true');
    } finally {
      await docker('container', 'rm', '--force', runner);
    }
  });

  it('prunes dangling images, then all unused ones with label and until filters; a dry run foretells it', async () => {
    const dangling = await importImage('', 'dang', `stevedore.prune=${process.pid}`);
    const labelled = await importImage(`${NS}/prunable:1`, 'prun', `stevedore.prune=${process.pid}`);
    const unlabelled = await importImage(`${NS}/kept:1`, 'kept');
    const labels = `["stevedore.prune=${process.pid}"]`;

    const dry = await graphql<{ pruneImages: { deleted: string[]; spaceReclaimed: number } }>(
      api,
      `mutation { pruneImages(labels: ${labels}, dryRun: true) { deleted spaceReclaimed } }`,
      write,
    );
    expect(dry.errors).toBeUndefined();
    expect(dry.data!.pruneImages.deleted).toContain(dangling);
    expect(await exists(dangling)).toBe(true);
    const real = await graphql<{ pruneImages: { deleted: string[]; spaceReclaimed: number } }>(
      api,
      `mutation { pruneImages(labels: ${labels}) { deleted spaceReclaimed } }`,
      write,
    );
    expect(new Set(real.data!.pruneImages.deleted)).toEqual(new Set(dry.data!.pruneImages.deleted));
    expect(real.data!.pruneImages.spaceReclaimed).toBe(dry.data!.pruneImages.spaceReclaimed);
    expect(await exists(dangling)).toBe(false);
    expect(await exists(labelled)).toBe(true);

    // until before the images were made: nothing matches.
    const early = await graphql<{ pruneImages: { deleted: string[] } }>(
      api,
      `mutation { pruneImages(all: true, labels: ${labels}, until: "2000-01-01T00:00:00Z") { deleted } }`,
      write,
    );
    expect(early.data!.pruneImages.deleted).toEqual([]);
    const allDry = await graphql<{ pruneImages: { deleted: string[]; spaceReclaimed: number } }>(
      api,
      `mutation { pruneImages(all: true, labels: ${labels}, dryRun: true) { deleted spaceReclaimed } }`,
      write,
    );
    const all = await graphql<{ pruneImages: { deleted: string[]; spaceReclaimed: number } }>(
      api,
      `mutation { pruneImages(all: true, labels: ${labels}) { deleted spaceReclaimed } }`,
      write,
    );
    expect(all.data!.pruneImages.deleted).toContain(labelled);
    expect(new Set(all.data!.pruneImages.deleted)).toEqual(new Set(allDry.data!.pruneImages.deleted));
    expect(all.data!.pruneImages.spaceReclaimed).toBe(allDry.data!.pruneImages.spaceReclaimed);
    expect(await exists(unlabelled)).toBe(true);
  });

  it('refuses every change to a read-only token, changing nothing', async () => {
    const id = await importImage(`${NS}/readonly:1`, 'rdol');
    for (const mutation of [
      `tagImage(source: "${id}", target: "${NS}/readonly:2") { reference }`,
      `untagImage(ref: "${NS}/readonly:1") { untagged }`,
      `removeImage(ref: "${id}", force: true) { deleted }`,
      `pruneImages(all: true) { deleted }`,
    ]) {
      const answer = await graphql(api, `mutation { ${mutation} }`, { token: TEST_TOKENS.read });
      expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const restDelete = await rest(api, `/api/v1/images/${id}`, { method: 'DELETE' });
    expect(restDelete.status).toBe(403);
    expect(await docker('image', 'inspect', '--format', '{{json .RepoTags}}', id)).toBe(
      `["${NS}/readonly:1"]`,
    );
  });

  it('keeps an audit trail of the changes, for admins only, without secrets', async () => {
    const answer = await graphql<{
      auditLog: {
        totalCount: number;
        nodes: {
          operation: string;
          arguments: Record<string, unknown>;
          caller: string;
          outcome: string;
          errorCode: string | null;
        }[];
      };
    }>(
      api,
      '{ auditLog(first: 100) { totalCount nodes { operation arguments caller outcome errorCode } } }',
      {
        token: TEST_TOKENS.admin,
      },
    );
    expect(answer.errors).toBeUndefined();
    const operations = answer.data!.auditLog.nodes.map((entry) => entry.operation);
    for (const operation of ['tagImage', 'untagImage', 'removeImage', 'pruneImages', 'renameImage']) {
      expect(operations).toContain(operation);
    }
    const refused = answer.data!.auditLog.nodes.find((entry) => entry.errorCode === 'IMAGE_IN_USE');
    expect(refused).toMatchObject({ operation: 'removeImage', outcome: 'error' });
    expect(
      answer.data!.auditLog.nodes.every((entry) => /^(write|admin|read):[0-9a-f]{12}$/.test(entry.caller)),
    ).toBe(true);
    const text = JSON.stringify(answer.data);
    for (const token of Object.values(TEST_TOKENS)) expect(text).not.toContain(token);

    const byOperation = await rest(api, '/api/v1/audit?operation=removeImage&first=2', {
      token: TEST_TOKENS.admin,
    });
    expect(byOperation.status).toBe(200);
    expect(
      byOperation.body.nodes.every((entry: { operation: string }) => entry.operation === 'removeImage'),
    ).toBe(true);
    expect((await rest(api, '/api/v1/audit')).status).toBe(403);
    const forbidden = await graphql(api, '{ auditLog { totalCount } }', { token: TEST_TOKENS.write });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
