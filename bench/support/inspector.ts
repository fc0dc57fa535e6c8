import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

import WebSocket from 'ws';

/**
 * The V8 inspector of a child process started with `--inspect=127.0.0.1:<port>` (through
 * NODE_OPTIONS), over the Chrome DevTools Protocol: the only way to force a full GC in a process
 * that never calls `gc()` itself, and to read its heap from outside. Nothing is attached between
 * calls, so the process runs as it would without it (the idle inspector thread costs a few MB).
 */
export interface Inspector {
  /** `process.memoryUsage()` inside the process (bytes). */
  memoryUsage(): Promise<HeapUsage>;
  /** A full, compacting GC (HeapProfiler.collectGarbage). */
  collectGarbage(): Promise<void>;
  /** Writes a .heapsnapshot (loadable in Chrome DevTools' Memory tab); resolves with its size. */
  writeHeapSnapshot(file: string): Promise<number>;
  close(): Promise<void>;
}

export interface HeapUsage {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** Waits for the inspector's HTTP endpoint (up to `timeoutMs`) and attaches to the process's target. */
export async function attachInspector(port: number, timeoutMs = 15_000): Promise<Inspector> {
  const deadline = performance.now() + timeoutMs;
  let targets: { webSocketDebuggerUrl?: string }[] = [];
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/json/list`, {
        signal: AbortSignal.timeout(2_000),
      });
      targets = (await response.json()) as typeof targets;
      if (targets[0]?.webSocketDebuggerUrl) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`no inspector on 127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl!, { perMessageDeflate: false });
  await once(socket, 'open');

  let nextId = 1;
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Map<string, (params: Record<string, unknown>) => void>();
  socket.on('message', (raw: Buffer) => {
    const message = JSON.parse(raw.toString('utf8')) as {
      id?: number;
      method?: string;
      params?: Record<string, unknown>;
      result?: unknown;
      error?: { message: string };
    };
    if (message.id !== undefined) {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error.message));
      else waiter?.resolve(message.result);
    } else if (message.method) {
      listeners.get(message.method)?.(message.params ?? {});
    }
  });
  socket.on('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('inspector connection closed'));
    pending.clear();
  });
  const call = (method: string, params: Record<string, unknown> = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });

  return {
    async memoryUsage() {
      const result = (await call('Runtime.evaluate', {
        expression: 'JSON.stringify(process.memoryUsage())',
        returnByValue: true,
      })) as { result: { value: string } };
      return JSON.parse(result.result.value) as HeapUsage;
    },
    async collectGarbage() {
      await call('HeapProfiler.collectGarbage');
    },
    async writeHeapSnapshot(file) {
      const out = createWriteStream(file);
      let bytes = 0;
      listeners.set('HeapProfiler.addHeapSnapshotChunk', (params) => {
        const chunk = String(params.chunk);
        bytes += Buffer.byteLength(chunk);
        out.write(chunk);
      });
      try {
        await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      } finally {
        listeners.delete('HeapProfiler.addHeapSnapshotChunk');
        out.end();
        await once(out, 'close');
      }
      return bytes;
    },
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return;
      socket.close();
      await once(socket, 'close');
    },
  };
}
