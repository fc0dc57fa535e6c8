import { parseDockerHost } from '#libs/config';
import { DockerodeEngine } from '#libs/docker';
import { DomainError } from '#libs/errors';
import { readTestEnvironment } from '../environment/index.js';

const env = readTestEnvironment();

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    return error instanceof DomainError ? error.code : `not a domain error: ${String(error)}`;
  }
}

describe('DockerodeEngine against a real daemon', () => {
  const engine = new DockerodeEngine(parseDockerHost(env.docker.host, {}));
  const gone = new DockerodeEngine(parseDockerHost(`unix://${env.tmpDir}/absent.sock`, {}));

  it('pings, lists and inspects the fixtures', async () => {
    await engine.ping();
    const { large } = env.fixtures.images;
    const summaries = await engine.listImages();
    const row = summaries.find((summary) => summary.id === large.id);
    // Other files pull the fixture's registry copies into the same daemon meanwhile: more tags.
    expect(row?.repoTags).toEqual(expect.arrayContaining(large.refs));
    expect(row?.size).toBe(large.size);
    const details = await engine.inspectImage(large.ref);
    expect(details.id).toBe(large.id);
    expect(details.layers).toEqual(large.layers);
  });

  it('lists intermediate images only with all', async () => {
    const top = await engine.listImages();
    const all = await engine.listImages({ all: true });
    expect(all.length).toBeGreaterThanOrEqual(top.length);
    expect(top.every((image) => all.some((candidate) => candidate.id === image.id))).toBe(true);
  });

  it('maps a missing image to IMAGE_NOT_FOUND and an absent daemon to DOCKER_UNAVAILABLE', async () => {
    expect(await codeOf(engine.inspectImage('stevedore-fixtures/absent:1'))).toBe('IMAGE_NOT_FOUND');
    expect(await codeOf(gone.ping())).toBe('DOCKER_UNAVAILABLE');
    expect(await codeOf(gone.listImages())).toBe('DOCKER_UNAVAILABLE');
  });
});
