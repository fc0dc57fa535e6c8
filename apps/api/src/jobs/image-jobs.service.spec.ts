import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig } from '#libs/config';
import type { HostCatalogues } from '../fleet/host-catalogues.js';
import { DomainError, QueueUnavailableError } from '#libs/errors';
import {
  ImportArchives,
  NO_PROGRESS,
  type FanOutPlan,
  type FanOutQueue,
  type JobName,
  type JobPayloads,
  type JobQueue,
  type JobRecord,
  type JobSummary,
  type QueueCounts,
} from '#libs/jobs';
import { CredentialSealer, generateSealingKey } from '#libs/registry-auth';
import { fakeImage, snapshotOf } from '../../../../libs/catalogue/src/testing/fake-docker-engine.js';
import { ImageJobsService } from './image-jobs.service.js';

const hex = (char: string) => `sha256:${char.repeat(64)}`;

/** A fake of our JobQueue port that records what was queued and deduplicates like BullMQ. */
class FakeJobQueue implements JobQueue {
  readonly added: { name: JobName; payload: JobPayloads[JobName]; deduplicationId?: string }[] = [];
  private readonly byDedup = new Map<string, JobRecord>();
  private readonly byId = new Map<string, JobRecord>();
  /** Set: `add` fails as with Redis down. */
  unavailable = false;

  async schedule(): Promise<void> {}

  async add<N extends JobName>(name: N, payload: JobPayloads[N], options: { deduplicationId?: string } = {}) {
    if (this.unavailable) throw new QueueUnavailableError('connect ECONNREFUSED 127.0.0.1:6379');
    const existing = options.deduplicationId ? this.byDedup.get(options.deduplicationId) : undefined;
    if (existing) return existing;
    this.added.push({ name, payload, deduplicationId: options.deduplicationId });
    const record: JobRecord = {
      id: `job-${this.added.length}`,
      kind: name === 'pull' ? 'PULL' : name === 'push' ? 'PUSH' : 'LOAD',
      ref: payload.ref,
      state: 'QUEUED',
      attempts: 0,
      progress: NO_PROGRESS,
      error: null,
      imageId: null,
      digest: null,
      createdAt: new Date(this.added.length * 1000),
      startedAt: null,
      finishedAt: null,
    };
    if (options.deduplicationId) this.byDedup.set(options.deduplicationId, record);
    this.byId.set(record.id, record);
    return record;
  }
  async get(): Promise<JobRecord | null> {
    return null;
  }
  async summaries(): Promise<JobSummary[]> {
    return [...this.byDedup.values()].reverse();
  }
  async getMany(ids: readonly string[]): Promise<JobRecord[]> {
    return ids.map((id) => this.byId.get(id)!);
  }
  async cancel(id: string): Promise<JobRecord> {
    const record = this.byId.get(id)!;
    return { ...record, state: 'CANCELLED' };
  }
  async counts(): Promise<QueueCounts> {
    return { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
  }
  onChange(): () => void {
    return () => undefined;
  }
}

describe('ImageJobsService', () => {
  const sealer = CredentialSealer.fromText(generateSealingKey());
  const snapshot = snapshotOf([
    fakeImage({ id: hex('a'), repoTags: ['127.0.0.1:5000/acme/app:1', '127.0.0.1:5000/acme/app:2'] }),
    fakeImage({ id: hex('b'), repoTags: ['nginx:1.27'] }),
  ]);
  // The api's own host, and two more: what the service asks of the fleet.
  const lacking = snapshotOf([fakeImage({ id: hex('b'), repoTags: ['nginx:1.27'] })]);
  const hosts = {
    resolve: (host?: string | null) => host ?? 'local',
    fresh: async (host: string) => (host === 'edge-2' ? lacking : snapshot),
    select: (selector: { names?: string[] }) => [...(selector.names ?? ['edge-1', 'local'])].sort(),
  } as unknown as HostCatalogues;
  const fanOuts: { name: string; payload: unknown; plan: FanOutPlan }[] = [];
  const fanOutQueue: FanOutQueue = {
    addFanOut: async (name, payload, plan) => {
      fanOuts.push({ name, payload, plan });
      return { id: 'fanout-1' } as JobRecord;
    },
  };
  let queue: FakeJobQueue;
  let service: ImageJobsService;
  let stateDir: string;

  beforeEach(() => {
    queue = new FakeJobQueue();
    stateDir = mkdtempSync(join(tmpdir(), 'stevedore-image-jobs-'));
    const config = loadConfig({ STEVEDORE_STATE_DIR: stateDir });
    service = new ImageJobsService(queue, sealer, hosts, new ImportArchives(config), fanOutQueue);
    fanOuts.length = 0;
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  const uploads = () => {
    const folder = join(stateDir, 'uploads');
    return existsSync(folder) ? readdirSync(folder) : [];
  };

  const codeOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
      return 'no error';
    } catch (error) {
      return error instanceof DomainError ? error.code : String(error);
    }
  };

  it('normalises the reference, defaults the tag, and keeps a digest as it is', async () => {
    await service.pull({ ref: 'nginx' }, 'write:x');
    await service.pull({ ref: `acme/app@${hex('c')}` }, 'write:x');
    expect(queue.added.map((job) => job.payload.ref)).toEqual([
      'docker.io/library/nginx:latest',
      `docker.io/acme/app@${hex('c')}`,
    ]);
    expect(queue.added[0]!.payload).toEqual({
      ref: 'docker.io/library/nginx:latest',
      platform: null,
      sealedCredentials: null,
      requestedBy: 'write:x',
    });
  });

  it('queues a pull over several hosts as one fan-out, maxParallel at a time', async () => {
    const parent = await service.pull(
      { ref: 'nginx', hosts: { labels: ['role=edge'] }, maxParallel: 1 },
      'write:x',
    );
    expect(parent.id).toBe('fanout-1');
    expect(queue.added).toHaveLength(0);
    expect(fanOuts).toEqual([
      {
        name: 'pull',
        payload: {
          ref: 'docker.io/library/nginx:latest',
          platform: null,
          sealedCredentials: null,
          requestedBy: 'write:x',
        },
        plan: { hosts: ['edge-1', 'local'], maxParallel: 1 },
      },
    ]);
    await service.pull({ ref: 'nginx', hosts: { names: ['local'] }, maxParallel: 50 }, 'write:x');
    expect(fanOuts[1]!.plan).toEqual({ hosts: ['local'], maxParallel: 1 });
  });

  it('refuses a fan-out asked for in a way that does not add up', async () => {
    expect(
      await codeOf(service.pull({ ref: 'nginx', host: 'local', hosts: { names: ['local'] } }, 'w')),
    ).toBe('BAD_USER_INPUT');
    expect(await codeOf(service.pull({ ref: 'nginx', maxParallel: 2 }, 'w'))).toBe('BAD_USER_INPUT');
    for (const maxParallel of [0, 1.5, 1_001]) {
      expect(
        await codeOf(service.pull({ ref: 'nginx', hosts: { names: ['local'] }, maxParallel }, 'w')),
      ).toBe('BAD_USER_INPUT');
    }
    expect(fanOuts).toHaveLength(0);
  });

  it('checks a push over several hosts on each host before queueing it', async () => {
    const ref = '127.0.0.1:5000/acme/app:1';
    await service.push({ ref, hosts: { names: ['edge-1', 'local'] } }, 'w');
    expect(fanOuts[0]!.payload).toMatchObject({ ref, tags: [ref] });
    await expect(service.push({ ref, hosts: { names: ['edge-1', 'edge-2'] } }, 'w')).rejects.toThrow(
      /on host edge-2/,
    );
    expect(fanOuts).toHaveLength(1);
  });

  it('gives the same job to identical pulls, however the reference is spelled', async () => {
    const first = await service.pull({ ref: 'nginx' }, 'write:x');
    const second = await service.pull({ ref: 'docker.io/library/nginx:latest' }, 'admin:y');
    const otherPlatform = await service.pull({ ref: 'nginx', platform: 'linux/arm64' }, 'write:x');
    expect(second.id).toBe(first.id);
    expect(otherPlatform.id).not.toBe(first.id);
    expect(queue.added).toHaveLength(2);
  });

  it('keys pull deduplication on the credentials too: a pull with wrong ones does not capture the right ones', async () => {
    const alice = { username: 'alice', password: 'right-password' };
    const wrong = await service.pull({ ref: 'nginx', auth: { username: 'alice', password: 'typo' } }, 'w');
    const right = await service.pull({ ref: 'nginx', auth: alice }, 'w');
    const rightAgain = await service.pull({ ref: 'docker.io/library/nginx', auth: { ...alice } }, 'w');
    const token = await service.pull({ ref: 'nginx', auth: { identityToken: 'right-password' } }, 'w');
    const none = await service.pull({ ref: 'nginx' }, 'w');
    const noneAgain = await service.pull({ ref: 'nginx', auth: null }, 'w');
    expect(right.id).not.toBe(wrong.id);
    expect(rightAgain.id).toBe(right.id);
    expect(token.id).not.toBe(right.id);
    expect(none.id).not.toBe(right.id);
    expect(noneAgain.id).toBe(none.id);
    const ids = queue.added.map((job) => job.deduplicationId!);
    expect(new Set(ids).size).toBe(4);
    // The key is a digest: no credential in it, in any form.
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(queue.added)).not.toContain('right-password');
  });

  it('keys push deduplication on the credentials too', async () => {
    const ref = '127.0.0.1:5000/acme/app:1';
    const first = await service.push({ ref, auth: { username: 'bob', password: 'old-password' } }, 'w');
    const second = await service.push({ ref, auth: { username: 'bob', password: 'new-password' } }, 'w');
    const third = await service.push({ ref, auth: { username: 'bob', password: 'new-password' } }, 'w');
    const none = await service.push({ ref }, 'w');
    expect(second.id).not.toBe(first.id);
    expect(third.id).toBe(second.id);
    expect(none.id).not.toBe(first.id);
    expect(queue.added[0]!.payload).not.toHaveProperty('registry');
  });

  it('stores an import and queues its load by file name only', async () => {
    const job = await service.load(Readable.from([Buffer.from('an archive')]), 'write:x');
    const [fileName] = uploads();
    expect(job.kind).toBe('LOAD');
    expect(queue.added.map((added) => added.payload)).toEqual([
      { ref: `upload:${fileName}`, fileName, sizeBytes: 10, requestedBy: 'write:x' },
    ]);
  });

  it('deletes the stored archive when its job cannot be queued', async () => {
    queue.unavailable = true;
    expect(await codeOf(service.load(Readable.from([Buffer.from('an archive')]), 'w'))).toBe(
      'QUEUE_UNAVAILABLE',
    );
    expect(uploads()).toEqual([]);
  });

  it('refuses bad references, platforms and credentials before queueing', async () => {
    expect(await codeOf(service.pull({ ref: 'no such:reference' }, 'w'))).toBe('INVALID_REFERENCE');
    expect(await codeOf(service.pull({ ref: 'nginx', platform: 'linux' }, 'w'))).toBe('BAD_USER_INPUT');
    expect(await codeOf(service.pull({ ref: 'nginx', auth: { password: 'secret-password' } }, 'w'))).toBe(
      'BAD_USER_INPUT',
    );
    expect(queue.added).toHaveLength(0);
  });

  it('seals credentials into the payload, bound to the reference, never in the clear', async () => {
    await service.pull({ ref: 'nginx', auth: { username: 'alice', password: 'secret-password' } }, 'w');
    const { sealedCredentials, ref } = queue.added[0]!.payload as JobPayloads['pull'];
    expect(JSON.stringify(queue.added)).not.toContain('secret-password');
    expect(sealer.unseal(sealedCredentials!, { associatedData: ref })).toMatchObject({
      username: 'alice',
      password: 'secret-password',
    });
    expect(() =>
      sealer.unseal(sealedCredentials!, { associatedData: 'docker.io/library/other:1' }),
    ).toThrow();
  });

  it('pushes a local tag, or every local tag of the repository, and refuses what is not local', async () => {
    await service.push({ ref: '127.0.0.1:5000/acme/app:1' }, 'w');
    await service.push({ ref: '127.0.0.1:5000/acme/app', allTags: true }, 'w');
    expect(queue.added.map((job) => [job.payload.ref, (job.payload as JobPayloads['push']).tags])).toEqual([
      ['127.0.0.1:5000/acme/app:1', ['127.0.0.1:5000/acme/app:1']],
      ['127.0.0.1:5000/acme/app', ['127.0.0.1:5000/acme/app:1', '127.0.0.1:5000/acme/app:2']],
    ]);
    expect(await codeOf(service.push({ ref: '127.0.0.1:5000/acme/app:3' }, 'w'))).toBe('IMAGE_NOT_FOUND');
    expect(await codeOf(service.push({ ref: '127.0.0.1:5000/acme/none', allTags: true }, 'w'))).toBe(
      'IMAGE_NOT_FOUND',
    );
    expect(await codeOf(service.push({ ref: `nginx@${hex('d')}` }, 'w'))).toBe('BAD_USER_INPUT');
  });

  it('lists jobs by state, kind and normalised reference, with cursors', async () => {
    await service.pull({ ref: 'nginx' }, 'w');
    await service.pull({ ref: 'busybox' }, 'w');
    await service.push({ ref: 'nginx:1.27' }, 'w');
    const pulls = await service.list({ kind: 'PULL', first: 1 });
    expect(pulls.totalCount).toBe(2);
    expect(pulls.nodes.map((job) => job.ref)).toEqual(['docker.io/library/busybox:latest']);
    const next = await service.list({ kind: 'PULL', first: 1, after: pulls.pageInfo.endCursor });
    expect(next.nodes.map((job) => job.ref)).toEqual(['docker.io/library/nginx:latest']);
    expect((await service.list({ ref: 'nginx', first: 10 })).nodes.map((job) => job.kind)).toEqual(['PULL']);
    expect(await codeOf(service.list({ first: 10, after: 'bogus' }))).toBe('BAD_USER_INPUT');
  });
});
