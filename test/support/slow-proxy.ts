import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from './eventually.js';

/**
 * A TCP proxy on 127.0.0.1:<free port> in front of a registry (or any TCP service) that limits
 * the bytes flowing back to the client, so a pull through it takes a predictable time.
 *
 * The limit is shared by all connections (the daemon downloads three layers at once): at
 * `bytesPerSecond`, N bytes take N / bytesPerSecond seconds however they are spread. The daemon
 * treats 127.0.0.0/8 registries as plain HTTP, and a registry ignores the port in `Host`, so
 * `${proxy.host}/repo:tag` pulls through the proxy with nothing configured.
 */
export interface SlowProxy {
  /** `127.0.0.1:<port>`: put it in front of an image name. */
  readonly host: string;
  readonly port: number;
  /** Bytes sent back to clients so far. */
  readonly bytesDown: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Changes the limit from now on; `Infinity` lifts it. */
  setRate(bytesPerSecond: number): void;
  /** Destroys every open connection, as a registry outage would; new connections are still accepted. */
  cut(): void;
  /** Stops accepting and destroys every open connection. */
  close(): Promise<void>;
}

export interface SlowProxyOptions {
  /** Download limit in bytes per second, shared by all connections; default 4 MiB/s. */
  bytesPerSecond?: number;
}

export const MiB = 1024 * 1024;

/** `target`: `host:port` of the service, e.g. `env.registries.open.host`. */
export async function startSlowProxy(target: string, options: SlowProxyOptions = {}): Promise<SlowProxy> {
  const separator = target.lastIndexOf(':');
  const targetHost = target.slice(0, separator);
  const targetPort = Number(target.slice(separator + 1));
  if (!targetHost || !Number.isInteger(targetPort))
    throw new Error(`target must be host:port, got ${target}`);

  let rate = options.bytesPerSecond ?? 4 * MiB;
  /** When the shared link is free again (ms since the epoch). */
  let linkFreeAt = 0;
  let bytesDown = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A peer that goes away mid-transfer is normal here (cancel, kill, daemon stop).
    socket.on('error', () => undefined);
  };

  const server: Server = createServer((client) => {
    connections += 1;
    const upstream = connect({ host: targetHost, port: targetPort });
    track(client);
    track(upstream);
    // The client going away ends the upstream connection at once; the other way round, the
    // client first gets what is still held back, then the end.
    client.once('close', () => upstream.destroy());

    // Requests go up unthrottled.
    client.pipe(upstream);

    // Answers come back at the shared rate: each chunk takes its slot on the link, and this
    // connection reads nothing more until its chunk has been sent.
    let delayed: NodeJS.Timeout | null = null;
    upstream.on('data', (chunk: Buffer) => {
      const send = () => {
        if (client.destroyed) return;
        bytesDown += chunk.length;
        if (!client.write(chunk)) {
          upstream.pause();
          client.once('drain', () => upstream.resume());
        }
      };
      if (!Number.isFinite(rate)) {
        send();
        return;
      }
      const now = Date.now();
      const start = Math.max(now, linkFreeAt);
      linkFreeAt = start + (chunk.length * 1000) / rate;
      upstream.pause();
      const timer = setTimeout(() => {
        timers.delete(timer);
        delayed = null;
        send();
        if (!upstream.destroyed && client.writableNeedDrain !== true) upstream.resume();
      }, linkFreeAt - now);
      timers.add(timer);
      delayed = timer;
    });
    const endClient = (): void => {
      if (client.destroyed) return;
      if (delayed === null) client.end();
      else setTimeout(endClient, 10).unref();
    };
    upstream.once('end', endClient);
    upstream.once('close', endClient);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('the proxy has no port');
  const port = address.port;

  const cut = () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    for (const socket of sockets) socket.destroy();
    linkFreeAt = 0;
  };

  return {
    host: `127.0.0.1:${port}`,
    port,
    get bytesDown() {
      return bytesDown;
    },
    get connections() {
      return connections;
    },
    setRate(bytesPerSecond: number) {
      if (!(bytesPerSecond > 0)) throw new Error(`a rate must be positive, got ${bytesPerSecond}`);
      rate = bytesPerSecond;
      linkFreeAt = 0;
    },
    cut,
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}

/** Waits until the daemon stops reading from the registry: nothing more comes through `proxy`. */
export async function downloadStopped(proxy: Pick<SlowProxy, 'bytesDown'>): Promise<void> {
  await eventually(async () => {
    const before = proxy.bytesDown;
    await sleep(300);
    expect(proxy.bytesDown).toBe(before);
  }, 10_000);
}
