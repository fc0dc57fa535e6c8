/** The one BullMQ queue that carries image work between the api and the workers. */
export const IMAGE_QUEUE = 'stevedore-images';

/** Job kinds as the public schema names them. */
export const JOB_KINDS = ['PULL', 'PUSH', 'LOAD', 'UPDATE_CHECK', 'COPY', 'REMOVE'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
