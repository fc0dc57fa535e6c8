import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type Docker from 'dockerode';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import {
  daemonPullsOf,
  dockerodeOnDaemon,
  dockerodeThroughStevedore,
  EngineClis,
  followProgress,
  type CliResult,
  type DockerCli,
} from '../support/engine-cli.js';
import { eventually } from '../support/eventually.js';
import { pullImage, settled } from '../support/jobs.js';
import { JobUpdates } from '../../apps/api/src/jobs/job-updates.js';

/**
 * The unmodified docker CLI as a client of Stevedore's image-only Engine API
 * (`DOCKER_HOST=tcp://127.0.0.1:<port>/engine`, the bearer token in config.json's `HttpHeaders`),
 * with the same CLI run straight against the environment's daemon as the oracle: what the user
 * sees (exit code, stdout, stderr) must be what the daemon would have shown.
 *
 * Other e2e files share the daemon and run at the same time, so listings are compared with a few
 * retries (another file may add or remove an image between the two commands; the CREATED column
 * is relative time and may tick), and everything this file changes lives under its own names.
 */
const env = readTestEnvironment();
const { appA, appB, multiTag, configured, busybox } = env.fixtures.images;
const { open, auth } = env.registries;
const NS = `stevedore-e2e-engine-${process.pid}`;
const CONTAINER_PREFIX = `stevedore-e2e-engine-${process.pid}`;
const KiB = 1024;
const MiB = 1024 * KiB;

/** Images this file made from content of its own (never a fixture): removed by id at the end. */
const ownImages = new Set<string>();
const containers = new Set<string>();

let api: ApiUnderTest;
let clis: EngineClis;
/** The CLI straight to the daemon. */
let daemon: DockerCli;
/** The CLI through Stevedore, one per role. */
let asRead: DockerCli;
let asWrite: DockerCli;
let asAdmin: DockerCli;

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');
const outcome = (result: CliResult) => ({ code: result.code, stdout: result.stdout, stderr: result.stderr });
/** A table or JSON-lines listing: the header (first line) kept, the rows as a set. */
const listing = (result: CliResult, header = true) => {
  const all = lines(result.stdout);
  return {
    code: result.code,
    header: header ? all[0] : undefined,
    rows: (header ? all.slice(1) : all).sort(),
    stderr: result.stderr,
  };
};

/**
 * Runs `args` through Stevedore and then against the daemon, back to back, until the two agree
 * (at most a few times): for read-only commands whose answer other test files may change in
 * between. Returns the last pair, for the test to compare (and show the difference).
 */
async function bothWays<T>(
  args: readonly string[],
  shape: (result: CliResult) => T,
  through: DockerCli = asRead,
): Promise<{ stevedore: T; daemon: T }> {
  let last: { stevedore: T; daemon: T } | undefined;
  for (let attempt = 0; attempt < 6; attempt++) {
    const stevedore = shape(await through.run(args));
    const direct = shape(await daemon.run(args));
    last = { stevedore, daemon: direct };
    if (isDeepStrictEqual(stevedore, direct)) break;
    await sleep(400);
  }
  return last!;
}

const exists = async (ref: string) => (await daemon.run(['image', 'inspect', ref])).code === 0;
const idOf = (ref: string) => daemon.ok(['image', 'inspect', '--format', '{{.Id}}', ref]);

/** A small image of random content, made by the daemon (`docker import`); optionally untagged. */
async function importImage(ref: string | null, bytes = 4 * KiB, changes: string[] = []): Promise<string> {
  const change = changes.flatMap((line) => ['--change', line]);
  const id = await daemon.ok(['import', ...change, clis.randomLayer(bytes), ...(ref ? [ref] : [])]);
  ownImages.add(id);
  return id;
}

interface Published {
  ref: string;
  id: string;
  digest: string;
}

/** An image of random content in the open registry as `<open>/<NS>/<name>:1`, and nothing of it local. */
async function publish(name: string, bytes: number): Promise<Published> {
  const ref = `${open.host}/${NS}/${name}:1`;
  const id = await importImage(ref, bytes);
  await daemon.ok(['push', ref]);
  const digest = (await daemon.ok(['image', 'inspect', '--format', '{{index .RepoDigests 0}}', ref])).split(
    '@',
  )[1]!;
  await daemon.ok(['rmi', ref]);
  return { ref, id, digest };
}

async function cleanUp(): Promise<void> {
  for (const container of containers) await daemon.run(['rm', '--force', container]);
  // By name: some of these names are on fixture images, which must stay.
  for (const pattern of [`${NS}/*`, `${open.host}/${NS}/*`, `${auth.host}/${NS}/*`]) {
    const refs = lines(
      (
        await daemon.run([
          'images',
          '--format',
          '{{.Repository}}:{{.Tag}}',
          '--filter',
          `reference=${pattern}`,
        ])
      ).stdout,
    ).filter((ref) => !ref.endsWith(':<none>'));
    if (refs.length > 0) await daemon.run(['rmi', ...refs]);
  }
  for (const id of ownImages) await daemon.run(['rmi', '--force', id]);
}

beforeAll(async () => {
  api = await startApi(env);
  clis = new EngineClis(env);
  daemon = clis.daemon('daemon');
  asRead = clis.stevedore(api.url, TEST_TOKENS.read, 'stevedore-read');
  asWrite = clis.stevedore(api.url, TEST_TOKENS.write, 'stevedore-write');
  asAdmin = clis.stevedore(api.url, TEST_TOKENS.admin, 'stevedore-admin');
  // Names of this run on fixture images (a tag never changes the fixture itself).
  await daemon.ok(['tag', appA.ref, `${NS}/app-a:1`]);
  await daemon.ok(['tag', appB.ref, `${NS}/app-b:1`]);
  await daemon.ok(['tag', appB.ref, `${NS}/app-b:2`]);
}, 120_000);

afterAll(async () => {
  try {
    if (daemon) await cleanUp();
  } finally {
    await api?.close();
    clis?.dispose();
  }
}, 120_000);

describe('docker CLI through Stevedore /engine and the daemon', () => {
  describe('docker images: Stevedore lists what the daemon lists', () => {
    let dangling: string;

    beforeAll(async () => {
      dangling = await importImage(null);
    });

    it.each([
      ['docker images', ['images']],
      ['docker images -a (intermediate images too)', ['images', '-a']],
      ['--filter reference=<this run>/*', ['images', '--filter', `reference=${NS}/*`]],
      ['--digests, the fixtures', ['images', '--digests', '--filter', 'reference=stevedore-fixtures/*']],
      ['--filter dangling=true', ['images', '--filter', 'dangling=true']],
      ['-q --no-trunc', ['images', '-q', '--no-trunc', '--filter', `reference=${NS}/*`]],
    ])('%s: the same header and the same rows', async (_name, args) => {
      const { stevedore, daemon: direct } = await bothWays(args, (result) =>
        listing(result, !args.includes('-q')),
      );
      expect(stevedore).toEqual(direct);
      expect(direct.code).toBe(0);
      expect(direct.rows.length).toBeGreaterThan(0);
    });

    it('--format {{json .}}: the same objects, field by field', async () => {
      const args = ['images', '--format', '{{json .}}'];
      const { stevedore, daemon: direct } = await bothWays(args, (result) => listing(result, false));
      expect(stevedore).toEqual(direct);
      expect(direct.rows.map((row) => JSON.parse(row).Repository)).toContain(`${NS}/app-a`);
    });

    it('shows this run’s names and its dangling image, as the daemon does', async () => {
      const named = await asRead.run(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
      expect(named.code).toBe(0);
      expect(lines(named.stdout)).toEqual(
        expect.arrayContaining([
          `${NS}/app-a:1 ${appA.id.slice(7, 19)}`,
          `${NS}/app-b:1 ${appB.id.slice(7, 19)}`,
          `${NS}/app-b:2 ${appB.id.slice(7, 19)}`,
        ]),
      );
      const danglingIds = await asRead.run(['images', '-q', '--no-trunc', '--filter', 'dangling=true']);
      expect(lines(danglingIds.stdout)).toContain(dangling);
    });
  });

  describe('docker pull: the same summary lines and exit code as a pull on the daemon', () => {
    const freshRef = `${open.host}/${NS}/pulled:1`;
    const copyRef = `${open.host}/${NS}/app-a-copy:1`;
    let fresh: Published;

    beforeAll(async () => {
      fresh = await publish('pulled', 512 * KiB);
      await daemon.ok(['tag', appA.ref, copyRef]);
      await daemon.ok(['push', copyRef]);
      await daemon.ok(['rmi', copyRef]);
    }, 120_000);

    /** The lines of `docker pull` that do not depend on how per-layer progress interleaves. */
    const summary = (result: CliResult) => {
      const all = lines(result.stdout);
      return {
        code: result.code,
        pullingFrom: all[0],
        digest: all.filter((line) => line.startsWith('Digest: ')),
        status: all.filter((line) => line.startsWith('Status: ')),
        last: all.at(-1),
        stderr: result.stderr,
      };
    };

    it.each([
      ['an image none of whose layers are local', freshRef],
      ['a copy of a fixture whose layers are all local', copyRef],
    ])('pulls %s', async (_name, ref) => {
      expect(await exists(ref)).toBe(false);
      const viaStevedore = await asWrite.run(['pull', ref]);
      expect(viaStevedore.code).toBe(0);
      expect(await idOf(ref)).toBe(ref === freshRef ? fresh.id : appA.id);

      await daemon.ok(['rmi', ref]);
      const direct = await daemon.run(['pull', ref]);
      expect(summary(viaStevedore)).toEqual(summary(direct));
      expect(summary(direct)).toMatchObject({
        code: 0,
        pullingFrom: `1: Pulling from ${NS}/${ref === freshRef ? 'pulled' : 'app-a-copy'}`,
        digest: [expect.stringMatching(/^Digest: sha256:[0-9a-f]{64}$/)],
        status: [`Status: Downloaded newer image for ${ref}`],
        last: ref,
      });
      if (ref === freshRef) expect(summary(direct).digest).toEqual([`Digest: ${fresh.digest}`]);
    });

    it.each([
      ['a missing tag of a repository the registry has', `${open.host}/${NS}/pulled:no-such-tag`],
      ['a repository the registry never had', `${open.host}/${NS}/never-pushed:1`],
    ])('fails a pull of %s with the daemon’s exit code and message', async (_name, ref) => {
      const viaStevedore = await asWrite.run(['pull', ref]);
      const direct = await daemon.run(['pull', ref]);
      expect(outcome(viaStevedore)).toEqual(outcome(direct));
      // On Docker 20.10 with distribution 2.8: "Error response from daemon: manifest for <ref>
      // not found: manifest unknown: manifest unknown".
      expect(direct.code).toBe(1);
      expect(direct.stderr).toMatch(/^Error response from daemon: manifest for .* not found/);
    });
  });

  describe('docker tag and docker rmi: the same outputs and conflicts as on the daemon', () => {
    it('tags, then untags a tag with the same "Untagged:" line, leaving the image', async () => {
      const target = `${NS}/tagged:1`;
      const tagged = await asWrite.run(['tag', appA.ref, target]);
      expect(outcome(tagged)).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await idOf(target)).toBe(appA.id);

      const viaStevedore = await asWrite.run(['rmi', target]);
      await daemon.ok(['tag', appA.ref, target]);
      const direct = await daemon.run(['rmi', target]);
      expect(outcome(viaStevedore)).toEqual(outcome(direct));
      expect(direct.stdout).toBe(`Untagged: ${target}\n`);
      expect(await exists(target)).toBe(false);
      expect(await idOf(appA.ref)).toBe(appA.id);
    });

    it('moves a tag onto another image, as the daemon does', async () => {
      const target = `${NS}/moved:1`;
      await daemon.ok(['tag', appA.ref, target]);
      expect(outcome(await asWrite.run(['tag', appB.ref, target]))).toEqual({
        code: 0,
        stdout: '',
        stderr: '',
      });
      expect(await idOf(target)).toBe(appB.id);
    });

    it('fails to tag a missing image with the daemon’s message', async () => {
      const args = ['tag', `${NS}/absent:1`, `${NS}/never:1`];
      const viaStevedore = await asWrite.run(args);
      const direct = await daemon.run(args);
      expect(outcome(viaStevedore)).toEqual(outcome(direct));
      expect(direct).toMatchObject({
        code: 1,
        stderr: `Error response from daemon: No such image: ${NS}/absent:1\n`,
      });
    });

    it('refuses an id with several tags without -f, and with -f untags them all and deletes it', async () => {
      const id = await importImage(`${NS}/multi:1`);
      await daemon.ok(['tag', id, `${NS}/multi:2`]);
      // The same image again later, with the same id, for the daemon's turn.
      const archive = join(clis.work, 'multi.tar');
      await daemon.ok(['save', '-o', archive, `${NS}/multi:1`, `${NS}/multi:2`]);

      const refusedByStevedore = await asWrite.run(['rmi', id]);
      const refusedByDaemon = await daemon.run(['rmi', id]);
      expect(outcome(refusedByStevedore)).toEqual(outcome(refusedByDaemon));
      expect(refusedByDaemon.code).toBe(1);
      expect(refusedByDaemon.stderr).toBe(
        `Error response from daemon: conflict: unable to delete ${id.slice(7, 19)} (must be forced) - ` +
          'image is referenced in multiple repositories\n',
      );

      const forcedByStevedore = await asWrite.run(['rmi', '-f', id]);
      expect(forcedByStevedore.code).toBe(0);
      expect(await exists(id)).toBe(false);
      await daemon.ok(['load', '-i', archive]);
      expect(await idOf(`${NS}/multi:1`)).toBe(id);
      const forcedByDaemon = await daemon.run(['rmi', '-f', id]);
      expect(outcome(forcedByStevedore)).toEqual(outcome(forcedByDaemon));
      expect(lines(forcedByDaemon.stdout)).toEqual(
        expect.arrayContaining([`Untagged: ${NS}/multi:1`, `Untagged: ${NS}/multi:2`, `Deleted: ${id}`]),
      );
    });

    it('refuses to remove an image a container uses, with the daemon’s conflict message', async () => {
      const ref = `${NS}/used:1`;
      const id = await importImage(ref);
      const container = `${CONTAINER_PREFIX}-holder`;
      containers.add(container);
      await daemon.ok(['create', '--name', container, ref, '/none']);
      const containerId = await daemon.ok(['container', 'inspect', '--format', '{{.Id}}', container]);

      for (const args of [
        ['rmi', ref],
        ['rmi', id],
      ]) {
        const viaStevedore = await asWrite.run(args);
        const direct = await daemon.run(args);
        expect(outcome(viaStevedore)).toEqual(outcome(direct));
        expect(direct.code).toBe(1);
        expect(viaStevedore.stderr).toMatch(/^Error response from daemon: conflict: unable to /);
        expect(direct.stderr).toContain(containerId.slice(0, 12));
      }
      // On this daemon: `… unable to remove repository reference "<ref>" (must force) - container
      // <12> is using its referenced image <12>` and, by id, `… unable to delete <12> (must be
      // forced) - image is being used by stopped container <12>`.
      expect(await idOf(ref)).toBe(id);
    });
  });

  describe('docker history and docker image inspect: identical output', () => {
    it.each([
      ['a fixture by tag', appA.ref],
      ['the configured fixture', configured.ref],
      ['an image by id', multiTag.id],
      ['a name of this run', `${NS}/app-b:2`],
    ])('history --no-trunc and image inspect of %s', async (_name, ref) => {
      const history = await bothWays(['history', '--no-trunc', ref], outcome);
      expect(history.stevedore).toEqual(history.daemon);
      expect(history.daemon.code).toBe(0);

      const inspect = await bothWays(['image', 'inspect', ref], outcome);
      expect(inspect.stevedore).toEqual(inspect.daemon);
      expect(JSON.parse(inspect.daemon.stdout)[0].Id).toMatch(/^sha256:/);
    });

    it('inspects several images at once, and a format, as the daemon does', async () => {
      const several = await bothWays(['image', 'inspect', appA.ref, busybox.ref, `${NS}/app-b:1`], outcome);
      expect(several.stevedore).toEqual(several.daemon);
      const format = await bothWays(
        [
          'image',
          'inspect',
          '--format',
          '{{.Id}} {{json .RepoTags}} {{.Size}} {{json .RootFS}}',
          multiTag.ref,
        ],
        outcome,
      );
      expect(format.stevedore).toEqual(format.daemon);
    });

    it('fails on a missing image with the daemon’s exit code and message', async () => {
      const missing = `${NS}/absent:1`;
      const inspect = await bothWays(['image', 'inspect', missing], outcome);
      expect(inspect.stevedore).toEqual(inspect.daemon);
      expect(inspect.daemon).toMatchObject({ code: 1, stderr: `Error: No such image: ${missing}\n` });
      const history = await bothWays(['history', missing], outcome);
      expect(history.stevedore).toEqual(history.daemon);
      expect(history.daemon.code).toBe(1);
    });
  });

  describe('docker login and docker push to the htpasswd registry, as through the daemon', () => {
    const target = `${auth.host}/${NS}/pushed:1`;
    const { username, password } = auth.credentials;

    beforeAll(async () => {
      await daemon.ok(['tag', `${NS}/app-b:1`, target]);
    });

    it('refuses a push without credentials with the daemon’s exit code and message', async () => {
      // asAdmin never logs in; the daemon-side CLI has not yet.
      const viaStevedore = await asAdmin.run(['push', target]);
      const direct = await daemon.run(['push', target]);
      expect({ code: viaStevedore.code, stderr: viaStevedore.stderr }).toEqual({
        code: direct.code,
        stderr: direct.stderr,
      });
      expect(direct).toMatchObject({ code: 1, stderr: 'no basic auth credentials\n' });
    });

    it('refuses a login with a wrong password, and stores nothing', async () => {
      const wrongThroughStevedore = clis.stevedore(api.url, TEST_TOKENS.write, 'stevedore-wrong-login');
      const args = ['login', '--username', username, '--password-stdin', auth.host];
      const viaStevedore = await wrongThroughStevedore.run(args, { input: 'wrong-password-123' });
      const direct = await clis.daemon('daemon-wrong-login').run(args, { input: 'wrong-password-123' });
      // The daemon: "Error response from daemon: login attempt to http://<host>/v2/ failed with
      // status: 401 Unauthorized".
      expect(direct.code).toBe(1);
      expect(viaStevedore.code).toBe(direct.code);
      expect(viaStevedore.stdout).toBe(direct.stdout);
      expect(viaStevedore.stderr).toMatch(/401|unauthori[sz]ed/i);
      expect(wrongThroughStevedore.config().auths[auth.host]).toEqual({});
    });

    it('logs in through Stevedore (POST /auth) and pushes with the CLI’s credentials; the registry has the digest it printed', async () => {
      const args = ['login', '--username', username, '--password-stdin', auth.host];
      const login = await asWrite.run(args, { input: password });
      const directLogin = await daemon.run(args, { input: password });
      expect(login.code).toBe(0);
      expect(login.stdout).toBe(directLogin.stdout);
      expect(login.stdout).toBe('Login Succeeded\n');
      // The CLI kept the credentials next to the HttpHeaders, as `docker login` always does.
      const config = asWrite.config();
      expect(config.HttpHeaders).toEqual({ Authorization: `Bearer ${TEST_TOKENS.write}` });
      expect(Buffer.from(config.auths[auth.host].auth, 'base64').toString()).toBe(`${username}:${password}`);

      const pushed = await asWrite.run(['push', target]);
      expect(pushed.code).toBe(0);
      expect(lines(pushed.stdout)[0]).toBe(`The push refers to repository [${auth.host}/${NS}/pushed]`);
      const digestLine = /^1: digest: (sha256:[0-9a-f]{64}) size: (\d+)$/m;
      const [line, digest, size] = pushed.stdout.match(digestLine) ?? [];
      expect(line).toBeDefined();

      const manifest = await fetch(`${auth.url}/v2/${NS}/pushed/manifests/1`, {
        method: 'HEAD',
        headers: {
          authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
          accept: 'application/vnd.docker.distribution.manifest.v2+json',
        },
      });
      expect(manifest.status).toBe(200);
      expect(manifest.headers.get('docker-content-digest')).toBe(digest);
      expect(manifest.headers.get('content-length')).toBe(size);

      // The daemon pushing the same image to the same tag prints the same digest line.
      const direct = await daemon.run(['push', target]);
      expect(direct.code).toBe(0);
      expect(direct.stdout.match(digestLine)?.[0]).toBe(line);
    });
  });

  describe('docker save and docker load: the image comes back with its id', () => {
    it('saves through Stevedore to a file, and loads it back through Stevedore, printing what the daemon prints', async () => {
      const ref = `${NS}/saved:1`;
      const id = await importImage(ref, 64 * KiB);
      const archive = join(clis.work, 'saved.tar');
      const saved = await asWrite.run(['save', '-o', archive, ref]);
      expect(outcome(saved)).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(existsSync(archive) && statSync(archive).size).toBeGreaterThan(64 * KiB);

      await daemon.ok(['rmi', ref]);
      expect(await exists(id)).toBe(false);
      const loaded = await asWrite.run(['load', '-i', archive]);
      expect(loaded.code).toBe(0);
      expect(await idOf(ref)).toBe(id);

      await daemon.ok(['rmi', ref]);
      const direct = await daemon.run(['load', '-i', archive]);
      expect(outcome(loaded)).toEqual(outcome(direct));
      expect(direct.stdout).toBe(`Loaded image: ${ref}\n`);
      expect(await idOf(ref)).toBe(id);
    });

    it('loads from stdin, as `docker save | docker load` does', async () => {
      const ref = `${NS}/piped:1`;
      const id = await importImage(ref, 16 * KiB);
      const archive = join(clis.work, 'piped.tar');
      await asWrite.ok(['save', '-o', archive, ref]);
      await daemon.ok(['rmi', ref]);
      const loaded = await asWrite.run(['load'], { input: readFileSync(archive) });
      expect(outcome(loaded)).toEqual({ code: 0, stdout: `Loaded image: ${ref}\n`, stderr: '' });
      expect(await idOf(ref)).toBe(id);
    });
  });

  describe('docker save and docker load of several images, and what only the daemon may do', () => {
    it('loads an archive of several images, printing each one as the daemon does', async () => {
      const refs = [`${NS}/several:1`, `${NS}/several:2`, `${NS}/several-other:1`];
      await importImage(refs[0]!, 8 * KiB);
      await daemon.ok(['tag', refs[0]!, refs[1]!]);
      await importImage(refs[2]!, 8 * KiB);
      const archive = join(clis.work, 'several.tar');
      await asWrite.ok(['save', '-o', archive, ...refs]);
      await daemon.ok(['rmi', ...refs]);
      const loaded = await asWrite.run(['load', '-i', archive]);
      await daemon.ok(['rmi', ...refs]);
      const direct = await daemon.run(['load', '-i', archive]);
      expect(lines(direct.stdout)).toHaveLength(3);
      expect(outcome(loaded)).toEqual(outcome(direct));
    });

    it('answers HEAD only on /_ping: HEAD /events is refused at once, never left hanging', async () => {
      const head = (path: string) =>
        fetch(`${api.url}/engine/v1.41${path}`, {
          method: 'HEAD',
          headers: { authorization: `Bearer ${TEST_TOKENS.read}` },
          signal: AbortSignal.timeout(5_000),
        });
      expect((await head('/_ping')).status).toBe(200);
      expect((await head('/events')).status).toBe(501);
      expect((await head('/images/json')).status).toBe(501);
    });

    it('lets go of a pull’s job at once when its client goes away before the first line', async () => {
      const updates = api.app.get(JobUpdates);
      const before = updates.subscriberCount;
      // A registry that never answers: the job keeps trying, with nothing to stream.
      const query = new URLSearchParams({
        fromImage: '127.0.0.1:9/stevedore-e2e/never',
        tag: String(process.pid),
      });
      const gone = new AbortController();
      const pull = fetch(`${api.url}/engine/v1.41/images/create?${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_TOKENS.write}` },
        signal: gone.signal,
      }).catch(() => undefined);
      await eventually(async () => expect(updates.subscriberCount).toBe(before + 1), 5_000);
      gone.abort();
      await pull;
      await eventually(async () => expect(updates.subscriberCount).toBe(before), 2_000);
    });

    it('audits a change under the name in its path, whatever its query says', async () => {
      const ref = `${NS}/audited:1`;
      await importImage(ref, 4 * KiB);
      const target = `${NS}/audited-tag`;
      const query = new URLSearchParams({ repo: target, tag: '2', name: 'forged', host: 'forged' });
      const answer = await fetch(`${api.url}/engine/v1.41/images/${ref}/tag?${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_TOKENS.write}` },
      });
      expect(answer.status).toBe(201);
      const audit = await graphql<{
        auditLog: { nodes: { operation: string; arguments: Record<string, unknown> }[] };
      }>(api, '{ auditLog(first: 50) { nodes { operation arguments } } }', { token: TEST_TOKENS.admin });
      const entry = audit.data!.auditLog.nodes.find(
        (node) => node.operation === 'tagImage' && node.arguments.repo === target,
      );
      expect(entry?.arguments).toMatchObject({ name: ref, repo: target, tag: '2' });
      expect(entry?.arguments.host).not.toBe('forged');
    });
  });

  describe('docker image prune: dangling images go, with the daemon’s report', () => {
    it('prunes a dangling image and prints "Deleted Images:" and "Total reclaimed space:" as the daemon does', async () => {
      // Only this run's dangling images: other files running now keep theirs (a bare `docker
      // image prune -f` would take them too).
      const label = `stevedore.e2e.engine=${process.pid}`;
      const args = ['image', 'prune', '-f', '--filter', `label=${label}`];
      const content = clis.randomLayer(2 * KiB);
      const dangle = async () => {
        const id = await daemon.ok(['import', '--change', `LABEL ${label}`, content]);
        ownImages.add(id);
        return id;
      };

      const first = await dangle();
      const viaStevedore = await asWrite.run(args);
      expect(viaStevedore.code).toBe(0);
      expect(await exists(first)).toBe(false);

      const second = await dangle();
      const direct = await daemon.run(args);
      expect(await exists(second)).toBe(false);
      // The same report but for the image's own id (the layer's is the same: same content).
      expect(outcome(viaStevedore)).toEqual({
        ...outcome(direct),
        stdout: direct.stdout.replaceAll(second, first),
      });
      expect(lines(direct.stdout)).toEqual([
        'Deleted Images:',
        `deleted: ${second}`,
        expect.stringMatching(/^deleted: sha256:[0-9a-f]{64}$/),
        expect.stringMatching(/^Total reclaimed space: \d+(\.\d+)?[kMG]?B$/),
      ]);

      // Nothing left: both report nothing, the same way.
      const emptyByStevedore = await asWrite.run(args);
      const emptyByDaemon = await daemon.run(args);
      expect(outcome(emptyByStevedore)).toEqual(outcome(emptyByDaemon));
      expect(emptyByDaemon.stdout).toBe('Total reclaimed space: 0B\n');
    });
  });

  describe('docker system df: the Images row is the daemon’s', () => {
    it('prints the same header and Images row', async () => {
      const row = (result: CliResult) => {
        const all = lines(result.stdout);
        return {
          code: result.code,
          header: all[0],
          images: all.find((line) => line.startsWith('Images ')),
          stderr: result.stderr,
        };
      };
      const { stevedore, daemon: direct } = await bothWays(['system', 'df'], row);
      expect(stevedore).toEqual(direct);
      expect(direct.header).toMatch(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/);
      expect(direct.images).toBeDefined();
    });
  });

  describe('docker search: the same results from the search index', () => {
    const index = env.searchIndex.host;
    it.each([
      [`${index}/nginx`, []],
      [`${index}/nginx`, ['--no-trunc']],
      [`${index}/nginx`, ['--filter', 'is-official=true']],
      [`${index}/nginx`, ['--filter', 'stars=100']],
      [`${index}/busybox`, ['--format', '{{json .}}']],
      [`${index}/nothing-matches-this`, []],
    ])('docker search %s %j', async (term, options) => {
      const { stevedore, daemon: direct } = await bothWays(['search', ...options, term], outcome);
      expect(stevedore).toEqual(direct);
      expect(direct.code).toBe(0);
    });
  });

  describe('refusals: what Stevedore does not serve, and what a role may not do', () => {
    const IMAGES_ONLY = 'Stevedore serves images only';

    it.each([
      ['docker ps', ['ps']],
      ['docker volume ls', ['volume', 'ls']],
      ['docker network ls', ['network', 'ls']],
      ['docker create', ['create', '--name', `${CONTAINER_PREFIX}-refused`, busybox.ref, 'true']],
    ])('%s fails with exit code 1 and says Stevedore serves images only', async (_name, args) => {
      // Named, so that cleanup finds what a wrongly served create or run would leave.
      containers.add(`${CONTAINER_PREFIX}-refused`);
      // The admin token: the refusal is about what Stevedore serves, not about a role.
      const refused = await asAdmin.run(args);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(IMAGES_ONLY);
    });

    it('docker run fails as the CLI fails a run whose container cannot be created (exit code 125)', async () => {
      // The CLI exits 125 (not 1) when the daemon refuses `POST /containers/create` in a run.
      containers.add(`${CONTAINER_PREFIX}-run`);
      const refused = await asAdmin.run(
        ['run', '--rm', '--name', `${CONTAINER_PREFIX}-run`, busybox.ref, 'true'],
        {
          timeoutMs: 60_000,
        },
      );
      expect(refused.code).toBe(125);
      expect(refused.stderr).toContain(IMAGES_ONLY);
    });

    it('refuses docker rmi with the read token, and the image stays', async () => {
      const ref = `${NS}/kept:1`;
      await daemon.ok(['tag', appA.ref, ref]);
      const listed = await asRead.run(['images', '-q', ref]);
      expect(outcome(listed)).toEqual({ code: 0, stdout: `${appA.id.slice(7, 19)}\n`, stderr: '' });

      const refused = await asRead.run(['rmi', ref]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/role|forbidden|not allowed/i);
      expect(await idOf(ref)).toBe(appA.id);
    });

    it('refuses every call without a token', async () => {
      const anonymous = clis.stevedore(api.url, null, 'stevedore-anonymous');
      const refused = await anonymous.run(['images']);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
    });
  });

  describe('identical pulls at once: one job, one daemon pull', () => {
    const count = async (ref: string) => {
      const answer = await graphql<{ jobs: { totalCount: number } }>(
        api,
        'query($ref: String) { jobs(filter: { ref: $ref, kind: PULL }) { totalCount } }',
        { variables: { ref } },
      );
      expect(answer.errors).toBeUndefined();
      return answer.data!.jobs.totalCount;
    };

    it('two docker pulls started together through Stevedore: both succeed, the daemon pulls once', async () => {
      // 32 MiB of random bytes: the pull lasts long enough for the second to find the first.
      const shared = await publish('shared', 32 * MiB);
      const since = Date.now();
      const [one, two] = await Promise.all([
        asWrite.run(['pull', shared.ref]),
        asWrite.run(['pull', shared.ref]),
      ]);
      expect([one.code, two.code]).toEqual([0, 0]);
      for (const result of [one, two]) {
        expect(lines(result.stdout).at(-1)).toBe(shared.ref);
        expect(result.stdout).toContain(`Digest: ${shared.digest}`);
      }
      expect(await idOf(shared.ref)).toBe(shared.id);
      expect(await daemonPullsOf(daemon, shared.ref, since)).toBe(1);
      expect(await count(shared.ref)).toBe(1);
    });

    it('a docker pull joins the same pull queued by the pullImage mutation', async () => {
      const joined = await publish('joined', 32 * MiB);
      const since = Date.now();
      const queued = await pullImage(api, { ref: joined.ref });
      expect(queued.errors).toBeUndefined();
      const cli = await asWrite.run(['pull', joined.ref]);
      expect(cli.code).toBe(0);
      expect(lines(cli.stdout).at(-1)).toBe(joined.ref);
      expect(await settled(api, queued.job!.id)).toMatchObject({ state: 'COMPLETED', imageId: joined.id });
      expect(await daemonPullsOf(daemon, joined.ref, since)).toBe(1);
      expect(await count(joined.ref)).toBe(1);
    });
  });

  describe('dockerode (docker-modem 5) as a client of /engine', () => {
    let stevedore: Docker;
    const direct = () => dockerodeOnDaemon(env);

    beforeAll(async () => {
      ({ docker: stevedore } = await dockerodeThroughStevedore(api.url, TEST_TOKENS.write));
    });

    it('lists the images the daemon lists', async () => {
      const options = { filters: { reference: [`${NS}/*`] } };
      const byId = (images: Docker.ImageInfo[]) => [...images].sort((a, b) => a.Id.localeCompare(b.Id));
      let pair: { stevedore: Docker.ImageInfo[]; daemon: Docker.ImageInfo[] } | undefined;
      for (let attempt = 0; attempt < 6; attempt++) {
        pair = {
          stevedore: byId(await stevedore.listImages(options)),
          daemon: byId(await direct().listImages(options)),
        };
        if (isDeepStrictEqual(pair.stevedore, pair.daemon)) break;
        await sleep(400);
      }
      expect(pair!.stevedore).toEqual(pair!.daemon);
      expect(pair!.daemon.map((image) => image.Id)).toEqual(expect.arrayContaining([appA.id, appB.id]));
      expect(await stevedore.getImage(appA.ref).inspect()).toEqual(
        await direct().getImage(appA.ref).inspect(),
      );
    });

    it('pulls, following the progress stream to the daemon’s final status', async () => {
      const sdk = await publish('sdk', 256 * KiB);
      const stream = (await stevedore.pull(sdk.ref)) as NodeJS.ReadableStream;
      const output = await followProgress(stevedore, stream);
      const statuses = output.map((event) => event.status as string | undefined);
      expect(output.filter((event) => event.error || event.errorDetail)).toEqual([]);
      expect(statuses).toContain(`Digest: ${sdk.digest}`);
      expect(statuses.at(-1)).toBe(`Status: Downloaded newer image for ${sdk.ref}`);
      expect(await idOf(sdk.ref)).toBe(sdk.id);
    });
  });
});
