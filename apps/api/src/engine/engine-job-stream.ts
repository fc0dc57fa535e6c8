import { DomainError } from '#libs/errors';
import type { JobRecord, LayerProgressRecord } from '#libs/jobs';

/** One line of the daemon's progress stream (`docker pull`, `push`, `load`). */
export type EngineProgressLine = Record<string, unknown>;

/** Statuses the daemon sends with byte counts: the CLI draws a bar for them on a terminal. */
const TRANSFER_STATUSES = new Set(['Downloading', 'Extracting', 'Pushing']);

export interface JobStreamOptions {
  /**
   * The first line, sent once the job has something to show (`Pulling from …`, `The push refers
   * to …`): a job that fails before that answers with an HTTP error instead, as the daemon does
   * when, say, the tag does not exist.
   */
  readonly opening: EngineProgressLine | null;
  /** The last lines of a completed job, from its record (digest, status, aux). */
  readonly closing: (record: JobRecord) => EngineProgressLine[];
  /** Whether layer lines are told (`docker load` asks for none, `quiet`, when not at a terminal). */
  readonly layers?: boolean;
}

/**
 * A job's records (its state now, then each change) as the daemon's progress lines: each layer's
 * status as it changes, then the closing lines, or the failure. Throws the job's error, as a
 * domain error with its code, when the job fails before any line went out.
 */
export async function* jobProgressLines(
  records: AsyncIterable<JobRecord>,
  options: JobStreamOptions,
): AsyncGenerator<EngineProgressLine> {
  const shown = new Map<string, string>();
  let opened = false;
  let last: JobRecord | null = null;
  for await (const record of records) {
    const layers = options.layers === false ? [] : record.progress.layers;
    if (!opened && (layers.length > 0 || record.state === 'COMPLETED')) {
      opened = true;
      if (options.opening) yield options.opening;
    }
    for (const layer of layers) {
      const line = layerLine(layer);
      const key = `${layer.status}:${layer.current}`;
      if (shown.get(layer.id) === key) continue;
      shown.set(layer.id, key);
      yield line;
    }
    if (record.state === 'COMPLETED') {
      yield* options.closing(record);
      return;
    }
    if (record.state === 'FAILED' || record.state === 'CANCELLED') {
      const failure = failureOf(record);
      if (!opened) throw failure;
      yield errorLine(failure.message);
      return;
    }
    last = record;
  }
  // Let go of before the job ended (the api is shutting down): never an end the CLI takes for success.
  const stopped = new DomainError(
    'QUEUE_UNAVAILABLE',
    `Stevedore stopped following job ${last?.id ?? ''} before it ended; the job goes on: follow it by its id.`,
  );
  if (!opened) throw stopped;
  yield errorLine(stopped.message);
}

/** The daemon's failure inside a stream, which the CLI prints and exits 1 on. */
export function errorLine(message: string): EngineProgressLine {
  return { errorDetail: { message }, error: message };
}

/**
 * `docker load` reports what it loaded as text lines (`Loaded image: app:1`), all at the end;
 * a record from before the job kept the list has the last one in its progress message.
 */
export function loadClosing(record: JobRecord): EngineProgressLine[] {
  const message = record.progress.message;
  const loaded = record.loaded?.map((name) =>
    name.startsWith('sha256:') ? `Loaded image ID: ${name}` : `Loaded image: ${name}`,
  );
  const lines = loaded ?? (message?.startsWith('Loaded image') ? [message] : []);
  return lines.map((line) => ({ stream: `${line}\n` }));
}

function layerLine(layer: LayerProgressRecord): EngineProgressLine {
  const detail =
    TRANSFER_STATUSES.has(layer.status) && layer.total > 0
      ? { current: layer.current, total: layer.total }
      : {};
  return { status: layer.status, progressDetail: detail, id: layer.id };
}

function failureOf(record: JobRecord): DomainError {
  if (record.error) return new DomainError(record.error.code, record.error.message);
  return new DomainError('INTERNAL', `The ${record.kind.toLowerCase()} was cancelled.`);
}

/**
 * Waits for the first line before anything is answered, so that a job that fails at once is an
 * HTTP error (`docker pull` of a missing tag exits with the daemon's message), then yields that
 * line and the rest.
 */
export async function primed<T>(lines: AsyncGenerator<T>): Promise<AsyncIterableIterator<T>> {
  let first: IteratorResult<T> | null = await lines.next();
  // Not a generator of its own: returning one that never started would leave `lines` open.
  const iterator: AsyncIterableIterator<T> = {
    next: () => {
      const result = first;
      first = null;
      return result ? Promise.resolve(result) : lines.next();
    },
    return: (value?: unknown) => {
      first = null;
      return lines.return(value as never);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
