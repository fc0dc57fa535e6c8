import {
  DomainError,
  ImageHasMultipleTagsError,
  ImageInUseError,
  ImageNotFoundError,
  type ImageUsage,
} from '#libs/errors';

/**
 * What the Engine API says of a failure: the daemon's own words where the docker CLI or a tool
 * reads them (`No such image: x` makes `docker run` offer to pull, `conflict: …` is what scripts
 * grep for), the contract's message otherwise. The status stays the contract code's.
 */
export function engineMessage(error: unknown, publicMessage: string): string {
  if (error instanceof ImageNotFoundError) return `No such image: ${error.reference}`;
  if (error instanceof ImageInUseError && error.usage) return inUseMessage(error.reference, error.usage);
  if (error instanceof ImageHasMultipleTagsError && error.imageId) {
    return `conflict: unable to delete ${short(error.imageId)} (must be forced) - image is referenced in multiple repositories`;
  }
  if (
    error instanceof DomainError &&
    (error.code === 'IMAGE_IN_USE' || error.code === 'IMAGE_HAS_MULTIPLE_TAGS')
  ) {
    return `conflict: ${publicMessage}`;
  }
  return publicMessage;
}

/** As moby's daemon/images/image_delete.go words it. */
function inUseMessage(reference: string, usage: ImageUsage): string {
  const container = short(usage.containerIds[0] ?? '');
  if (usage.byName && !usage.running) {
    return `conflict: unable to remove repository reference "${reference}" (must force) - container ${container} is using its referenced image ${short(usage.imageId)}`;
  }
  const how = usage.running ? 'cannot be forced' : 'must be forced';
  const state = usage.running ? 'running' : 'stopped';
  return `conflict: unable to delete ${short(usage.imageId)} (${how}) - image is being used by ${state} container ${container}`;
}

function short(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
