import { loadConfig } from '#libs/config';
import type { LiveCatalogue } from '#libs/catalogue';
import { DomainError } from '#libs/errors';
import {
  NO_PROGRESS,
  type JobName,
  type JobPayloads,
  type JobQueue,
  type JobRecord,
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

  async add<N extends JobName>(name: N, payload: JobPayloads[N], options: { deduplicationId?: string } = {}) {
    const existing = options.deduplicationId ? this.byDedup.get(options.deduplicationId) : undefined;
    if (existing) return existing;
    this.added.push({ name, payload, deduplicationId: options.deduplicationId });
    const record: JobRecord = {
      id: `job-${this.added.length}`,
      kind: name === 'pull' ? 'PULL' : 'PUSH',
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
    return record;
  }
  async get(): Promise<JobRecord | null> {
    return null;
  }
  async list(): Promise<JobRecord[]> {
    return [...this.byDedup.values()].reverse();
  }
  async cancel(): Promise<JobRecord> {
    throw new Error('not used');
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
  const catalogue = { refresh: async () => snapshot } as unknown as LiveCatalogue;
  let queue: FakeJobQueue;
  let service: ImageJobsService;

  beforeEach(() => {
    queue = new FakeJobQueue();
    service = new ImageJobsService(queue, sealer, catalogue, loadConfig({}));
  });

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
    expect(queue.added[0]!.payload).toMatchObject({
      registry: 'docker.io',
      platform: null,
      requestedBy: 'write:x',
    });
  });

  it('gives the same job to identical pulls, however the reference is spelled', async () => {
    const first = await service.pull({ ref: 'nginx' }, 'write:x');
    const second = await service.pull({ ref: 'docker.io/library/nginx:latest' }, 'admin:y');
    const otherPlatform = await service.pull({ ref: 'nginx', platform: 'linux/arm64' }, 'write:x');
    expect(second.id).toBe(first.id);
    expect(otherPlatform.id).not.toBe(first.id);
    expect(queue.added).toHaveLength(2);
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
