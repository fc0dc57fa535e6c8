import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { FleetKeys, RedisHostDirectory } from '#libs/fleet';
import { checkSignature } from '#libs/webhooks';
import { readTestEnvironment, runDocker } from '../environment/index.js';
import { graphql, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { pullImage, settled } from '../support/jobs.js';
import { ensureBuilt, killAllServices, serviceEnv, startApiProcess } from '../support/processes.js';

const env = readTestEnvironment();
const NS = `stevedore-e2e-webhooks-${process.pid}`;
const admin = { token: TEST_TOKENS.admin };

interface Received {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/**
 * A real HTTP receiver on 127.0.0.1. Each path answers as its handler says (status, or hang);
 * every request is recorded with its raw body, as a receiver must verify it.
 */
class Receiver {
  readonly requests: Received[] = [];
  private readonly handlers = new Map<string, (count: number, response: ServerResponse) => void>();
  private readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      this.requests.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const handler = this.handlers.get(path) ?? ((_count, answer) => answer.writeHead(200).end());
      handler(this.at(path).length, response);
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  on(path: string, handler: (count: number, response: ServerResponse) => void): void {
    this.handlers.set(path, handler);
  }

  at(path: string): Received[] {
    return this.requests.filter((request) => request.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

interface Created {
  webhook: { id: string; url: string; events: string[]; disabled: boolean; failures: number };
  secret: string;
}

async function createWebhook(api: ApiUnderTest, input: Record<string, unknown>) {
  return graphql<{ createWebhook: Created }>(
    api,
    'mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id url events disabled failures } secret } }',
    { ...admin, variables: { input } },
  );
}

async function deliveries(api: ApiUnderTest, webhook: string) {
  const answer = await graphql<{
    webhookDeliveries: {
      nodes: {
        id: string;
        eventId: string;
        event: string;
        attempt: number;
        status: number | null;
        durationMs: number | null;
        error: string | null;
      }[];
    };
  }>(
    api,
    'query ($id: ID!) { webhookDeliveries(webhook: $id) { nodes { id eventId event attempt status durationMs error } } }',
    {
      ...admin,
      variables: { id: webhook },
    },
  );
  expect(answer.errors).toBeUndefined();
  return answer.data!.webhookDeliveries.nodes;
}

async function webhookState(api: ApiUnderTest, id: string) {
  const answer = await graphql<{
    webhooks: { id: string; disabled: boolean; failures: number; lastDelivery: { status: number } | null }[];
  }>(api, '{ webhooks { id disabled failures lastDelivery { status } } }', admin);
  return answer.data!.webhooks.find((webhook) => webhook.id === id)!;
}

/** A new tag on the environment's daemon: an `image.tag` event of the api's host. */
async function tagEvent(name: string): Promise<string> {
  const ref = `${NS}/${name}:${randomBytes(3).toString('hex')}`;
  await runDocker(env, ['tag', env.fixtures.images.base.ref, ref]);
  return ref;
}

describe('webhooks: signed CloudEvents to a real receiver', () => {
  const prefix = `stevedore-test-${randomBytes(4).toString('hex')}`;
  const receiver = new Receiver();
  let api: ApiUnderTest;

  beforeAll(async () => {
    await receiver.start();
    api = await startApi(env, {
      FLEET_KEY_PREFIX: prefix,
      WEBHOOK_ALLOWED_TARGETS: '127.0.0.1',
      WEBHOOK_TIMEOUT_SECONDS: '2',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_DISABLE_AFTER_FAILURES: '2',
      FLEET_HEARTBEAT_SECONDS: '1',
      FLEET_OFFLINE_SECONDS: '3',
    });
  });

  afterAll(async () => {
    await api?.close();
    await receiver.stop();
    const tags = (
      await runDocker(env, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', `${NS}/*`])
    ).stdout
      .split('\n')
      .filter(Boolean);
    if (tags.length) await runDocker(env, ['image', 'rm', ...tags]).catch(() => undefined);
    const redis = new Redis(env.redis.url);
    const left = await redis.keys(`${prefix}:*`);
    if (left.length) await redis.del(...left);
    redis.disconnect();
  });

  it('delivers a signed CloudEvent that verifies with the secret shown once, and not once changed', async () => {
    const created = await createWebhook(api, {
      url: receiver.url('/ok'),
      events: ['image.tag'],
      reference: `${NS}/signed*`,
    });
    expect(created.errors).toBeUndefined();
    const { webhook, secret } = created.data!.createWebhook;
    expect(secret).toMatch(/^whsec_/);
    const listed = await graphql<{ webhooks: Record<string, unknown>[] }>(
      api,
      '{ webhooks { id url events } }',
      admin,
    );
    expect(JSON.stringify(listed.data)).not.toContain(secret);

    const ref = await tagEvent('signed');
    await tagEvent('other-not-matching');
    await eventually(async () => expect(receiver.at('/ok')).toHaveLength(1), 10_000);
    const [request] = receiver.at('/ok');
    expect(request!.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(checkSignature(request!.headers['stevedore-signature'] as string, secret, request!.body)).toBe(
      'valid',
    );
    expect(
      checkSignature(
        request!.headers['stevedore-signature'] as string,
        secret,
        request!.body.replace('tag', 'tog'),
      ),
    ).toBe('mismatch');
    const event = JSON.parse(request!.body) as Record<string, any>;
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'dev.stevedore.image.tag',
      datacontenttype: 'application/json',
    });
    expect(event.data).toMatchObject({ action: 'tag', reference: ref });
    expect(request!.headers['stevedore-event-id']).toBe(event.id);
    const history = await deliveries(api, webhook.id);
    expect(history[0]).toMatchObject({ eventId: event.id, event: 'image.tag', attempt: 1, status: 200 });
  });

  it('tries again after a 503 (its Retry-After) and delivers on the 200, the same event each time', async () => {
    receiver.on('/flaky', (count, response) =>
      count === 1 ? response.writeHead(503, { 'retry-after': '1' }).end() : response.writeHead(200).end(),
    );
    const { webhook } = (
      await createWebhook(api, {
        url: receiver.url('/flaky'),
        events: ['image.tag'],
        reference: `${NS}/flaky*`,
      })
    ).data!.createWebhook;
    await tagEvent('flaky');
    await eventually(async () => expect(receiver.at('/flaky')).toHaveLength(2), 15_000);
    const [first, second] = receiver.at('/flaky');
    expect(first!.headers['stevedore-event-id']).toBe(second!.headers['stevedore-event-id']);
    await eventually(async () => {
      const history = await deliveries(api, webhook.id);
      expect(history.map((attempt) => [attempt.attempt, attempt.status])).toEqual([
        [2, 200],
        [1, 503],
      ]);
    }, 5_000);
    expect(await webhookState(api, webhook.id)).toMatchObject({ failures: 0, disabled: false });
  });

  it('does not try a 404 again, and counts it a failure', async () => {
    receiver.on('/gone', (_count, response) => response.writeHead(404).end());
    const { webhook } = (
      await createWebhook(api, {
        url: receiver.url('/gone'),
        events: ['image.tag'],
        reference: `${NS}/gone*`,
      })
    ).data!.createWebhook;
    await tagEvent('gone');
    await eventually(
      async () => expect(await webhookState(api, webhook.id)).toMatchObject({ failures: 1 }),
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(receiver.at('/gone')).toHaveLength(1);
    expect((await deliveries(api, webhook.id))[0]).toMatchObject({ attempt: 1, status: 404 });
  });

  it('cuts a receiver that hangs at the timeout', async () => {
    receiver.on('/hang', () => undefined);
    const { webhook } = (
      await createWebhook(api, {
        url: receiver.url('/hang'),
        events: ['image.tag'],
        reference: `${NS}/hang*`,
      })
    ).data!.createWebhook;
    await tagEvent('hang');
    await eventually(
      async () => expect((await deliveries(api, webhook.id)).length).toBeGreaterThan(0),
      10_000,
    );
    const [attempt] = await deliveries(api, webhook.id);
    expect(attempt).toMatchObject({ attempt: 1, status: null, error: 'no answer within 2000 ms' });
    expect(attempt!.durationMs).toBeGreaterThanOrEqual(1_900);
    expect(attempt!.durationMs).toBeLessThan(4_000);
    await graphql(api, `mutation { deleteWebhook(id: "${webhook.id}") }`, admin);
  });

  it('disables a subscription that keeps failing, and then sends it nothing', async () => {
    receiver.on('/broken', (_count, response) => response.writeHead(410).end());
    const { webhook } = (
      await createWebhook(api, {
        url: receiver.url('/broken'),
        events: ['image.tag'],
        reference: `${NS}/broken*`,
      })
    ).data!.createWebhook;
    await tagEvent('broken');
    await eventually(async () => expect(receiver.at('/broken')).toHaveLength(1), 10_000);
    await tagEvent('broken');
    await eventually(
      async () => expect(await webhookState(api, webhook.id)).toMatchObject({ failures: 2, disabled: true }),
      10_000,
    );
    await tagEvent('broken');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(receiver.at('/broken')).toHaveLength(2);
    const [last] = await deliveries(api, webhook.id);
    const again = await graphql(api, 'mutation ($id: ID!) { redeliverWebhook(delivery: $id) { id } }', {
      ...admin,
      variables: { id: last!.id },
    });
    expect(again.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(again.errors?.[0]?.message).toMatch(/disabled/);
  });

  it('tells a job that failed, and redelivers a delivery on request', async () => {
    // A tag the registry does not have: a real pull that fails, and changes nothing other files see.
    const ref = `${env.fixtures.images.appB.registries.open.repository}:webhooks-${process.pid}`;
    const { webhook } = (await createWebhook(api, { url: receiver.url('/jobs'), events: ['job.failed'] }))
      .data!.createWebhook;
    const queued = await pullImage(api, { ref });
    const job = await settled(api, queued.job!.id);
    expect(job.state).toBe('FAILED');
    await eventually(async () => expect(receiver.at('/jobs').length).toBeGreaterThan(0), 10_000);
    const event = JSON.parse(receiver.at('/jobs')[0]!.body) as Record<string, any>;
    expect(event).toMatchObject({
      type: 'dev.stevedore.job.failed',
      data: { job: { id: job.id, kind: 'PULL', state: 'FAILED', error: { code: 'MANIFEST_UNKNOWN' } } },
    });

    const [delivered] = await deliveries(api, webhook.id);
    const again = await graphql<{ redeliverWebhook: { id: string; eventId: string; attempt: number } }>(
      api,
      'mutation ($id: ID!) { redeliverWebhook(delivery: $id) { id eventId attempt } }',
      { ...admin, variables: { id: delivered!.id } },
    );
    expect(again.errors).toBeUndefined();
    expect(again.data!.redeliverWebhook).toMatchObject({ eventId: event.id, attempt: 0 });
    await eventually(async () => expect(receiver.at('/jobs')).toHaveLength(2), 10_000);
    expect(receiver.at('/jobs')[1]!.body).toBe(receiver.at('/jobs')[0]!.body);
    await graphql(api, `mutation { deleteWebhook(id: "${webhook.id}") }`, admin);
  });

  it('tells a host that went offline and came back, once each', async () => {
    const directory = new RedisHostDirectory(env.redis.url, new FleetKeys(prefix));
    const name = 'webhooks-sim-1';
    const beat = () => directory.heartbeat(name, { engineReachable: true, at: new Date() });
    try {
      const { webhook } = (
        await createWebhook(api, {
          url: receiver.url('/hosts'),
          events: ['host.offline', 'host.online'],
          host: name,
        })
      ).data!.createWebhook;
      const registration = { name, labels: {}, engine: null, agentVersion: '0.1.0' };
      await directory.register(registration, { engineReachable: true, at: new Date() });
      const beating = setInterval(() => void beat(), 500);
      await eventually(async () => {
        const hosts = await graphql<{ host: { status: string } | null }>(
          api,
          `{ host(name: "${name}") { status } }`,
        );
        expect(hosts.data?.host?.status).toBe('ONLINE');
      }, 10_000);
      clearInterval(beating);
      await eventually(async () => expect(receiver.at('/hosts')).toHaveLength(1), 15_000);
      await beat();
      await eventually(async () => expect(receiver.at('/hosts')).toHaveLength(2), 10_000);
      const types = receiver
        .at('/hosts')
        .map((request) => (JSON.parse(request.body) as { type: string }).type);
      expect(types).toEqual(['dev.stevedore.host.offline', 'dev.stevedore.host.online']);
      await graphql(api, `mutation { deleteWebhook(id: "${webhook.id}") }`, admin);
    } finally {
      await directory.close();
    }
  });

  it('serves the same over REST', async () => {
    const headers = { authorization: `Bearer ${TEST_TOKENS.admin}`, 'content-type': 'application/json' };
    const made = await fetch(`${api.url}/api/v1/webhooks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: receiver.url('/rest'), events: ['job.failed'] }),
    });
    expect(made.status).toBe(201);
    const { webhook, secret } = (await made.json()) as Created;
    expect(secret).toMatch(/^whsec_/);
    const listed = (await (await fetch(`${api.url}/api/v1/webhooks`, { headers })).json()) as {
      id: string;
    }[];
    expect(listed.map((each) => each.id)).toContain(webhook.id);
    expect(JSON.stringify(listed)).not.toContain('sealed');
    const history = await fetch(`${api.url}/api/v1/webhooks/${webhook.id}/deliveries`, { headers });
    expect(await history.json()).toMatchObject({ nodes: [], pageInfo: { hasNextPage: false } });
    const refused = await fetch(`${api.url}/api/v1/webhooks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: 'http://169.254.169.254/', events: ['job.failed'] }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 'BAD_USER_INPUT' });
    const removed = await fetch(`${api.url}/api/v1/webhooks/${webhook.id}`, {
      method: 'DELETE',
      headers: { authorization: headers.authorization },
    });
    expect(await removed.json()).toBe(true);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.2:3000/api/v1/audit',
    'http://[::1]/',
    'ftp://127.0.0.1/',
  ])('refuses %s as a webhook URL (BAD_USER_INPUT)', async (url) => {
    const answer = await createWebhook(api, { url, events: ['job.failed'] });
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('keeps credentials written in a URL out of the answer and the audit trail', async () => {
    const answer = await createWebhook(api, {
      url: 'https://someone:url-pw-Qz71@203.0.113.9/hook',
      events: ['job.failed'],
    });
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(answer)).not.toContain('url-pw-Qz71');
    const audit = await graphql<{ auditLog: { nodes: { operation: string; arguments: unknown }[] } }>(
      api,
      '{ auditLog(first: 20) { nodes { operation arguments } } }',
      admin,
    );
    const entries = audit.data!.auditLog.nodes.filter((node) => node.operation === 'createWebhook');
    expect(entries.length).toBeGreaterThan(0);
    expect(JSON.stringify(entries)).not.toContain('url-pw-Qz71');
  });

  it('is an admin’s: a write token may not list or make webhooks', async () => {
    const listed = await graphql(api, '{ webhooks { id } }', { token: TEST_TOKENS.write });
    expect(listed.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('webhook deliveries survive a SIGKILL of the process sending them', () => {
  const prefix = `stevedore-test-${randomBytes(4).toString('hex')}`;
  const receiver = new Receiver();
  const key = randomBytes(32).toString('hex');
  const vars = () =>
    serviceEnv(env, {
      STEVEDORE_STATE_DIR: mkdtempSync(join(env.tmpDir, 'webhooks-')),
      STEVEDORE_CREDENTIALS_KEY: key,
      FLEET_KEY_PREFIX: prefix,
      WEBHOOK_ALLOWED_TARGETS: '127.0.0.1',
      WEBHOOK_TIMEOUT_SECONDS: '20',
      JOB_LOCK_SECONDS: '2',
      WORKER_EMBEDDED: 'false',
      AGENT_EMBEDDED: 'false',
    });

  beforeAll(async () => {
    ensureBuilt();
    await receiver.start();
  });

  afterAll(async () => {
    await killAllServices();
    await receiver.stop();
    const redis = new Redis(env.redis.url);
    const left = await redis.keys(`${prefix}:*`);
    if (left.length) await redis.del(...left);
    redis.disconnect();
  });

  it('delivers at least once, with the same event id, after the first sender was killed mid-delivery', async () => {
    // The first request is held until its sender is gone; later ones are answered.
    const held: ServerResponse[] = [];
    receiver.on('/slow', (count, response) =>
      count === 1 ? held.push(response) : response.writeHead(200).end(),
    );
    const first = await startApiProcess(vars());
    const created = await createWebhook(first.api, {
      url: receiver.url('/slow'),
      events: ['image.tag'],
      reference: `${NS}/killed*`,
    });
    expect(created.errors).toBeUndefined();
    await tagEvent('killed');
    await eventually(async () => expect(receiver.at('/slow')).toHaveLength(1), 10_000);
    first.process.child.kill('SIGKILL');
    await first.process.exited();

    const second = await startApiProcess(vars());
    await eventually(async () => expect(receiver.at('/slow')).toHaveLength(2), 20_000);
    const [before, after] = receiver.at('/slow');
    expect(after!.headers['stevedore-event-id']).toBe(before!.headers['stevedore-event-id']);
    expect(after!.body).toBe(before!.body);
    await eventually(async () => {
      const [attempt] = await deliveries(second.api, created.data!.createWebhook.webhook.id);
      expect(attempt).toMatchObject({ status: 200 });
    }, 5_000);
    for (const response of held) response.destroy();
    await second.process.stop();
  }, 60_000);
});
