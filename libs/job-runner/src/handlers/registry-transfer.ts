import type { StevedoreConfig } from '#libs/config';
import { DomainError } from '#libs/errors';
import { JobFailure, type PullJobPayload, type PushJobPayload } from '#libs/jobs';
import { classifyDaemonError, daemonErrorText, ProgressTracker, type TransferKind } from '#libs/progress';
import { parseReference, registryOf } from '#libs/reference';
import {
  registryAuthHeader,
  resolveCredentials,
  serverAddressFor,
  type CredentialSealer,
} from '#libs/registry-auth';
import type { JobContext } from '../job-handler.js';

/**
 * The X-Registry-Auth header for a job: the credentials sealed into it, else the worker's
 * config.json entry for the registry, else none (`{}`, which push requires). The registry is the
 * one the job's reference names, never another field of the payload: config.json credentials go
 * only to the registry the daemon will talk to.
 */
export function registryAuthFor(
  payload: PullJobPayload | PushJobPayload,
  sealer: CredentialSealer,
  config: StevedoreConfig,
): string {
  const registry = registryOf(parseReference(payload.ref));
  const credentials = payload.sealedCredentials
    ? sealer.unseal(payload.sealedCredentials, { associatedData: payload.ref })
    : resolveCredentials({
        registryHost: registry,
        dockerConfigDir: config.registryAuth.dockerConfigDir ?? undefined,
      });
  return registryAuthHeader(credentials, serverAddressFor(registry));
}

/**
 * Reads a daemon progress stream to its end into `tracker`, reporting progress as it goes. The
 * daemon answers 200 and reports failures inside the stream, so every line is read and a stream
 * that carried an error fails the job, whatever came after it.
 */
export async function followTransfer(
  open: () => Promise<AsyncIterable<string>>,
  tracker: ProgressTracker,
  context: JobContext,
  kind: TransferKind,
): Promise<void> {
  const operation = kind === 'PULL' ? 'pull' : 'push';
  try {
    for await (const line of await open()) {
      tracker.applyLine(line);
      context.reportProgress(tracker.snapshot());
    }
  } catch (error) {
    if (context.signal.aborted) throw error;
    if (error instanceof DomainError) throw new JobFailure(error.code, error.message);
    // An HTTP error answer (e.g. 404 for a missing manifest) rather than an in-stream one.
    const message = error instanceof Error ? error.message : String(error);
    const { code, retryable } = classifyDaemonError(message, operation);
    throw new JobFailure(code, daemonErrorText(message), retryable);
  }
  if (context.signal.aborted) throw new Error(`${operation} aborted`);
  const failure = tracker.failure();
  if (failure) {
    throw new JobFailure(
      classifyDaemonError(failure.message, operation).code,
      daemonErrorText(failure.message),
    );
  }
}
