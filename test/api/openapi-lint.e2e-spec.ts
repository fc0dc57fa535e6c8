import { createConfig, lintFromString, type NormalizedProblem } from '@redocly/openapi-core';
import { readTestEnvironment } from '../environment/index.js';
import { rest, startApi, type ApiUnderTest } from '../support/api-under-test.js';

const env = readTestEnvironment();

function describeProblem(problem: NormalizedProblem): string {
  const where = problem.location.map((location) => location.pointer ?? '').join(', ');
  return `${problem.severity} ${problem.ruleId} at ${where}: ${problem.message}`;
}

describe('the OpenAPI description', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    // Its own Redis database: nothing here writes to it, but no other test file shares it.
    api = await startApi(env, { REDIS_URL: `${env.redis.url}/15` });
  });

  afterAll(() => api?.close());

  it("passes redocly's recommended rules with no error and no warning", async () => {
    const document = await rest(api, '/api/docs-json', { token: null });
    expect(document.status).toBe(200);
    const problems = await lintFromString({
      source: JSON.stringify(document.body, null, 2),
      absoluteRef: 'docs-json.json',
      config: await createConfig({ extends: ['recommended'] }),
    });
    expect(problems.map(describeProblem)).toEqual([]);
  });

  it('types the binary and event-stream answers, and marks the probes as open to all', async () => {
    const { body } = await rest(api, '/api/docs-json', { token: null });
    expect(body.security).toEqual([{ bearer: [] }]);
    expect(body.servers).toEqual([{ url: '/' }]);
    const exported = body.paths['/api/v1/images/{ref}/export'].get.responses['200'];
    expect(exported.content['application/x-tar'].schema).toEqual({ type: 'string', format: 'binary' });
    const events = body.paths['/api/v1/jobs/{id}/events'].get.responses['200'];
    expect(events.content).toHaveProperty('text/event-stream');
    expect(body.paths['/health/live'].get.security).toEqual([]);
    // Anonymous or with a token: a token adds each check's details.
    expect(body.paths['/health/ready'].get.security).toEqual([{}, { bearer: [] }]);
    expect(body.paths['/health/ready'].get.parameters).toEqual([
      expect.objectContaining({ in: 'header', name: 'authorization', required: false }),
    ]);
    // Not an API-token route, but still a bearer token: an admin token or METRICS_TOKEN.
    expect(body.paths['/metrics'].get.security).toEqual([{ bearer: [] }]);
  });
});
