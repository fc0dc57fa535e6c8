/**
 * The copy thread's entry point (see ThreadedCopier): copies run here, with a client of its own,
 * so the bytes they move never pass through the main thread's heap.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DomainError } from '#libs/errors';
import { makeCredentials } from '#libs/registry-auth';
import { DistributionClient } from '../distribution-client.adapter.js';
import { type BlobProgress, type CopyEnd, RegistryCopier } from '../registry-copier.js';
import type {
  CopyEndMessage,
  CopyThreadData,
  CopyThreadReply,
  CopyThreadRequest,
} from './copy-thread.protocol.js';

/** Progress goes to the main thread at most this often per copy (the last state always). */
const PROGRESS_INTERVAL_MS = 50;

const port = parentPort;
if (!port) throw new Error('copy-thread.js runs as a worker thread only');
const { client: clientOptions } = workerData as CopyThreadData;
const copier = new RegistryCopier(new DistributionClient(clientOptions));
const running = new Map<number, AbortController>();
const reply = (message: CopyThreadReply) => port.postMessage(message);

port.on('message', (request: CopyThreadRequest) => {
  if (request.type === 'abort') {
    running.get(request.id)?.abort();
    return;
  }
  const abort = new AbortController();
  running.set(request.id, abort);
  const progress = coalesced((blobs) => reply({ type: 'progress', id: request.id, blobs }));
  copier
    .copy(copyEnd(request.source), copyEnd(request.target), {
      platforms: request.platforms,
      signal: abort.signal,
      onProgress: progress.push,
    })
    .then(
      (digest) => {
        progress.flush();
        reply({ type: 'done', id: request.id, digest });
      },
      (error: unknown) => {
        progress.flush();
        const message = error instanceof Error ? error.message : String(error);
        const code = error instanceof DomainError ? error.code : undefined;
        reply({ type: 'failed', id: request.id, failure: { code, message } });
      },
    )
    .finally(() => running.delete(request.id));
});

function copyEnd(end: CopyEndMessage): CopyEnd {
  return {
    endpoint: {
      name: end.name,
      baseUrl: end.baseUrl,
      credentials: end.credentials ? makeCredentials(end.credentials) : undefined,
    },
    repository: end.repository,
    reference: end.reference,
  };
}

/** The latest progress, sent once per interval instead of once per chunk. */
function coalesced(send: (blobs: readonly BlobProgress[]) => void) {
  let latest: readonly BlobProgress[] | null = null;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (latest) send(latest);
    latest = null;
  };
  return {
    push(blobs: readonly BlobProgress[]) {
      latest = blobs;
      timer ??= setTimeout(flush, PROGRESS_INTERVAL_MS);
    },
    flush,
  };
}
