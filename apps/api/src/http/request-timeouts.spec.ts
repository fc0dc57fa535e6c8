import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '#libs/config';
import { DEFAULT_REQUEST_TIMEOUT_MS, isImportRequest, useRequestTimeouts } from './request-timeouts.js';

type Middleware = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;

/**
 * A real HTTP server with the middleware in front of a handler that reads the whole body and
 * answers its length (as the import and the JSON body parser do), or answers slowly without
 * reading anything. Node checks its own request timeout every 50 ms here (30 s by default).
 */
async function serverWith(
  importTimeoutMs: number,
  otherRoutesMs: number,
  lingerMs?: number,
): Promise<{ server: Server; port: number }> {
  const middlewares: Middleware[] = [];
  const server = createServer(
    { connectionsCheckingInterval: 50, headersTimeout: 1_000 },
    (request, response) => {
      const handle = () => {
        if (request.url?.endsWith('?refuse')) {
          // As authentication does: an answer at once, the body never read.
          response.statusCode = 401;
          response.end('refused');
          return;
        }
        if (request.url === '/slow-answer') {
          setTimeout(() => response.end('late'), 1_000);
          return;
        }
        let bytes = 0;
        request.on('data', (chunk: Buffer) => (bytes += chunk.length));
        request.on('end', () => response.end(`read ${bytes}`));
      };
      let index = 0;
      const next = () =>
        index < middlewares.length ? middlewares[index++]!(request, response, next) : handle();
      next();
    },
  );
  const config = loadConfig({});
  useRequestTimeouts(
    { getHttpServer: () => server, use: (middleware) => middlewares.push(middleware) },
    { jobs: { ...config.jobs, importTimeoutMs } },
    { otherRoutesMs, lingerMs },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Sends a request whose body trickles in over `bodyMs`; answers what came back and when the connection closed. */
async function trickle(
  port: number,
  head: string,
  bodyMs: number,
): Promise<{ answer: string; closedAfterMs: number }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const started = Date.now();
  let answer = '';
  socket.on('data', (chunk) => (answer += chunk.toString()));
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  socket.on('error', () => undefined);
  const pieces = Math.max(1, Math.round(bodyMs / 100));
  socket.write(`${head}\r\nHost: x\r\nContent-Length: ${pieces}\r\nConnection: close\r\n\r\n`);
  for (let i = 0; i < pieces && !socket.destroyed; i++) {
    await sleep(100);
    if (!socket.destroyed) socket.write('x');
  }
  const closedAfterMs = await closed;
  return { answer, closedAfterMs };
}

describe('request timeouts', () => {
  let server: Server | undefined;
  afterEach(() => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined))));

  it("raises the server's bound to IMPORT_TIMEOUT_SECONDS and keeps Node's 300 s for other routes", () => {
    const config = loadConfig({ IMPORT_TIMEOUT_SECONDS: '7200' });
    const http = createServer();
    const used: Middleware[] = [];
    useRequestTimeouts({ getHttpServer: () => http, use: (middleware) => used.push(middleware) }, config);
    expect(http.requestTimeout).toBe(7_200_000);
    expect(http.headersTimeout).toBeLessThanOrEqual(http.requestTimeout);
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(300_000);
    expect(used).toHaveLength(1);
  });

  it('knows the import route as Express routes it: POST, any case, an optional final slash, a query', () => {
    for (const url of ['/api/v1/images/import', '/API/v1/Images/IMPORT/', '/api/v1/images/import?x=1']) {
      expect(isImportRequest({ method: 'POST', url })).toBe(true);
    }
    for (const [method, url] of [
      ['GET', '/api/v1/images/import'],
      ['POST', '/api/v1/images/pull'],
      ['POST', '/api/v1/images/import/extra'],
      ['POST', '/api/v1/images/%69mport'],
      ['POST', '/graphql'],
    ] as const) {
      expect(isImportRequest({ method, url })).toBe(false);
    }
  });

  it('cuts a body that is slower than the bound of other routes, on any other route', async () => {
    let port: number;
    ({ server, port } = await serverWith(3_000, 500));
    const cut = await trickle(port, 'POST /api/v1/images/pull HTTP/1.1', 2_500);
    expect(cut.answer).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(cut.closedAfterMs).toBeGreaterThanOrEqual(450);
    expect(cut.closedAfterMs).toBeLessThan(1_800);
  });

  it('lets an import body take longer, up to its own bound, which Node then enforces', async () => {
    let port: number;
    ({ server, port } = await serverWith(3_000, 500));
    const slowButInTime = await trickle(port, 'POST /api/v1/images/import HTTP/1.1', 1_500);
    expect(slowButInTime.answer).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*read 15$/);
    const tooSlow = await trickle(port, 'POST /api/v1/images/import HTTP/1.1', 6_000);
    expect(tooSlow.answer).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(tooSlow.closedAfterMs).toBeGreaterThanOrEqual(2_900);
    expect(tooSlow.closedAfterMs).toBeLessThan(5_000);
  });

  it('closes a connection that goes on sending the body of a refused import, instead of waiting out its bound', async () => {
    let port: number;
    ({ server, port } = await serverWith(30_000, 500, 300));
    const refused = await trickle(port, 'POST /api/v1/images/import?refuse HTTP/1.1', 10_000);
    expect(refused.answer).toMatch(/^HTTP\/1\.1 401 Unauthorized[\s\S]*refused$/);
    expect(refused.closedAfterMs).toBeLessThan(2_000);
  });

  it('never cuts a complete request whose answer takes long', async () => {
    let port: number;
    ({ server, port } = await serverWith(3_000, 500));
    const answer = await trickle(port, 'GET /slow-answer HTTP/1.1', 0);
    expect(answer.answer).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*late$/);
  });
});
