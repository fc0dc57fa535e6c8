import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDocker } from '../environment/docker-cli.js';
import { readTestEnvironment } from '../environment/index.js';
import { rest, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { subscribe } from '../support/graphql-subscription.js';
import { JOB_FIELDS, settled, type JobNode } from '../support/jobs.js';
import { oneFileTar } from '../support/one-file-tar.js';

const env = readTestEnvironment();
const docker = async (...args: string[]) => (await runDocker(env, args)).stdout.trim();
const NS = `stevedore-e2e-moving-${process.pid}`;

async function importImage(name: string, content: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'stevedore-import-'));
  try {
    writeFileSync(join(dir, 'image.tar'), oneFileTar(content));
    return await docker('image', 'import', join(dir, 'image.tar'), name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Archives waiting in an api's uploads folder. */
const uploadsOf = (api: ApiUnderTest) => {
  const folder = join(api.config.stateDir, 'uploads');
  return existsSync(folder) ? readdirSync(folder) : [];
};

const allImageIds = async () => (await docker('image', 'ls', '-a', '-q', '--no-trunc')).split('\n').sort();

async function upload(
  api: ApiUnderTest,
  archive: Buffer,
): Promise<{ status: number; location: string | null; body: any }> {
  const response = await fetch(`${api.url}/api/v1/images/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKENS.write}`, 'content-type': 'application/x-tar' },
    body: archive,
  });
  return { status: response.status, location: response.headers.get('location'), body: await response.json() };
}

describe('moving images between hosts without a registry: export and import', () => {
  let api: ApiUnderTest;
  let stateDir: string;

  beforeAll(async () => {
    // A state folder of its own, so its uploads folder holds only this file's archives.
    stateDir = mkdtempSync(join(tmpdir(), 'stevedore-export-import-'));
    api = await startApi(env, { IMPORT_MAX_BYTES: String(1024 * 1024), STEVEDORE_STATE_DIR: stateDir });
  });

  afterAll(async () => {
    await api?.close();
    await docker('image', 'rm', '--force', `${NS}/one:1`, `${NS}/two:1`).catch(() => undefined);
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('exports two images as one tar, and an import of it brings them back with the same ids', async () => {
    const one = await importImage(`${NS}/one:1`, 'one!!');
    const two = await importImage(`${NS}/two:1`, 'two!!');
    const response = await fetch(
      `${api.url}/api/v1/images/${encodeURIComponent(`${NS}/one:1`)}/export?ref=${encodeURIComponent(`${NS}/two:1`)}`,
      { headers: { authorization: `Bearer ${TEST_TOKENS.write}` } },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-tar');
    expect(response.headers.get('content-disposition')).toContain('attachment');
    const archive = Buffer.from(await response.arrayBuffer());
    expect(archive.length).toBeGreaterThan(1024);

    await docker('image', 'rm', `${NS}/one:1`, `${NS}/two:1`);
    const queued = await upload(api, archive);
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ kind: 'LOAD', state: 'QUEUED' });
    expect(queued.location).toBe(`/api/v1/jobs/${queued.body.id}`);
    const progress = subscribe<{ jobProgress: JobNode }>(
      api,
      `subscription { jobProgress(id: "${queued.body.id}") { ${JOB_FIELDS} } }`,
    );
    try {
      const job = await settled(api, queued.body.id);
      expect(job).toMatchObject({ state: 'COMPLETED', error: null });
      expect([one, two]).toContain(job.imageId);
      expect(await docker('image', 'inspect', '--format', '{{.Id}}', `${NS}/one:1`)).toBe(one);
      expect(await docker('image', 'inspect', '--format', '{{.Id}}', `${NS}/two:1`)).toBe(two);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(progress.received.at(-1)?.jobProgress.state).toBe('COMPLETED');
      // The job is over: its archive is gone.
      await eventually(async () => expect(uploadsOf(api)).toEqual([]), 5_000);
    } finally {
      await progress.close();
    }
  });

  it('fails the load of a truncated archive with BAD_USER_INPUT and changes nothing', async () => {
    const response = await fetch(`${api.url}/api/v1/images/${encodeURIComponent(`${NS}/one:1`)}/export`, {
      headers: { authorization: `Bearer ${TEST_TOKENS.write}` },
    });
    const archive = Buffer.from(await response.arrayBuffer());
    await docker('image', 'rm', `${NS}/one:1`);
    const before = await allImageIds();
    const queued = await upload(api, archive.subarray(0, Math.floor(archive.length / 2)));
    expect(queued.status).toBe(202);
    const job = await settled(api, queued.body.id);
    expect(job).toMatchObject({ state: 'FAILED', attempts: 1, error: { code: 'BAD_USER_INPUT' } });
    expect(await allImageIds()).toEqual(before);

    const notATar = await upload(api, Buffer.from('this is not a docker save archive'));
    expect(await settled(api, notATar.body.id)).toMatchObject({
      state: 'FAILED',
      error: { code: 'BAD_USER_INPUT' },
    });
    expect(await allImageIds()).toEqual(before);
    await eventually(async () => expect(uploadsOf(api)).toEqual([]), 5_000);
  });

  it('refuses an upload over the size limit, and an export of a missing image', async () => {
    const tooBig = await upload(api, Buffer.alloc(1024 * 1024 + 1));
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.code).toBe('BAD_USER_INPUT');
    expect(uploadsOf(api)).toEqual([]);
    const missing = await fetch(`${api.url}/api/v1/images/${encodeURIComponent(`${NS}/none:1`)}/export`, {
      headers: { authorization: `Bearer ${TEST_TOKENS.write}` },
    });
    expect(missing.status).toBe(404);
  });
});

describe('the import area: a quota over all waiting archives, and cancelled imports', () => {
  let api: ApiUnderTest;
  let stateDir: string;
  const KiB = 1024;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'stevedore-import-quota-'));
    // No worker, and a Redis database of its own: imports stay queued until cancelled.
    api = await startApi(env, {
      REDIS_URL: `${env.redis.url}/14`,
      WORKER_EMBEDDED: 'false',
      STEVEDORE_STATE_DIR: stateDir,
      IMPORT_MAX_TOTAL_BYTES: String(64 * KiB),
    });
  });

  afterAll(async () => {
    await api?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('refuses an upload that would overfill the import area, and a cancel makes room again', async () => {
    const first = await upload(api, Buffer.alloc(40 * KiB, 1));
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ kind: 'LOAD', state: 'QUEUED' });
    expect(uploadsOf(api)).toHaveLength(1);

    const refused = await upload(api, Buffer.alloc(40 * KiB, 2));
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('BAD_USER_INPUT');
    expect(refused.body.detail).toMatch(/import area is full.*Retry later/);
    expect(uploadsOf(api)).toHaveLength(1);

    // A queued import that is cancelled never runs: its archive goes at once.
    const cancelled = await rest(api, `/api/v1/jobs/${first.body.id}`, {
      method: 'DELETE',
      token: TEST_TOKENS.write,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: first.body.id, state: 'CANCELLED' });
    expect(uploadsOf(api)).toEqual([]);

    const again = await upload(api, Buffer.alloc(40 * KiB, 3));
    expect(again.status).toBe(202);
    expect(uploadsOf(api)).toHaveLength(1);
  });
});
