import { readTestEnvironment } from '../environment/index.js';
import { rest, startApi, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';

const env = readTestEnvironment();

describe('health probes and the OpenAPI description', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApi(env);
  });

  afterAll(() => api?.close());

  it('answers liveness and readiness without a token; details of Docker, Redis, the queue and the catalogue need one', async () => {
    expect((await rest(api, '/health/live', { token: null })).status).toBe(200);
    // Ready once the catalogue has been built from the daemon, a moment after start.
    await eventually(async () => {
      const ready = await rest(api, '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.details).toMatchObject({
        docker: { status: 'up' },
        redis: { status: 'up' },
        queue: { status: 'up' },
        catalogue: { status: 'up' },
      });
    }, 5_000);
    const anonymous = await rest(api, '/health/ready', { token: null });
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ status: 'ok' });
    const unknownToken = await rest(api, '/health/ready', { token: 'not-a-known-token-0123456789' });
    expect(unknownToken.body).toEqual({ status: 'ok' });
  });

  it('reports not ready, naming Docker, when the daemon cannot be reached', async () => {
    const broken = await startApi(env, { DOCKER_HOST: `unix://${env.tmpDir}/no-such-daemon.sock` });
    try {
      const anonymous = await rest(broken, '/health/ready', { token: null });
      expect(anonymous.status).toBe(503);
      // No raw daemon error (it names the socket path) for a caller without a token.
      expect(anonymous.body).toEqual({ status: 'error' });
      const ready = await rest(broken, '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.details.docker.status).toBe('down');
      expect(ready.body.details.redis.status).toBe('up');
      const images = await rest(broken, '/api/v1/images');
      expect(images.status).toBe(503);
      expect(images.body.code).toBe('DOCKER_UNAVAILABLE');
    } finally {
      await broken.close();
    }
  });

  it('serves swagger-ui from the installed package, with no CDN, and documents the image routes', async () => {
    const page = await rest(api, '/api/docs', { token: null });
    expect(page.status).toBe(200);
    expect(page.contentType).toContain('text/html');
    expect(page.body).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
    const document = await rest(api, '/api/docs-json', { token: null });
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/images', '/api/v1/images/{ref}']),
    );
    expect(document.body.paths['/api/v1/images/{ref}'].get.responses).toHaveProperty('404');
  });

  it('answers an unknown route with a problem document, behind authentication', async () => {
    expect((await rest(api, '/api/v1/nothing-here', { token: null })).status).toBe(401);
    const unknown = await rest(api, '/api/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.contentType).toContain('application/problem+json');
    expect(unknown.body.code).toBe('BAD_USER_INPUT');
  });
});
