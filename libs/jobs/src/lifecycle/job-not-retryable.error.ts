import { DomainError } from '#libs/errors';

/**
 * A retry the state machine refuses. The contract has no code of its own for it (no retry
 * operation is public yet): BAD_USER_INPUT, as for any request that cannot be carried out as asked.
 */
export class JobNotRetryableError extends DomainError {
  constructor(
    readonly jobId: string,
    state: string,
    because?: string,
  ) {
    super(
      'BAD_USER_INPUT',
      because
        ? `Job ${jobId} cannot be retried: ${because}. Queue a new one instead.`
        : `Job ${jobId} is ${state.toLowerCase()}; only failed or cancelled jobs can be retried.`,
    );
  }
}
