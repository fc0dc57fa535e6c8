import type { JobRecord } from '#libs/jobs';
import type { Job } from './job.model.js';

const shaped = new WeakMap<JobRecord, Job>();

/**
 * The job as GraphQL and REST serve it; the attempt marker of stored progress stays inside.
 * Memoised per record: one update goes out to every subscriber of a job, shaped once.
 */
export function toJob(record: JobRecord): Job {
  let job = shaped.get(record);
  if (!job) shaped.set(record, (job = shape(record)));
  return job;
}

function shape(record: JobRecord): Job {
  const { attempt: _attempt, ...progress } = record.progress;
  return {
    ...record,
    progress: { ...progress, layers: progress.layers.map((layer) => ({ ...layer })) },
    error: record.error ? { ...record.error } : null,
  };
}
