import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DomainError } from '#libs/errors';
import type { DistributionClientOptions } from '../distribution-client.adapter.js';
import type { CopyEnd, CopyOptions, ImageCopier } from '../registry-copier.js';
import type {
  CopyEndMessage,
  CopyThreadData,
  CopyThreadReply,
  CopyThreadRequest,
} from './copy-thread.protocol.js';

/** The thread's entry point, compiled next to this file. */
const THREAD_ENTRY = new URL('./copy-thread.js', import.meta.url);

interface Pending {
  readonly resolve: (digest: string) => void;
  readonly reject: (error: Error) => void;
  readonly onProgress?: CopyOptions['onProgress'];
}

/**
 * Runs RegistryCopier in one worker thread of its own, started at the first copy.
 *
 * A copy streams every blob through JavaScript; in the process that serves the api, the chunks
 * land in a heap of tens of megabytes, and V8 marks all of it again and again while the bytes flow
 * (half of the process's CPU during a copy, measured with perf). The thread has a small heap of its
 * own, so the copy's garbage costs little to collect and the api's heap is left alone.
 */
export class ThreadedCopier implements ImageCopier {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly clientOptions: DistributionClientOptions) {}

  /** Whether the thread's compiled entry point is there (not when running from the TypeScript sources). */
  static available(): boolean {
    return THREAD_ENTRY.protocol === 'file:' && existsSync(fileURLToPath(THREAD_ENTRY));
  }

  copy(source: CopyEnd, target: CopyEnd, options: CopyOptions = {}): Promise<string> {
    if (options.signal?.aborted) return Promise.reject(new Error('copy aborted'));
    const worker = this.started();
    const id = ++this.nextId;
    return new Promise<string>((resolve, reject) => {
      const onAbort = () => this.send(worker, { type: 'abort', id });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => options.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (digest) => (settle(), resolve(digest)),
        reject: (error) => (settle(), reject(error)),
        onProgress: options.onProgress,
      });
      try {
        this.send(worker, {
          type: 'copy',
          id,
          source: endMessage(source),
          target: endMessage(target),
          platforms: options.platforms,
        });
      } catch (error) {
        // Nothing reached the thread (a value it cannot receive): no answer will come for this id.
        this.pending.delete(id);
        settle();
        reject(error as Error);
      }
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const data: CopyThreadData = { client: this.clientOptions };
    const worker = new Worker(THREAD_ENTRY, { workerData: data });
    // An idle thread must not keep the process alive.
    worker.unref();
    worker.on('message', (reply: CopyThreadReply) => this.received(reply));
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`the copy thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private send(worker: Worker, request: CopyThreadRequest): void {
    worker.postMessage(request);
  }

  private received(reply: CopyThreadReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    switch (reply.type) {
      case 'progress':
        pending.onProgress?.(reply.blobs);
        return;
      case 'done':
        this.pending.delete(reply.id);
        pending.resolve(reply.digest);
        return;
      case 'failed':
        this.pending.delete(reply.id);
        pending.reject(
          reply.failure.code
            ? new DomainError(reply.failure.code, reply.failure.message)
            : new Error(reply.failure.message),
        );
    }
  }

  /** The thread died: its copies fail (a job retries them), and the next copy starts a new one. */
  private lost(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(error);
    }
  }
}

function endMessage(end: CopyEnd): CopyEndMessage {
  const credentials = end.endpoint.credentials;
  return {
    name: end.endpoint.name,
    baseUrl: end.endpoint.baseUrl,
    // Field by field: the redacted object carries functions, which do not cross threads.
    credentials: credentials
      ? {
          username: credentials.username,
          password: credentials.password,
          identityToken: credentials.identityToken,
        }
      : undefined,
    repository: end.repository,
    reference: end.reference,
  };
}
