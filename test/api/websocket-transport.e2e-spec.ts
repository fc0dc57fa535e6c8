/**
 * The WebSocket edge before any authentication: frames are bounded like HTTP bodies
 * (HTTP_BODY_LIMIT_BYTES; `ws` would otherwise buffer up to 100 MiB per frame), and an upgrade
 * to any path but /graphql is answered 404 instead of being left hanging.
 *
 * Frames go out over raw sockets, masked with a zero key (valid, and the payload goes out as it
 * is), so the client side of this process holds one shared payload buffer whatever it sends:
 * the api runs in this process too, and its memory is what is measured.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { readTestEnvironment } from '../environment/index.js';
import { startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { connectionOutcome, subscribe } from '../support/graphql-subscription.js';

const env = readTestEnvironment();
const MiB = 1024 * 1024;
/** RFC 6455 "message too big", which `ws` sends for a frame over maxPayload. */
const MESSAGE_TOO_BIG = 1009;

interface RawConnection {
  readonly socket: Socket;
  /** The status line of the server's answer, or 'no answer' if none came in time. */
  readonly status: string;
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>;
  /** Bytes received after the answer's head: WebSocket frames once upgraded. */
  readonly received: () => Buffer;
}

/** Sends an upgrade request for `path` and waits (at most `withinMs`) for the answer's head. */
function rawUpgrade(api: ApiUnderTest, path: string, withinMs = 1_000): Promise<RawConnection> {
  const { hostname, port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    let buffered = Buffer.alloc(0);
    let status: string | undefined;
    let body = Buffer.alloc(0);
    const answer = (line: string) => {
      if (status !== undefined) return;
      status = line;
      clearTimeout(timer);
      resolve({ socket, status, closed, received: () => body });
    };
    const timer = setTimeout(() => answer('no answer'), withinMs);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (status === undefined && error.code !== 'ECONNRESET') reject(error);
    });
    socket.on('close', () => answer(buffered.toString('latin1').split('\r\n')[0] || 'closed'));
    socket.on('data', (chunk: Buffer) => {
      if (status !== undefined) {
        body = Buffer.concat([body, chunk]);
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      body = buffered.subarray(end + 4);
      answer(buffered.subarray(0, end).toString('latin1').split('\r\n')[0]!);
    });
    socket.write(
      [
        `GET ${path} HTTP/1.1`,
        `Host: ${hostname}:${port}`,
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Protocol: graphql-transport-ws',
        '',
        '',
      ].join('\r\n'),
    );
  });
}

/** The header of one masked text frame of `length` bytes, masking key 0. */
function frameHeader(length: number): Buffer {
  const header = Buffer.alloc(14);
  header[0] = 0x81; // FIN, text
  header[1] = 0x80 | 127; // masked, 64-bit length follows
  header.writeBigUInt64BE(BigInt(length), 2);
  return header; // bytes 10-13: the masking key, all zero
}

/** The code of the first close frame among `bytes` (server frames are unmasked), if any. */
function closeCodeIn(bytes: Buffer): number | undefined {
  for (let at = 0; at + 2 <= bytes.length;) {
    const opcode = bytes[at]! & 0x0f;
    let length = bytes[at + 1]! & 0x7f;
    let start = at + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(at + 2);
      start += 2;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(at + 2));
      start += 8;
    }
    if (opcode === 0x8) return start + 2 <= bytes.length ? bytes.readUInt16BE(start) : undefined;
    at = start + length;
  }
  return undefined;
}

function write(socket: Socket, data: Buffer): Promise<void> {
  return new Promise((resolve) => socket.write(data, () => resolve()));
}

/** A full collection, when the runtime lets us ask for one. */
function collectGarbage(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Heap plus the memory of Buffers: `ws` keeps a frame's bytes in Buffers, outside the heap. */
function memoryInUse(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

describe('the WebSocket edge', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApi(env);
    expect(api.config.http.bodyLimitBytes).toBe(MiB);
  });

  afterAll(() => api?.close());

  describe('frames over the body limit', () => {
    it('closes a socket that sends one before connection_init with 1009', async () => {
      const socket = new WebSocket(`${api.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send('x'.repeat(2 * MiB));
      expect(await Promise.race([closed, sleep(5_000, 'still open')])).toBe(MESSAGE_TOO_BIG);
    });

    it('refuses a frame by its header alone, before any of its payload arrives', async () => {
      const connections = await Promise.all(Array.from({ length: 20 }, () => rawUpgrade(api, '/graphql')));
      try {
        // Only the header: a server that waited for the payload (to buffer it) would never answer.
        for (const { socket } of connections) await write(socket, frameHeader(5 * MiB));
        await eventually(async () => {
          expect(connections.map((connection) => closeCodeIn(connection.received()))).toEqual(
            connections.map(() => MESSAGE_TOO_BIG),
          );
        }, 2_000);
      } finally {
        for (const { socket } of connections) socket.destroy();
      }
    });

    it('does not buffer them: 20 frames of 5 MiB on new sockets leave the memory as it was', async () => {
      const gc = collectGarbage();
      const frameLength = 5 * MiB;
      // All of the frame but its last byte: a server that buffers frames whole holds each one,
      // waiting for that byte, while the memory is measured.
      const payload = Buffer.alloc(frameLength - 1, 0x20);
      gc();
      const before = memoryInUse();

      const connections = await Promise.all(Array.from({ length: 20 }, () => rawUpgrade(api, '/graphql')));
      try {
        expect(connections.map((connection) => connection.status)).toEqual(
          connections.map(() => 'HTTP/1.1 101 Switching Protocols'),
        );
        await Promise.race([
          Promise.all(
            connections.map(async ({ socket }) => {
              await write(socket, frameHeader(frameLength));
              await write(socket, payload);
            }),
          ),
          sleep(10_000),
        ]);
        await sleep(500);
        gc();
        const grownMiB = Math.round((memoryInUse() - before) / MiB);
        // 100 MiB went out. A server that buffers frames holds all of it; the process's own noise
        // (the client sockets' buffers live here too) stays well under half.
        expect(grownMiB).toBeLessThan(50);
        expect(connections.map((connection) => closeCodeIn(connection.received()))).toEqual(
          connections.map(() => MESSAGE_TOO_BIG),
        );
      } finally {
        for (const { socket } of connections) socket.destroy();
      }
    });

    it('still takes a connection_init just under the limit, and serves afterwards', async () => {
      const padding = 'x'.repeat(MiB - 4 * 1024);
      expect(await connectionOutcome(api, { authorization: `Bearer ${TEST_TOKENS.read}`, padding })).toBe(
        'connected',
      );
      expect(await connectionOutcome(api, { authorization: `Bearer ${TEST_TOKENS.read}` })).toBe('connected');
    });
  });

  describe('upgrades to other paths', () => {
    it.each(['/nope', '/api/v1/images', '/api/v1/images?first=1', '/graphqlx', '/graphql/x', '/'])(
      'answers an upgrade to %s with 404 and closes the socket within a second',
      async (path) => {
        const started = Date.now();
        const connection = await rawUpgrade(api, path);
        try {
          expect(connection.status).toBe('HTTP/1.1 404 Not Found');
          expect(await Promise.race([connection.closed.then(() => 'closed'), sleep(1_000, 'open')])).toBe(
            'closed',
          );
          expect(Date.now() - started).toBeLessThan(1_000);
        } finally {
          connection.socket.destroy();
        }
      },
    );

    it.each(['/graphql', '/graphql?x=1'])('still upgrades %s', async (path) => {
      const connection = await rawUpgrade(api, path);
      connection.socket.destroy();
      expect(connection.status).toBe('HTTP/1.1 101 Switching Protocols');
    });

    it('still serves graphql-ws on /graphql, with the query limits and the caller as before', async () => {
      expect(await connectionOutcome(api, { authorization: `Bearer ${TEST_TOKENS.read}` })).toBe('connected');
      const events = subscribe(api, 'subscription { imageEvents { action imageId } }');
      const tooComplex = subscribe(
        api,
        `subscription { imageEvents { ${Array.from({ length: 450 }, (_, i) => `a${i}: action`).join(' ')} } }`,
      );
      try {
        await eventually(async () => {
          expect(tooComplex.errors.flat()).toEqual([
            expect.objectContaining({ extensions: { code: 'QUERY_TOO_COMPLEX' } }),
          ]);
        }, 3_000);
        // Resolvers see the connection's principal: without one, the role guard refuses at once.
        await events.ready;
        await sleep(300);
        expect(events.errors).toEqual([]);
      } finally {
        await events.close();
        await tooComplex.close();
      }
    });
  });
});
