import type { JobRecord } from '#libs/jobs';
import type { Job } from './job.model.js';

/** The job as GraphQL and REST serve it; the attempt marker of stored progress stays inside. */
export function toJob(record: JobRecord): Job {
  const { attempt: _attempt, ...progress } = record.progress;
  return {
    ...record,
    progress: { ...progress, layers: progress.layers.map((layer) => ({ ...layer })) },
    error: record.error ? { ...record.error } : null,
  };
}
