import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '#libs/config';
import { ImportArchives } from '../import-archives.js';
import { JobLifecycle } from './job-lifecycle.js';

const NAME = '0b6f2c1e-3f4a-4b5c-8d9e-0123456789ab.tar';

/** The final-state hooks need no queue: cancel and retry are tested against Redis (test/jobs). */
describe('JobLifecycle final-state hooks', () => {
  let stateDir: string;
  let uploads: string;
  let lifecycle: JobLifecycle;

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'stevedore-lifecycle-'));
    uploads = join(stateDir, 'uploads');
    mkdirSync(uploads);
    const config = loadConfig({ STEVEDORE_STATE_DIR: stateDir });
    lifecycle = new JobLifecycle(
      null as never,
      config,
      null as never,
      null as never,
      new ImportArchives(config),
    );
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  const load = (fileName: unknown, extra: Record<string, unknown> = {}) => ({
    id: 'job-1',
    name: 'load',
    data: { ref: `upload:${String(fileName)}`, fileName, sizeBytes: 7, requestedBy: 'write:x', ...extra },
  });

  it("frees a LOAD job's archive, and again harmlessly", async () => {
    writeFileSync(join(uploads, NAME), 'archive');
    await lifecycle.reachedFinalState(load(NAME));
    expect(existsSync(join(uploads, NAME))).toBe(false);
    await lifecycle.reachedFinalState(load(NAME));
  });

  it('frees the archive of a job queued before file names, by the last part of its path', async () => {
    writeFileSync(join(uploads, NAME), 'archive');
    await lifecycle.reachedFinalState(load(undefined, { archivePath: `/old/state/uploads/${NAME}` }));
    expect(existsSync(join(uploads, NAME))).toBe(false);
  });

  it('frees nothing for pulls and pushes, or for jobs that are not ours', async () => {
    writeFileSync(join(uploads, NAME), 'archive');
    for (const name of ['pull', 'push', 'mystery', 'constructor']) {
      await lifecycle.reachedFinalState({
        id: 'job-1',
        name,
        data: { ref: `upload:${NAME}`, fileName: NAME },
      });
    }
    expect(existsSync(join(uploads, NAME))).toBe(true);
  });

  it('deletes nothing outside the uploads folder, whatever the payload names', async () => {
    const secret = join(stateDir, 'secret.tar');
    writeFileSync(secret, 'not yours');
    symlinkSync(secret, join(uploads, NAME));
    for (const fileName of [
      secret,
      '../secret.tar',
      '../../../../etc/passwd',
      `../uploads/${NAME}`,
      null,
      42,
    ]) {
      await lifecycle.reachedFinalState(load(fileName, { archivePath: secret }));
    }
    await lifecycle.reachedFinalState({ id: 'job-1', name: 'load', data: null });
    expect(readFileSync(secret, 'utf8')).toBe('not yours');
    // The link in the folder was the job's to free; what it pointed to stays.
    await lifecycle.reachedFinalState(load(NAME));
    expect(existsSync(join(uploads, NAME))).toBe(false);
    expect(readFileSync(secret, 'utf8')).toBe('not yours');
  });

  it('never rejects: an archive it could not free is left to the sweep', async () => {
    rmSync(uploads, { recursive: true });
    // A folder where the archive should be: rm refuses it without `recursive`.
    mkdirSync(join(uploads, NAME), { recursive: true });
    await expect(lifecycle.reachedFinalState(load(NAME))).resolves.toBeUndefined();
  });
});
