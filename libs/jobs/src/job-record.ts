import type { ErrorCode } from '#libs/errors';
import type { ImageRemoval, JobProgressRecord } from './job-definitions.js';
import type { JobState } from './lifecycle/job-states.js';
import type { JobKind } from './queue.constants.js';

/** A job as clients see it, whatever the queue keeps internally. */
export interface JobRecord {
  readonly id: string;
  readonly kind: JobKind;
  readonly ref: string;
  readonly state: JobState;
  /** Attempts started so far. */
  readonly attempts: number;
  readonly progress: JobProgressRecord;
  readonly error: { readonly code: ErrorCode; readonly message: string } | null;
  readonly imageId: string | null;
  readonly digest: string | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  /** The host whose queue holds it, where the api tells them apart (fleet). */
  readonly host?: string;
  /** What a REMOVE job did, once completed. */
  readonly removal?: ImageRemoval;
  /** What a LOAD job loaded, once completed (`docker load` prints each). */
  readonly loaded?: readonly string[];
  /** A fan-out's children, one per selected host (public ids); absent for any other job. */
  readonly children?: readonly string[];
}
