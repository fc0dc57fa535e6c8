import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { runCommand } from '../environment/command.js';
import { launchDockerDaemon, planDockerDaemon, stopManagedDaemon } from '../environment/docker-daemon.js';
import { findExecutable } from '../environment/executables.js';
import { readTestEnvironment } from '../environment/index.js';
import type { ManagedDockerDaemon } from '../environment/types.js';
import { graphql, rest, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { subscribe } from '../support/graphql-subscription.js';
import { JOB_FIELDS, pullImage, pushImage, settled, type JobNode } from '../support/jobs.js';
import {
  AGENT_SCRIPT,
  ensureBuilt,
  serviceEnv,
  spawnService,
  startApiProcess,
  type ServiceProcess,
} from '../support/processes.js';

/**
 * Fan-outs over three real hosts: three isolated dockerds, each with its own agent process, and
 * two api processes (one in this process, one built and spawned). Everything lives under a key
 * prefix of this suite's own.
 */
const env = readTestEnvironment();
const EDGES = ['edge-a', 'edge-b', 'edge-c'] as const;
const EDGE_SELECTOR = { labels: ['role=edge'] };

interface ParentNode extends JobNode {
  host: string | null;
  children: (JobNode & { host: string })[];
}

const PARENT_FIELDS = `${JOB_FIELDS} host children { ${JOB_FIELDS} host }`;

describe('fan-out jobs over three real hosts', () => {
  const prefix = `stevedore-test-${randomBytes(4).toString('hex')}`;
  const tmp = mkdtempSync('/tmp/sv-fan-');
  const daemons = new Map<string, ManagedDockerDaemon>(
    EDGES.map((name) => [name, planDockerDaemon(join(tmp, name), [])]),
  );
  const agents = new Map<string, ServiceProcess>();
  let api: ApiUnderTest;
  let other: { api: ApiUnderTest; process: ServiceProcess };

  const docker = (host: string, args: string[]) =>
    runCommand(findExecutable(['docker'], 'install docker.io'), args, {
      env: { ...process.env, DOCKER_HOST: daemons.get(host)!.host, DOCKER_CONFIG: join(tmp, 'cli') },
    });
  const imageIdOn = async (host: string, ref: string) =>
    (
      await docker(host, ['image', 'inspect', '--format', '{{.Id}}', ref]).catch(() => ({ stdout: '' }))
    ).stdout.trim();

  const fleetVars = {
    FLEET_KEY_PREFIX: prefix,
    FLEET_HEARTBEAT_SECONDS: '1',
    FLEET_OFFLINE_SECONDS: '3',
    JOB_LOCK_SECONDS: '2',
  };

  const startAgent = (host: string) => {
    const agent = spawnService(AGENT_SCRIPT, {
      ...fleetVars,
      DOCKER_HOST: daemons.get(host)!.host,
      REDIS_URL: env.redis.url,
      STEVEDORE_HOST_NAME: host,
      STEVEDORE_HOST_LABELS: 'role=edge',
      // A daemon that is down fails the pull at once: the per-host failure below.
      JOB_ATTEMPTS: '1',
      LOG_FORMAT: 'json',
    });
    agents.set(host, agent);
    return agent;
  };

  /** Another api process, holding no Docker socket: it reaches every host through its agent. */
  const apiProcessVars = (stateDir: string) => {
    const { DOCKER_HOST: _none, ...vars } = serviceEnv(env, {
      ...fleetVars,
      STEVEDORE_STATE_DIR: stateDir,
      API_DOCKER: 'false',
      LOG_FORMAT: 'json',
    });
    return vars;
  };

  /** Once an api process has read every edge host. */
  const seesEveryEdge = (target: ApiUnderTest) =>
    eventually(async () => {
      const answer = await graphql<{ hosts: { name: string }[] }>(
        target,
        '{ hosts(filter: { labels: ["role=edge"] }) { name } }',
      );
      expect(answer.data?.hosts.map((host) => host.name)).toEqual([...EDGES]);
    }, 30_000);

  const parent = async (target: ApiUnderTest, id: string): Promise<ParentNode> => {
    const answer = await graphql<{ job: ParentNode }>(
      target,
      `query($id: ID!) { job(id: $id) { ${PARENT_FIELDS} } }`,
      {
        variables: { id },
      },
    );
    expect(answer.errors).toBeUndefined();
    return answer.data!.job;
  };

  const removeEverywhere = async (ref: string) => {
    for (const host of EDGES) await docker(host, ['image', 'rm', '--force', ref]).catch(() => undefined);
  };

  beforeAll(async () => {
    ensureBuilt();
    await Promise.all([...daemons.values()].map((daemon) => launchDockerDaemon(daemon)));
    await Promise.all(EDGES.map((host) => startAgent(host).waitFor(/host registered/)));
    const stateDir = mkdtempSync(join(tmp, 'state-'));
    api = await startApi(env, {
      ...fleetVars,
      STEVEDORE_HOST_NAME: 'api-own',
      STEVEDORE_STATE_DIR: stateDir,
      // The api processes below run the parents, so a test can kill the one running a parent.
      FAN_OUT_COORDINATOR: 'false',
    });
    other = await startApiProcess(apiProcessVars(stateDir));
    await seesEveryEdge(api);
    await seesEveryEdge(other.api);
  }, 240_000);

  afterAll(async () => {
    await other?.process.stop();
    await api?.close();
    await Promise.all([...agents.values()].map((agent) => agent.stop()));
    await Promise.all(
      [...daemons.values()].map((daemon) => stopManagedDaemon(daemon).catch(() => undefined)),
    );
    rmSync(tmp, { recursive: true, force: true });
    const redis = new Redis(env.redis.url);
    const left = await redis.keys(`${prefix}:*`);
    if (left.length > 0) await redis.del(...left);
    redis.disconnect();
  });

  it('pulls over every selected host as one parent job, with a child per host and each host’s progress', async () => {
    const { appB } = env.fixtures.images;
    const ref = appB.registries.open.ref;
    // One host's jobs only, from another api process.
    const edgeOnly = subscribe<{ jobUpdates: { id: string; host: string | null } }>(
      other.api,
      `subscription { jobUpdates(host: "${EDGES[0]}") { id host } }`,
    );
    await edgeOnly.ready;
    const queued = await pullImage(api, { ref, hosts: EDGE_SELECTOR });
    expect(queued.errors).toBeUndefined();
    const id = queued.job!.id;
    expect(id).toMatch(/^fanout-/);
    // Followed from the other api process: the parent's progress, then its end.
    const following = subscribe(
      other.api,
      `subscription { jobProgress(id: "${id}") { id state progress { percent message } } }`,
    );
    try {
      const done = await settled(api, id, 120_000);
      expect(done).toMatchObject({ state: 'COMPLETED', imageId: appB.id });
      expect(done.progress.percent).toBe(100);
      const job = await parent(other.api, id);
      expect(job.host).toBeNull();
      expect(job.children.map((child) => [child.host, child.state, child.imageId])).toEqual(
        EDGES.map((host) => [host, 'COMPLETED', appB.id]),
      );
      // Each host's own progress: its layers, pulled by its own daemon.
      for (const child of job.children) {
        expect(child.progress.layers.length).toBeGreaterThan(0);
        expect(child.progress.totalBytes).toBeGreaterThan(0);
      }
      for (const host of EDGES) expect(await imageIdOn(host, ref)).toBe(appB.id);
      await eventually(async () => {
        const seen = following.received as {
          jobProgress: { state: string; progress: { message: string } };
        }[];
        expect(seen.at(-1)?.jobProgress.state).toBe('COMPLETED');
        expect(seen.map((event) => event.jobProgress.progress.message)).toContain(
          '3 of 3 hosts done; 0 running',
        );
      }, 10_000);
      await eventually(async () => {
        expect(edgeOnly.received.length).toBeGreaterThan(0);
        expect(new Set(edgeOnly.received.map(({ jobUpdates }) => jobUpdates.host))).toEqual(
          new Set([EDGES[0]]),
        );
      }, 10_000);
      const viaRest = await rest(api, `/api/v1/jobs/${id}`);
      expect(viaRest.body).toMatchObject({
        id,
        state: 'COMPLETED',
        children: job.children.map((child) => child.id),
      });
    } finally {
      await edgeOnly.close();
      await following.close();
      await removeEverywhere(ref);
    }
  });

  it('rolls out maxParallel hosts at a time', async () => {
    const { appA } = env.fixtures.images;
    const ref = appA.registries.open.ref;
    try {
      const queued = await pullImage(api, { ref, hosts: { names: [...EDGES] }, maxParallel: 1 });
      expect(queued.errors).toBeUndefined();
      await settled(api, queued.job!.id, 120_000);
      const { children } = await parent(api, queued.job!.id);
      expect(children.map((child) => child.state)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
      // Each host started only once the one before it had finished.
      for (let index = 1; index < children.length; index++) {
        expect(Date.parse(children[index]!.createdAt)).toBeGreaterThanOrEqual(
          Date.parse(children[index - 1]!.finishedAt!),
        );
      }
    } finally {
      await removeEverywhere(ref);
    }
  });

  it('cancels the running children with the parent, and queues no more', async () => {
    const { large } = env.fixtures.images;
    const ref = large.registries.open.ref;
    try {
      const queued = await pullImage(api, { ref, hosts: EDGE_SELECTOR, maxParallel: 1 });
      const id = queued.job!.id;
      await eventually(async () => expect((await parent(api, id)).children[0]?.state).toBe('ACTIVE'), 30_000);
      // Cancelled through the other api: the parent runs wherever it runs.
      const cancelled = await graphql<{ cancelJob: { state: string } }>(
        other.api,
        `mutation { cancelJob(id: "${id}") { state } }`,
        { token: TEST_TOKENS.write },
      );
      expect(cancelled.errors).toBeUndefined();
      const done = await settled(api, id, 30_000);
      expect(done.state).toBe('CANCELLED');
      await eventually(async () => {
        const { children } = await parent(api, id);
        expect(children.map((child) => [child.host, child.state])).toEqual([[EDGES[0], 'CANCELLED']]);
      }, 15_000);
    } finally {
      await removeEverywhere(ref);
    }
  });

  it('reports each host that failed, and completes the others', async () => {
    const { appB } = env.fixtures.images;
    const ref = appB.registries.open.ref;
    const down = EDGES[1];
    await stopManagedDaemon(daemons.get(down)!);
    try {
      const queued = await pullImage(api, { ref, hosts: EDGE_SELECTOR });
      const done = await settled(api, queued.job!.id, 120_000);
      expect(done.state).toBe('FAILED');
      expect(done.error?.code).toBe('DOCKER_UNAVAILABLE');
      expect(done.error?.message).toBe(
        `1 of 3 hosts did not complete: ${down} (DOCKER_UNAVAILABLE). See the job's children.`,
      );
      const { children } = await parent(api, queued.job!.id);
      expect(children.map((child) => [child.host, child.state, child.error?.code ?? null])).toEqual([
        [EDGES[0], 'COMPLETED', null],
        [down, 'FAILED', 'DOCKER_UNAVAILABLE'],
        [EDGES[2], 'COMPLETED', null],
      ]);
    } finally {
      await launchDockerDaemon(daemons.get(down)!);
      await removeEverywhere(ref);
    }
  });

  it('serves every host from an api process that holds no Docker socket, through their agents', async () => {
    const { appA } = env.fixtures.images;
    // Ready without a daemon of its own to check.
    const ready = await fetch(`${other.api.url}/health/ready`);
    expect(ready.status).toBe(200);
    // The first api's own host is an agent's host too (its embedded agent), like the edges.
    const listed = await graphql<{ hosts: { name: string; status: string }[] }>(
      other.api,
      '{ hosts { name status } }',
    );
    expect(listed.data!.hosts.map((host) => host.name)).toEqual(['api-own', ...EDGES]);
    const unnamed = await graphql(other.api, '{ images { totalCount } }');
    expect(unnamed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const target = `fan-out-nosocket-${randomBytes(3).toString('hex')}:1`;
    try {
      // A change on an edge, asked of the socket-less api: made by that edge's agent, read back at once.
      await docker(EDGES[1], ['pull', appA.registries.open.ref]);
      const tagged = await graphql<{ tagImage: { reference: string } }>(
        other.api,
        `mutation { tagImage(host: "${EDGES[1]}", source: "${appA.registries.open.ref}", target: "${target}") { reference } }`,
        { token: TEST_TOKENS.write },
      );
      expect(tagged.errors).toBeUndefined();
      expect(await imageIdOn(EDGES[1], target)).toBe(appA.id);
      const read = await graphql<{ image: { id: string } | null }>(
        other.api,
        `{ image(ref: "${target}", host: "${EDGES[1]}") { id } }`,
      );
      expect(read.data?.image?.id).toBe(appA.id);
      // What needs a daemon of the api's own says so, with DOCKER_UNAVAILABLE.
      const exported = await rest(other.api, `/api/v1/images/${encodeURIComponent(target)}/export`, {
        token: TEST_TOKENS.admin,
      });
      expect(exported.status).toBe(503);
      expect(exported.body).toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
      expect(exported.body.detail).toMatch(/holds no Docker socket \(API_DOCKER=false\)/);
    } finally {
      await removeEverywhere(appA.registries.open.ref);
      await docker(EDGES[1], ['image', 'rm', target]).catch(() => undefined);
    }
  });

  it('groups the same image across hosts by id (fleetImages), as each host holds it', async () => {
    const { appA, appB } = env.fixtures.images;
    const [first, second, third] = EDGES;
    try {
      await docker(first, ['pull', appA.registries.open.ref]);
      await docker(second, ['pull', appA.registries.open.ref]);
      await docker(third, ['pull', appB.registries.open.ref]);
      const query = `{ fleetImages(filter: { reference: "${appA.registries.open.ref}", hostLabels: ["role=edge"] }) {
        totalCount nodes { id repoTags hostCount hosts { host { name } image { id host } } } } }`;
      const expected = {
        totalCount: 1,
        nodes: [
          {
            id: appA.id,
            repoTags: [appA.registries.open.ref],
            hostCount: 2,
            hosts: [first, second].map((name) => ({ host: { name }, image: { id: appA.id, host: name } })),
          },
        ],
      };
      await eventually(async () => {
        const answer = await graphql<{ fleetImages: unknown }>(other.api, query);
        expect(answer.errors).toBeUndefined();
        expect(answer.data!.fleetImages).toEqual(expected);
      }, 10_000);
      // Every image of the edges, one entry per id, in id order; the REST mirror agrees.
      await eventually(async () => {
        const all = await graphql<{ fleetImages: { nodes: { id: string; hostCount: number }[] } }>(
          api,
          '{ fleetImages(filter: { hostLabels: ["role=edge"] }, first: 1000) { nodes { id hostCount } } }',
        );
        const ids = all.data!.fleetImages.nodes.map((node) => node.id);
        expect(ids).toEqual([...ids].sort());
        expect(all.data!.fleetImages.nodes).toEqual(
          expect.arrayContaining([
            { id: appA.id, hostCount: 2 },
            { id: appB.id, hostCount: 1 },
          ]),
        );
      }, 10_000);
      const viaRest = await rest(
        api,
        `/api/v1/fleet-images?reference=${encodeURIComponent(appA.registries.open.ref)}&hostLabel=role%3Dedge`,
      );
      expect(viaRest.body).toMatchObject({ totalCount: 1, nodes: [{ id: appA.id, hostCount: 2 }] });
    } finally {
      await removeEverywhere(appA.registries.open.ref);
      await removeEverywhere(appB.registries.open.ref);
    }
  });

  it('removes an image over several hosts, reporting what each did and which failed', async () => {
    const { appB } = env.fixtures.images;
    const ref = appB.registries.open.ref;
    const [first, second, lacking] = EDGES;
    try {
      await docker(first, ['pull', ref]);
      await docker(second, ['pull', ref]);
      await eventually(async () => {
        const held = await graphql<{ imageEverywhere: { host: { name: string } }[] }>(
          other.api,
          `{ imageEverywhere(ref: "${ref}") { host { name } } }`,
        );
        expect(held.data!.imageEverywhere.map((found) => found.host.name).sort()).toEqual([first, second]);
      }, 10_000);
      const answer = await graphql<{
        removeImage: {
          untagged: string[];
          deleted: string[];
          job: {
            id: string;
            kind: string;
            state: string;
            error: { code: string; message: string } | null;
            children: { host: string; state: string; error: { code: string } | null }[];
          };
        };
      }>(
        other.api,
        `mutation { removeImage(ref: "${ref}", hosts: { labels: ["role=edge"] }, maxParallel: 2) {
          untagged deleted job { id kind state error { code message } children { host state error { code } } } } }`,
        { token: TEST_TOKENS.write },
      );
      expect(answer.errors).toBeUndefined();
      const { removeImage: report } = answer.data!;
      // Merged over the hosts that held it; the one that did not says so, on its own.
      // The tag, and the digest reference the pull recorded.
      expect(report.untagged).toContain(ref);
      expect(report.deleted).toContain(appB.id);
      expect(report.job).toMatchObject({
        kind: 'REMOVE',
        state: 'FAILED',
        error: { code: 'IMAGE_NOT_FOUND' },
      });
      expect(report.job.error!.message).toMatch(
        new RegExp(`1 of 3 hosts did not complete: ${lacking} \\(IMAGE_NOT_FOUND\\)`),
      );
      expect(report.job.children).toEqual([
        { host: first, state: 'COMPLETED', error: null },
        { host: second, state: 'COMPLETED', error: null },
        { host: lacking, state: 'FAILED', error: { code: 'IMAGE_NOT_FOUND' } },
      ]);
      for (const host of EDGES) expect(await imageIdOn(host, ref)).toBe('');
      // The REST mirror takes the selector as query parameters.
      await docker(first, ['pull', ref]);
      const viaRest = await rest(other.api, `/api/v1/images/${encodeURIComponent(ref)}?hostName=${first}`, {
        method: 'DELETE',
        token: TEST_TOKENS.write,
      });
      expect(viaRest.body).toMatchObject({ job: { kind: 'REMOVE', state: 'COMPLETED' } });
      expect(viaRest.body.untagged).toContain(ref);
      expect(await imageIdOn(first, ref)).toBe('');
    } finally {
      await removeEverywhere(ref);
    }
  });

  it('refuses a fan-out it cannot run before queueing anything', async () => {
    const { appA } = env.fixtures.images;
    const unknown = await pullImage(api, { ref: appA.registries.open.ref, hosts: { names: ['nowhere'] } });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const none = await pullImage(api, { ref: appA.registries.open.ref, hosts: { labels: ['role=none'] } });
    expect(none.errors?.[0]?.message).toMatch(/selects no host/);
    const both = await pullImage(api, {
      ref: appA.registries.open.ref,
      host: EDGES[0],
      hosts: EDGE_SELECTOR,
    });
    expect(both.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // Pushed from each host it names, so each must hold it.
    const push = await pushImage(api, { ref: appA.registries.open.ref, hosts: EDGE_SELECTOR });
    expect(push.errors?.[0]?.extensions?.code).toBe('IMAGE_NOT_FOUND');
    expect(push.errors?.[0]?.message).toMatch(new RegExp(`on host ${EDGES[0]}`));
  });

  it('finishes a parent whose api process was killed, from the other api, running no child twice', async () => {
    const { large } = env.fixtures.images;
    const ref = large.registries.open.ref;
    // Two api processes run parents (this suite's first api runs none): whichever takes this
    // one is killed, and the other takes it over.
    const second = await startApiProcess(apiProcessVars(mkdtempSync(join(tmp, 'state-'))));
    const candidates = [other, second];
    try {
      await seesEveryEdge(second.api);
      const queued = await pullImage(second.api, { ref, hosts: EDGE_SELECTOR, maxParallel: 1 });
      const id = queued.job!.id;
      const running = new RegExp(`fan-out running.*${id}|${id}.*fan-out running`);
      const runner = await eventually(async () => {
        const found = candidates.find((candidate) => running.test(candidate.process.output()));
        if (!found) throw new Error(`no api runs ${id} yet`);
        return found;
      }, 30_000);
      await eventually(async () => expect((await parent(api, id)).children[0]?.state).toBe('ACTIVE'), 30_000);
      runner.process.child.kill('SIGKILL');
      await runner.process.exited();
      const survivor = candidates.find((candidate) => candidate !== runner)!;
      await survivor.process.waitFor(running, 30_000);
      const done = await settled(api, id, 180_000);
      expect(done.state).toBe('COMPLETED');
      // Taken over: a second attempt of the parent, and still one of each child.
      expect(done.attempts).toBe(2);
      const { children } = await parent(api, id);
      expect(children.map((child) => [child.host, child.state, child.attempts])).toEqual(
        EDGES.map((host) => [host, 'COMPLETED', 1]),
      );
      for (const host of EDGES) expect(await imageIdOn(host, ref)).toBe(large.id);
    } finally {
      await second.process.stop();
      await removeEverywhere(ref);
    }
  });
});
