import { DiscoveryService } from '@nestjs/core';
import type { ImageJobResult, JobName, JobPayloads, JobProgressRecord } from '#libs/jobs';

/** What a handler gets besides its payload. */
export interface JobContext {
  readonly jobId: string;
  /** Aborted when the job is cancelled or the worker shuts down: stop the daemon call at once. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt; progress percent is monotone within one attempt. */
  readonly attempt: number;
  /** Coalesced: at most ~10 updates a second reach the queue; `flush` sends the last one now. */
  reportProgress(progress: Omit<JobProgressRecord, 'attempt'>): void;
  flushProgress(): Promise<void>;
}

/**
 * Runs one kind of job: the work only. Throws JobFailure for failures with a contract code.
 * Whether a failure is retried, what a cancel or shutdown makes of the attempt, and what is
 * freed once the job is over (JOB_ARTIFACTS) are the job lifecycle's, not the handler's.
 */
export interface ImageJobHandler<N extends JobName = JobName> {
  run(payload: JobPayloads[N], context: JobContext): Promise<ImageJobResult>;
}

/**
 * Marks a provider as the handler of one job name. The worker finds handlers by this decorator
 * and refuses to start unless every job name has exactly one.
 */
export const HandlesJob = DiscoveryService.createDecorator<JobName>();
