import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '#libs/config';
import type { DockerEngine, PullRequest, PushRequest } from '#libs/docker';
import { JobFailure, type PullJobPayload, type PushJobPayload } from '#libs/jobs';
import { CredentialSealer, generateSealingKey } from '#libs/registry-auth';
import type { JobContext } from '../job-handler.js';
import { PullJobHandler } from './pull-job.handler.js';
import { PushJobHandler } from './push-job.handler.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
/** The X-Registry-Auth header back to its JSON (base64url, padded). */
const authOf = (header: string) => JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));

const context: JobContext = {
  jobId: 'job-1',
  signal: new AbortController().signal,
  attempt: 1,
  reportProgress: () => undefined,
  flushProgress: async () => undefined,
};

/** A daemon that records what it was asked and answers as a successful push or pull would. */
function recordingEngine() {
  const pushes: PushRequest[] = [];
  const pulls: PullRequest[] = [];
  const engine = {
    async pushImage(request: PushRequest) {
      pushes.push(request);
      return (async function* () {
        yield JSON.stringify({ status: `${request.tag}: digest: sha256:${'a'.repeat(64)} size: 528` });
      })();
    },
    async pullImage(request: PullRequest) {
      pulls.push(request);
      return (async function* () {
        yield JSON.stringify({ status: `Status: Downloaded newer image for ${request.name}` });
      })();
    },
    async inspectImage() {
      return { id: `sha256:${'b'.repeat(64)}` };
    },
  } as unknown as DockerEngine;
  return { engine, pushes, pulls };
}

describe('credentials of pull and push jobs', () => {
  let dockerConfigDir: string;
  const sealer = CredentialSealer.fromText(generateSealingKey());

  beforeEach(() => {
    dockerConfigDir = mkdtempSync(join(tmpdir(), 'stevedore-push-auth-'));
    writeFileSync(
      join(dockerConfigDir, 'config.json'),
      JSON.stringify({
        auths: {
          '127.0.0.1:5000': { auth: b64('local-user:local-pass') },
          'evil.example': { auth: b64('evil-user:evil-pass') },
        },
      }),
    );
  });
  afterEach(() => rmSync(dockerConfigDir, { recursive: true, force: true }));

  const config = () => loadConfig({ DOCKER_CONFIG: dockerConfigDir });

  it("pushes with the config.json credentials of the reference's registry, whatever else the payload says", async () => {
    const { engine, pushes } = recordingEngine();
    const payload = {
      ref: '127.0.0.1:5000/acme/app:1',
      tags: ['127.0.0.1:5000/acme/app:1'],
      // A payload of an older api, or one written into Redis by someone else: not to be trusted.
      registry: 'evil.example',
      sealedCredentials: null,
      requestedBy: 'write:x',
    } as PushJobPayload;
    await new PushJobHandler(engine, sealer, config()).run(payload, context);
    expect(pushes).toHaveLength(1);
    expect(authOf(pushes[0]!.registryAuth)).toEqual({
      username: 'local-user',
      password: 'local-pass',
      serveraddress: '127.0.0.1:5000',
    });
  });

  it("pulls with the config.json credentials of the reference's registry", async () => {
    const { engine, pulls } = recordingEngine();
    const payload = {
      ref: '127.0.0.1:5000/acme/app:1',
      platform: null,
      registry: 'evil.example',
      sealedCredentials: null,
      requestedBy: 'write:x',
    } as PullJobPayload;
    await new PullJobHandler(engine, sealer, config()).run(payload, context);
    expect(authOf(pulls[0]!.registryAuth)).toMatchObject({
      username: 'local-user',
      serveraddress: '127.0.0.1:5000',
    });
  });

  it("refuses a push whose tags leave the reference's repository, before calling the daemon", async () => {
    const { engine, pushes } = recordingEngine();
    const payload = {
      ref: '127.0.0.1:5000/acme/app',
      tags: ['127.0.0.1:5000/acme/app:1', 'evil.example/acme/app:1'],
      sealedCredentials: sealer.seal(
        { username: 'alice', password: 'sealed-pass' },
        { associatedData: '127.0.0.1:5000/acme/app' },
      ),
      requestedBy: 'write:x',
    } as PushJobPayload;
    const failure = await new PushJobHandler(engine, sealer, config()).run(payload, context).catch((e) => e);
    expect(failure).toBeInstanceOf(JobFailure);
    expect(failure).toMatchObject({ code: 'BAD_USER_INPUT', retryable: false });
    expect(pushes).toEqual([]);
  });
});
