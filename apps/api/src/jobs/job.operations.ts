import { declareOperation } from '../operations/operation.js';

/** Pulls, pushes and loads run as jobs: queueing them, reading them, following them. */

export const pullImage = declareOperation({
  name: 'pullImage',
  effect: 'change',
  summary: 'Queue a pull, like docker image pull; identical pending pulls share one job',
  description:
    'Queues a pull (`docker image pull`). The tag defaults to latest. Identical queued or running pulls return the same job.',
  errors: ['BAD_USER_INPUT', 'INVALID_REFERENCE', 'QUEUE_UNAVAILABLE'],
});

export const pushImage = declareOperation({
  name: 'pushImage',
  effect: 'change',
  summary: 'Queue a push, like docker image push (allTags: docker image push --all-tags)',
  description:
    "Queues a push (`docker image push`): the reference's tag (default latest), or every local tag of the repository when allTags is true.",
  errors: ['BAD_USER_INPUT', 'INVALID_REFERENCE', 'IMAGE_NOT_FOUND', 'QUEUE_UNAVAILABLE'],
});

export const importImages = declareOperation({
  name: 'importImages',
  effect: 'change',
  summary: 'Upload a docker save archive (the request body, streamed) and load it as a job of kind LOAD',
  errors: ['BAD_USER_INPUT', 'QUEUE_UNAVAILABLE'],
});

export const cancelJob = declareOperation({
  name: 'cancelJob',
  effect: 'change',
  summary: 'Cancel a queued or active job',
  errors: ['JOB_NOT_FOUND', 'JOB_NOT_CANCELLABLE', 'QUEUE_UNAVAILABLE'],
});

export const inspectJob = declareOperation({
  name: 'job',
  effect: 'read',
  summary: 'One job: its state, progress and result',
  errors: ['JOB_NOT_FOUND', 'QUEUE_UNAVAILABLE'],
});

export const listJobs = declareOperation({
  name: 'jobs',
  effect: 'read',
  summary: 'Jobs, newest first',
  errors: ['BAD_USER_INPUT', 'INVALID_REFERENCE', 'QUEUE_UNAVAILABLE'],
});

export const followJob = declareOperation({
  name: 'jobProgress',
  effect: 'read',
  summary: 'The job now, then each change, ending after its final state',
  description:
    'The job each time its state or progress changes; ends after the job reaches a final state. Emits the current job at once.',
  errors: ['JOB_NOT_FOUND', 'QUEUE_UNAVAILABLE'],
});

export const followJobs = declareOperation({
  name: 'jobUpdates',
  effect: 'read',
  summary: 'Every job change on the service',
  description: 'Every job change on the service.',
  errors: ['QUEUE_UNAVAILABLE'],
});

export const copyImage = declareOperation({
  name: 'copyImage',
  effect: 'change',
  summary: 'Queue a copy between registries, without the daemon: digests preserved',
  description:
    'Registry to registry, without the daemon: blobs streamed (skipped when the target has them, mounted within one registry), manifests and indexes byte for byte, digests preserved. Platforms default to all; a subset of an index is a new index of those entries.',
  errors: ['BAD_USER_INPUT', 'INVALID_REFERENCE', 'QUEUE_UNAVAILABLE'],
});
