import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A TCP proxy on 127.0.0.1 that limits the bytes flowing back from the target (downloads). */
export interface ThrottledProxy {
  /** `127.0.0.1:<port>`: what goes in front of an image name instead of the registry's host. */
  readonly host: string;
  readonly port: number;
  readonly bytesPerSecond: number;
  /** Bytes sent to clients so far (target → client). */
  bytesForwarded(): number;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/**
 * Forwards every connection to `target`; requests go through as they come, answers at most
 * `bytesPerSecond` in total, shared by all connections (the daemon fetches several layers at
 * once). Each chunk read from the target reserves its share of the line and is written once that
 * share has elapsed; the target is not read meanwhile, so TCP backpressure holds the rest.
 */
export async function startThrottledProxy(options: {
  readonly target: { readonly host: string; readonly port: number };
  readonly bytesPerSecond: number;
}): Promise<ThrottledProxy> {
  const { target, bytesPerSecond } = options;
  if (!(bytesPerSecond > 0)) throw new Error(`bytesPerSecond must be positive: ${bytesPerSecond}`);
  const sockets = new Set<Socket>();
  let forwarded = 0;
  /** performance.now() at which the line is free again. */
  let lineFreeAt = 0;
  const reserve = (bytes: number): number => {
    const now = performance.now();
    lineFreeAt = Math.max(now, lineFreeAt) + (bytes / bytesPerSecond) * 1000;
    return lineFreeAt - now;
  };

  const server = createServer((client) => {
    const upstream = createConnection({ host: target.host, port: target.port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    // The daemon hanging up (a kept-alive connection it no longer needs) ends the upstream one too.
    client.once('close', () => upstream.destroy());
    void (async () => {
      for await (const chunk of upstream as AsyncIterable<Buffer>) {
        await sleep(reserve(chunk.length));
        if (client.destroyed) return;
        forwarded += chunk.length;
        if (!client.write(chunk)) await once(client, 'drain');
      }
      client.end();
    })().catch(() => {
      client.destroy();
      upstream.destroy();
    });
  });
  server.listen({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    port,
    bytesPerSecond,
    bytesForwarded: () => forwarded,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
