import type { ErrorCode } from '#libs/errors';
import type { DistributionClientOptions } from '../distribution-client.adapter.js';
import type { BlobProgress } from '../registry-copier.js';
import type { Platform } from '../remote-image.js';

/** What the copy thread is started with. */
export interface CopyThreadData {
  readonly client: DistributionClientOptions;
}

/** One side of a copy as it crosses to the thread: plain data (credentials without their redaction). */
export interface CopyEndMessage {
  readonly name: string;
  readonly baseUrl: string;
  readonly credentials?: { username?: string; password?: string; identityToken?: string };
  readonly repository: string;
  readonly reference: string;
}

/** Main thread → copy thread. */
export type CopyThreadRequest =
  | {
      readonly type: 'copy';
      readonly id: number;
      readonly source: CopyEndMessage;
      readonly target: CopyEndMessage;
      readonly platforms?: readonly Platform[];
    }
  | { readonly type: 'abort'; readonly id: number };

/** A failure as it crosses back: a domain error keeps its code. */
export interface CopyFailure {
  readonly code?: ErrorCode;
  readonly message: string;
}

/** Copy thread → main thread. */
export type CopyThreadReply =
  | { readonly type: 'progress'; readonly id: number; readonly blobs: readonly BlobProgress[] }
  | { readonly type: 'done'; readonly id: number; readonly digest: string }
  | { readonly type: 'failed'; readonly id: number; readonly failure: CopyFailure };
