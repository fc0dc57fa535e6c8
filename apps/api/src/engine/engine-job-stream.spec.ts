import { DomainError } from '#libs/errors';
import { NO_PROGRESS, type JobRecord, type LayerProgressRecord } from '#libs/jobs';
import { jobProgressLines, loadClosing, primed, type EngineProgressLine } from './engine-job-stream.js';

function record(
  overrides: Partial<JobRecord> & { layers?: LayerProgressRecord[]; message?: string },
): JobRecord {
  const { layers = [], message = null, ...rest } = overrides;
  return {
    id: 'job-1',
    kind: 'PULL',
    ref: '127.0.0.1:5000/app:1',
    state: 'ACTIVE',
    attempts: 1,
    progress: { ...NO_PROGRESS, layers, message },
    error: null,
    imageId: null,
    digest: null,
    createdAt: new Date(0),
    startedAt: null,
    finishedAt: null,
    ...rest,
  };
}

async function* of(...records: JobRecord[]): AsyncGenerator<JobRecord> {
  yield* records;
}

async function collect(lines: AsyncIterable<EngineProgressLine>): Promise<EngineProgressLine[]> {
  const all: EngineProgressLine[] = [];
  for await (const line of lines) all.push(line);
  return all;
}

const options = {
  opening: { status: 'Pulling from app', id: '1' },
  closing: (done: JobRecord) => [{ status: `Digest: ${done.digest}` }],
};
const layer = (id: string, status: string, current = 0, total = 0) => ({ id, status, current, total });

describe("a job's progress as the daemon's progress lines", () => {
  it('opens once there is something to show, tells each layer change once, and closes from the record', async () => {
    const lines = await collect(
      jobProgressLines(
        of(
          record({ state: 'QUEUED' }),
          record({ layers: [layer('aaa', 'Pulling fs layer')] }),
          record({ layers: [layer('aaa', 'Downloading', 10, 100)] }),
          record({ layers: [layer('aaa', 'Downloading', 10, 100), layer('bbb', 'Already exists')] }),
          record({ state: 'COMPLETED', digest: 'sha256:abc', layers: [layer('aaa', 'Pull complete')] }),
        ),
        options,
      ),
    );
    expect(lines).toEqual([
      { status: 'Pulling from app', id: '1' },
      { status: 'Pulling fs layer', progressDetail: {}, id: 'aaa' },
      { status: 'Downloading', progressDetail: { current: 10, total: 100 }, id: 'aaa' },
      { status: 'Already exists', progressDetail: {}, id: 'bbb' },
      { status: 'Pull complete', progressDetail: {}, id: 'aaa' },
      { status: 'Digest: sha256:abc' },
    ]);
  });

  it("throws the job's error when it fails before any line, so that it becomes the HTTP answer", async () => {
    const failed = record({
      state: 'FAILED',
      error: { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' },
    });
    const lines = jobProgressLines(of(record({ state: 'QUEUED' }), failed), options);
    const refusal = await primed(lines).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' });
  });

  it('ends with the error line when it fails after lines went out', async () => {
    const lines = await collect(
      jobProgressLines(
        of(
          record({ layers: [layer('aaa', 'Downloading', 1, 2)] }),
          record({ state: 'FAILED', error: { code: 'REGISTRY_UNREACHABLE', message: 'gone' } }),
        ),
        options,
      ),
    );
    expect(lines.at(-1)).toEqual({ errorDetail: { message: 'gone' }, error: 'gone' });
  });

  it('tells every image a load loaded, each as the daemon words it, at the end', async () => {
    const done = record({ kind: 'LOAD', state: 'COMPLETED', message: 'Loaded image: c:1' });
    const lines = await collect(
      jobProgressLines(of({ ...done, loaded: ['a:1', 'sha256:b', 'c:1'] }), {
        opening: null,
        closing: loadClosing,
      }),
    );
    expect(lines).toEqual([
      { stream: 'Loaded image: a:1\n' },
      { stream: 'Loaded image ID: sha256:b\n' },
      { stream: 'Loaded image: c:1\n' },
    ]);
  });

  it('closes the job stream when the answer is dropped before it was read', async () => {
    let closed = false;
    async function* records() {
      try {
        yield record({ layers: [layer('aaa', 'Waiting')] });
        yield record({ state: 'QUEUED' });
      } finally {
        closed = true;
      }
    }
    const answer = await primed(jobProgressLines(records(), options));
    await answer.return?.();
    expect(closed).toBe(true);
  });
});
