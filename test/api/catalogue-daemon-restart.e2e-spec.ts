import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  runDocker,
  startDockerDaemon,
  startTestEnvironment,
  stopDockerDaemon,
  type StartedTestEnvironment,
} from '../environment/index.js';
import { graphql, rest, startApi, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { oneFileTar } from '../support/one-file-tar.js';

/**
 * Stops and restarts dockerd under a running api. It has an environment of its own, since
 * other test files share the suite's daemon.
 */
describe('the catalogue when the daemon goes away and comes back', () => {
  let env: StartedTestEnvironment;
  let api: ApiUnderTest;
  let imageId: string;

  const listIds = async () => {
    const answer = await graphql<{ images: { nodes: { id: string }[] } }>(api, '{ images { nodes { id } } }');
    return answer;
  };

  beforeAll(async () => {
    // `env: {}`: this worker inherited the suite's DOCKER_HOST and REDIS_URL from global setup.
    env = await startTestEnvironment({ env: {} });
    const archive = join(env.tmpDir, 'one-file.tar');
    writeFileSync(archive, oneFileTar('daemon'));
    imageId = (await runDocker(env, ['image', 'import', archive, 'stevedore-e2e/restart:1'])).stdout.trim();
    api = await startApi(env);
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await env?.stop();
  }, 60_000);

  it.each([
    ['stopped', false],
    ['killed', true],
  ])(
    'answers DOCKER_UNAVAILABLE while the daemon is %s, never stale data, then recovers by itself',
    async (_how, crash) => {
      await eventually(async () =>
        expect((await listIds()).data!.images.nodes.map((node) => node.id)).toEqual([imageId]),
      );

      await stopDockerDaemon(env, { crash });
      await eventually(async () => {
        const answer = await listIds();
        expect(answer.data).toBeNull();
        expect(answer.errors?.[0]?.extensions?.code).toBe('DOCKER_UNAVAILABLE');
      }, 5_000);
      const listed = await rest(api, '/api/v1/images');
      expect(listed.status).toBe(503);
      expect(listed.body.code).toBe('DOCKER_UNAVAILABLE');
      const ready = await rest(api, '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error.catalogue).toMatchObject({ status: 'down', stale: true });

      await startDockerDaemon(env);
      // Reads work as soon as the daemon answers; the event stream is back within its backoff (≤ 5 s).
      await eventually(
        async () => expect((await listIds()).data!.images.nodes.map((node) => node.id)).toEqual([imageId]),
        10_000,
      );
      await eventually(async () => {
        const again = await rest(api, '/health/ready');
        expect(again.status).toBe(200);
        expect(again.body.info.catalogue.status).toBe('up');
      }, 10_000);
      // …and events flow again: a tag made now shows within a second.
      const tag = `stevedore-e2e/restart:${crash ? 'after-kill' : 'after-stop'}`;
      await runDocker(env, ['image', 'tag', imageId, tag]);
      await eventually(async () => {
        const answer = await graphql<{ image: { id: string } | null }>(
          api,
          `{ image(ref: "${tag}") { id } }`,
        );
        expect(answer.data!.image?.id).toBe(imageId);
      });
    },
    90_000,
  );
});
