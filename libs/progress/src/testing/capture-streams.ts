/**
 * Records real pull/push answers of a real dockerd into ./streams/*.jsonl, for the replay tests.
 * Not part of any build or test run; re-run it by hand when the daemon's wording may have changed:
 *
 *   npx tsc --ignoreConfig --outDir /tmp/progress-capture --rootDir . --module NodeNext --moduleResolution NodeNext \
 *     --target ES2023 --types node --skipLibCheck --esModuleInterop libs/progress/src/testing/capture-streams.ts
 *   echo '{"type":"module"}' > /tmp/progress-capture/package.json
 *   ln -s "$PWD/node_modules" /tmp/progress-capture/node_modules
 *   node /tmp/progress-capture/libs/progress/src/testing/capture-streams.js libs/progress/src/testing/streams
 *
 * A stream is stored byte for byte. When the daemon refuses before it starts streaming (an HTTP
 * error status instead of 200), `<name>.http-error.json` holds the status and message instead.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';

import {
  buildFixtures,
  type FixtureImage,
  startDockerDaemon,
  startTestEnvironment,
  type StartedTestEnvironment,
  stopDockerDaemon,
} from '../../../../test/environment/index.js';

type OpenStream = () => Promise<NodeJS.ReadableStream>;

interface ModemError {
  statusCode?: number;
  json?: unknown;
  message?: string;
}

const outDir = resolve(process.argv[2] ?? 'libs/progress/src/testing/streams');
const log = (line: string) => process.stderr.write(`${line}\n`);

interface RecordOptions {
  /** Runs once, when the first `Downloading` line arrives: to break something mid-transfer. */
  whileDownloading?: () => Promise<void>;
}

async function record(name: string, open: OpenStream, options: RecordOptions = {}): Promise<void> {
  const started = performance.now();
  let stream: NodeJS.ReadableStream;
  try {
    stream = await open();
  } catch (error) {
    const { statusCode, json, message } = error as ModemError;
    writeFileSync(
      join(outDir, `${name}.http-error.json`),
      `${JSON.stringify({ statusCode, json, message }, null, 2)}\n`,
    );
    log(`${name}: HTTP ${statusCode} ${message}`);
    return;
  }
  const chunks: Buffer[] = [];
  let interruption: Promise<void> | undefined;
  let streamError: { message: string; code?: string } | undefined;
  try {
    for await (const chunk of stream) {
      const buffer = Buffer.from(chunk as Buffer);
      chunks.push(buffer);
      if (options.whileDownloading && !interruption && buffer.includes('"Downloading"')) {
        interruption = options.whileDownloading();
      }
    }
  } catch (error) {
    const { message, code } = error as NodeJS.ErrnoException;
    streamError = { message, code };
  }
  await interruption;
  const raw = Buffer.concat(chunks);
  writeFileSync(join(outDir, `${name}.jsonl`), raw);
  if (streamError || options.whileDownloading) {
    // How the HTTP answer itself ended: cleanly, or with a socket error that no line reports.
    const end = streamError ? { ended: 'error', ...streamError } : { ended: 'cleanly' };
    writeFileSync(join(outDir, `${name}.end.json`), `${JSON.stringify(end, null, 2)}\n`);
  }
  const lines = raw
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '').length;
  const ms = Math.round(performance.now() - started);
  log(`${name}: ${lines} lines in ${ms} ms${streamError ? `, then ${streamError.message}` : ''}`);
}

/** Removes every local tag of the image, so the next pull really downloads its layers. */
async function removeImage(docker: Docker, id: string): Promise<void> {
  const inspected = await docker.getImage(id).inspect();
  for (const tag of inspected.RepoTags ?? []) await docker.getImage(tag).remove();
  await docker
    .getImage(id)
    .remove()
    .catch(() => undefined);
}

/** An image with one fresh layer on top of busybox, so a push has something to upload. */
async function derivedImage(docker: Docker, busybox: FixtureImage, repo: string, tag: string) {
  const container = await docker.createContainer({
    Image: busybox.ref,
    Cmd: ['sh', '-c', 'head -c 6291456 /dev/urandom > /blob'],
    HostConfig: { NetworkMode: 'none' },
  });
  await container.start();
  await container.wait();
  await container.commit({ repo, tag });
  await container.remove();
}

async function capture(env: StartedTestEnvironment): Promise<void> {
  const fixtures = await buildFixtures(env, { log });
  const docker = new Docker({ socketPath: env.docker.socketPath });
  const { large, appA, appB, busybox } = fixtures.images;
  const open = env.registries.open.host;
  const auth = env.registries.auth.host;
  const credentials = { ...env.registries.auth.credentials, serveraddress: auth };

  await removeImage(docker, large.id);
  await record('pull-large', () => docker.pull(large.registries.open.ref));
  await removeImage(docker, appB.id);
  await record('pull-layers-exist', () => docker.pull(appB.registries.open.ref));
  await record('pull-missing-tag', () => docker.pull(`${large.registries.open.repository}:missing`));
  await record('pull-missing-repo', () => docker.pull(`${open}/stevedore-fixtures/missing:1`));
  await record('pull-auth-no-credentials', () => docker.pull(appA.registries.auth.ref));
  await record('pull-auth-wrong-password', () =>
    docker.pull(appA.registries.auth.ref, { authconfig: { ...credentials, password: 'wrong-password' } }),
  );
  await record('pull-auth-with-credentials', () =>
    docker.pull(appA.registries.auth.ref, { authconfig: credentials }),
  );
  // Port 1 on loopback: nothing listens there, the daemon gets "connection refused".
  await record('pull-unreachable', () => docker.pull('127.0.0.1:1/stevedore-fixtures/app-a:1'));

  const appATagged = `${open}/stevedore-fixtures/app-a`;
  await docker.getImage(appA.ref).tag({ repo: appATagged, tag: 'progress-capture' });
  // `{}` is what the docker CLI sends without a login (X-Registry-Auth: e30=).
  await record('push-layers-exist', () =>
    docker.getImage(appATagged).push({ tag: 'progress-capture', authconfig: {} }),
  );
  await derivedImage(docker, busybox, `${open}/stevedore-fixtures/derived`, '1');
  await record('push-new-layer', () =>
    docker.getImage(`${open}/stevedore-fixtures/derived`).push({ tag: '1', authconfig: {} }),
  );
  // large exists locally only as the registry ref pulled above; its layers came from that repository.
  await docker
    .getImage(large.registries.open.ref)
    .tag({ repo: `${open}/stevedore-fixtures/large-copy`, tag: '1' });
  await record('push-mounted', () =>
    docker.getImage(`${open}/stevedore-fixtures/large-copy`).push({ tag: '1', authconfig: {} }),
  );
  const authTagged = `${auth}/stevedore-fixtures/app-a`;
  await docker.getImage(appA.ref).tag({ repo: authTagged, tag: 'progress-capture' });
  await record('push-auth-no-credentials', () =>
    docker.getImage(authTagged).push({ tag: 'progress-capture', authconfig: {} }),
  );
  // Without any X-Registry-Auth header at all (dockerode's default when none is given).
  await record('push-no-auth-header', () => docker.getImage(appATagged).push({ tag: 'progress-capture' }));
  await docker.getImage(appA.ref).tag({ repo: '127.0.0.1:1/stevedore-fixtures/app-a', tag: '1' });
  await record('push-unreachable', () =>
    docker.getImage('127.0.0.1:1/stevedore-fixtures/app-a').push({ tag: '1', authconfig: {} }),
  );

  // Things that break mid-pull, last: they take the open registry and the daemon away.
  // A pulled image keeps its id (the config digest), so the fixture's id still names it.
  await removeImage(docker, large.id);
  const registryPid = env.registries.open.process?.pid;
  await record('pull-registry-gone', () => docker.pull(large.registries.open.ref), {
    whileDownloading: async () => {
      if (registryPid !== undefined) process.kill(registryPid, 'SIGKILL');
    },
  });
  const pullLargeFromAuth = () => docker.pull(large.registries.auth.ref, { authconfig: credentials });
  await record('pull-daemon-stopped', pullLargeFromAuth, {
    whileDownloading: () => stopDockerDaemon(env),
  });
  await startDockerDaemon(env);
  await record('pull-daemon-crashed', pullLargeFromAuth, {
    whileDownloading: () => stopDockerDaemon(env, { crash: true }),
  });
}

mkdirSync(outDir, { recursive: true });
const env = await startTestEnvironment({ log });
try {
  await capture(env);
} finally {
  await env.stop();
  log('environment stopped');
}
