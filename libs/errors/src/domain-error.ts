import type { ErrorCode } from './error-codes.js';

/**
 * A failure a client can act on. Every error that leaves the service is either one of these
 * or becomes INTERNAL. Messages are for people and must never contain a credential.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'A valid bearer token is required: send "Authorization: Bearer <token>".') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(required: string, actual: string) {
    super('FORBIDDEN', `This operation needs the ${required} role; the token has the ${actual} role.`);
  }
}

export class BadUserInputError extends DomainError {
  constructor(message: string) {
    super('BAD_USER_INPUT', message);
  }
}

export class InvalidReferenceError extends DomainError {
  constructor(
    readonly reference: string,
    readonly reason: string,
  ) {
    super('INVALID_REFERENCE', `Invalid image reference ${JSON.stringify(reference)}: ${reason}.`);
  }
}

export class ImageNotFoundError extends DomainError {
  constructor(
    readonly reference: string,
    /** The host that lacks it, where there are several. */
    host?: string,
  ) {
    super(
      'IMAGE_NOT_FOUND',
      `No local image matches ${JSON.stringify(reference)}${host ? ` on host ${host}` : ''}.`,
    );
  }
}

/**
 * The contract has no code of its own for layers; a layer exists only as part of local images,
 * so a missing one is reported as IMAGE_NOT_FOUND (404) with a message that names the layer.
 */
export class LayerNotFoundError extends DomainError {
  constructor(readonly chainId: string) {
    super(
      'IMAGE_NOT_FOUND',
      `No local image holds a layer with chain id ${JSON.stringify(chainId.slice(0, 80))}.`,
    );
  }
}

export class AmbiguousReferenceError extends DomainError {
  constructor(
    readonly reference: string,
    readonly matches: number,
  ) {
    super(
      'AMBIGUOUS_REFERENCE',
      `The id prefix ${JSON.stringify(reference)} matches ${matches} images; give more digits.`,
    );
  }
}

export class DockerUnavailableError extends DomainError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'DOCKER_UNAVAILABLE',
      `The Docker daemon does not answer (${detail}). Check DOCKER_HOST and the daemon.`,
      options,
    );
  }
}

/** Asked of the api's own daemon where the api holds no Docker socket (API_DOCKER=false). */
export class NoDockerSocketError extends DomainError {
  constructor(operation: string) {
    super(
      'DOCKER_UNAVAILABLE',
      `This api holds no Docker socket (API_DOCKER=false), so it cannot ${operation} itself: name a host, whose agent does it, or ask an api that runs beside that host's daemon.`,
    );
  }
}

export class QueueUnavailableError extends DomainError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'QUEUE_UNAVAILABLE',
      `Redis does not answer (${detail}), so no job can be queued. Check REDIS_URL.`,
      options,
    );
  }
}

/** A fleet host whose agent is away past its deadline: work for it is refused or has failed. */
export class HostOfflineError extends DomainError {
  constructor(host: string, detail: string) {
    super('HOST_OFFLINE', `Host ${host} is offline: ${detail}.`);
  }
}

export class JobNotFoundError extends DomainError {
  constructor(readonly jobId: string) {
    super('JOB_NOT_FOUND', `No job has the id ${JSON.stringify(jobId.slice(0, 80))}.`);
  }
}

export class JobNotCancellableError extends DomainError {
  constructor(
    readonly jobId: string,
    state: string,
  ) {
    super(
      'JOB_NOT_CANCELLABLE',
      `Job ${jobId} is already ${state.toLowerCase()}; only queued or active jobs can be cancelled.`,
    );
  }
}

/**
 * What the daemon itself would say of a refused removal, for transports that speak its language
 * (the Engine API): the image, the containers using it, and whether the caller named the image
 * by one of its references or by its id.
 */
export interface ImageUsage {
  readonly imageId: string;
  readonly containerIds: readonly string[];
  readonly running: boolean;
  readonly byName: boolean;
}

export class ImageInUseError extends DomainError {
  constructor(
    readonly reference: string,
    readonly containers: readonly string[],
    advice: string,
    readonly usage?: ImageUsage,
  ) {
    super(
      'IMAGE_IN_USE',
      `${reference} is used by container${containers.length === 1 ? '' : 's'} ${containers.join(', ')}; ${advice}`,
    );
  }
}

export class ImageHasMultipleTagsError extends DomainError {
  constructor(
    readonly reference: string,
    readonly tags: readonly string[],
    readonly imageId?: string,
  ) {
    super(
      'IMAGE_HAS_MULTIPLE_TAGS',
      `${reference} has ${tags.length} tags (${tags.join(', ')}): remove them one by one, or pass force to remove the image with all its tags.`,
    );
  }
}

/** A caller over its request budget; `retryAfterSeconds` travels as the Retry-After header. */
export class RateLimitedError extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    what: string,
  ) {
    super('RATE_LIMITED', `Too many ${what} for this token; retry in ${retryAfterSeconds} s.`);
  }
}

/** The registry has no such repository, tag or digest (Docker Hub says it alike for a private one). */
export class ManifestUnknownError extends DomainError {
  constructor(message: string) {
    super('MANIFEST_UNKNOWN', message);
  }
}

/** The registry refused the credentials, or needs some. The message never holds a credential. */
export class RegistryUnauthorizedError extends DomainError {
  constructor(message: string) {
    super('REGISTRY_UNAUTHORIZED', message);
  }
}

/** The registry could not be reached, timed out, or failed (5xx). */
export class RegistryUnreachableError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('REGISTRY_UNREACHABLE', message, options);
  }
}

/**
 * A registry's own rate limit (Docker Hub's pulls, a 429): RATE_LIMITED like the service's own
 * budgets, with the registry's Retry-After when it sent one.
 */
export class RegistryRateLimitedError extends DomainError {
  constructor(
    registry: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(
      'RATE_LIMITED',
      `The registry ${registry} refused the request for its rate limit` +
        (retryAfterSeconds === undefined ? '; retry later.' : `; retry in ${retryAfterSeconds} s.`),
    );
  }
}

/** The target does not offer the operation: a registry that refuses its catalog, say. */
export class UnsupportedError extends DomainError {
  constructor(message: string) {
    super('UNSUPPORTED', message);
  }
}

/** The Retry-After a refusal carries, in seconds: the service's budgets and registries' limits. */
export function retryAfterOf(error: unknown): number | undefined {
  return error instanceof RateLimitedError || error instanceof RegistryRateLimitedError
    ? error.retryAfterSeconds
    : undefined;
}
