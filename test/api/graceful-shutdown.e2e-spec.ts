import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { readTestEnvironment } from '../environment/index.js';
import { TEST_TOKENS } from '../support/api-under-test.js';
import { ensureBuilt, killAllServices, serviceEnv, startApiProcess } from '../support/processes.js';

const env = readTestEnvironment();

/** Starts an export of the large fixture and reads its first chunk, leaving the rest in flight. */
async function startSlowExport(url: string) {
  const response = await fetch(
    `${url}/api/v1/images/${encodeURIComponent(env.fixtures.images.large.ref)}/export`,
    {
      headers: { authorization: `Bearer ${TEST_TOKENS.write}` },
    },
  );
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const first = await reader.read();
  return {
    firstBytes: first.value?.byteLength ?? 0,
    /** Reads to the end: the total byte count, or the error that cut it. */
    async rest(): Promise<number | Error> {
      let total = first.value?.byteLength ?? 0;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return total;
          total += value.byteLength;
        }
      } catch (error) {
        return error as Error;
      }
    },
  };
}

function watchSocketClose(url: string): { connected: Promise<void>; closeCode: Promise<number> } {
  let connected!: () => void;
  let closed!: (code: number) => void;
  const result = {
    connected: new Promise<void>((resolve) => (connected = resolve)),
    closeCode: new Promise<number>((resolve) => (closed = resolve)),
  };
  const client = createClient({
    url: `${url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${TEST_TOKENS.read}` },
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    on: { connected: () => connected(), closed: (event) => closed((event as { code: number }).code) },
  });
  client.subscribe(
    { query: 'subscription { imageEvents { action } }' },
    { next: () => undefined, error: () => undefined, complete: () => undefined },
  );
  return result;
}

describe('graceful shutdown of the api', () => {
  beforeAll(() => ensureBuilt(), 300_000);
  afterAll(() => killAllServices());

  const vars = (graceSeconds: number) =>
    serviceEnv(env, {
      STEVEDORE_STATE_DIR: mkdtempSync(join(env.tmpDir, 'shutdown-')),
      WORKER_EMBEDDED: 'false',
      SHUTDOWN_GRACE_SECONDS: String(graceSeconds),
    });

  it('on SIGTERM stops accepting, closes graphql-ws as going away, finishes the request in flight and exits 0', async () => {
    const { api, process: service } = await startApiProcess(vars(30));
    const socket = watchSocketClose(api.url);
    await socket.connected;
    const download = await startSlowExport(api.url);
    expect(download.firstBytes).toBeGreaterThan(0);

    service.child.kill('SIGTERM');
    expect(await socket.closeCode).toBe(1001);
    await service.waitFor(/"message":"draining"/, 10_000);
    const refused = await fetch(`${api.url}/health/live`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(refused).toBe('refused');
    await sleep(500);
    expect(service.running).toBe(true);

    const total = await download.rest();
    expect(total).toBeGreaterThanOrEqual(env.fixtures.images.large.size);
    expect(await service.exited()).toBe(0);
    expect(service.output()).toMatch(/"message":"stopped"/);
  }, 120_000);

  it('cuts what is still open when the grace period is over, and still exits 0', async () => {
    const { api, process: service } = await startApiProcess(vars(1));
    const download = await startSlowExport(api.url);
    const signalled = Date.now();
    service.child.kill('SIGTERM');
    // Never read on: the export cannot finish on its own.
    expect(await service.exited()).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(service.output()).toMatch(/grace period over/);
    // Cut short: an error (undici's "terminated"), not a byte count.
    expect(typeof (await download.rest())).not.toBe('number');
  }, 60_000);
});
